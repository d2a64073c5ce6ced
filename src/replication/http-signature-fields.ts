import { decodeBase64Strict, encodeBase64 } from '../ledger/base64.js';

/**
 * The slice of Structured Field Values (RFC 8941) that HTTP Message Signatures
 * (RFC 9421 §4) and Content-Digest (RFC 9530 §2) need: a Dictionary (§3.2)
 * whose members are an Inner List of Strings or a Byte Sequence, with
 * parameters whose values are Integers or Strings.
 *
 * These fields arrive from a peer over the network and are untrusted. Parsing
 * follows RFC 8941 §4.2, but everything outside the slice is refused rather
 * than tolerated: tokens, booleans, decimals, parameters on items, duplicate
 * keys (which §4.2.2 would silently overwrite), leading zeros, unpadded or
 * non-canonical base64. Our own signer writes exactly one form, so nothing
 * legitimate is lost.
 *
 * Errors are plain SyntaxErrors with an English detail; the caller wraps them
 * once into its own YinjiError.
 */
export type BareItem = string | number | Uint8Array;

/** Parameters in field order: the order is part of the signed `@signature-params` line (RFC 9421 §2.3). */
export type Params = ReadonlyArray<readonly [string, BareItem]>;

export interface InnerList {
  readonly kind: 'inner-list';
  readonly items: readonly string[];
  readonly params: Params;
}

export interface Item {
  readonly kind: 'item';
  readonly value: BareItem;
  readonly params: Params;
}

export type Member = InnerList | Item;

const KEY = /^[a-z*][a-z0-9_.*-]*$/;
const MAX_INTEGER = 999_999_999_999_999; // 15 digits (RFC 8941 §3.3.1)

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(detail: string): never {
    throw new SyntaxError(`${detail} at offset ${this.i}`);
  }
  done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string | undefined {
    return this.s[this.i];
  }
  take(): string {
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end of field');
    this.i++;
    return c;
  }
  expect(c: string): void {
    if (this.peek() !== c) this.fail(`expected "${c}"`);
    this.i++;
  }
  skipSP(): void {
    while (this.peek() === ' ') this.i++;
  }
  skipOWS(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.i++;
  }

  // §4.2.3.3
  key(): string {
    const start = this.i;
    while (!this.done() && /[a-z0-9_.*-]/.test(this.s[this.i] ?? '')) this.i++;
    const key = this.s.slice(start, this.i);
    if (!KEY.test(key)) this.fail('expected a key');
    return key;
  }

  // §4.2.3.1, without Token, Boolean and Decimal.
  bareItem(): BareItem {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === ':') return this.bytes();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.integer();
    return this.fail('unsupported value type');
  }

  // §4.2.4, integers only.
  private integer(): number {
    const m = /^(-?)([0-9]{1,15})(?![0-9.])/.exec(this.s.slice(this.i));
    if (!m?.[2]) return this.fail('expected an integer of at most 15 digits');
    if (m[2].length > 1 && m[2].startsWith('0')) this.fail('integer with leading zeros');
    this.i += m[0].length;
    const n = Number(m[2]);
    return m[1] === '-' ? -n : n;
  }

  // §4.2.5
  private string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.take();
      if (c === '"') return out;
      if (c === '\\') {
        const e = this.take();
        if (e !== '"' && e !== '\\') this.fail('bad escape in string');
        out += e;
      } else if (c < ' ' || c > '~') {
        this.fail('string holds a character outside printable ASCII');
      } else out += c;
    }
  }

  // §4.2.7, canonical padded base64 only.
  private bytes(): Uint8Array {
    this.expect(':');
    const end = this.s.indexOf(':', this.i);
    if (end < 0) this.fail('unterminated byte sequence');
    const text = this.s.slice(this.i, end);
    const bytes = text === '' ? new Uint8Array(0) : decodeBase64Strict(text);
    if (bytes === undefined) this.fail('byte sequence is not canonical padded base64');
    this.i = end + 1;
    return bytes;
  }

  // §4.2.3.2; a parameter without "=" (Boolean true) is not used here.
  params(): Params {
    const out: Array<readonly [string, BareItem]> = [];
    while (this.peek() === ';') {
      this.i++;
      this.skipSP();
      const key = this.key();
      if (out.some(([k]) => k === key)) this.fail(`duplicate parameter "${key}"`);
      this.expect('=');
      out.push([key, this.bareItem()]);
    }
    return out;
  }

  // §4.2.1.2, members being Strings without parameters.
  innerList(): InnerList {
    this.expect('(');
    const items: string[] = [];
    for (;;) {
      this.skipSP();
      if (this.peek() === ')') {
        this.i++;
        return { kind: 'inner-list', items, params: this.params() };
      }
      const item = this.bareItem();
      if (typeof item !== 'string') this.fail('inner list members must be strings');
      if (this.params().length > 0) this.fail('parameters on inner list members are not used');
      items.push(item);
      if (this.peek() !== ' ' && this.peek() !== ')') this.fail('expected " " or ")"');
    }
  }

  // §4.2.2
  dictionary(): Map<string, Member> {
    const out = new Map<string, Member>();
    this.skipSP();
    if (this.done()) return out;
    for (;;) {
      const key = this.key();
      if (out.has(key)) this.fail(`duplicate member "${key}"`);
      this.expect('=');
      out.set(
        key,
        this.peek() === '(' ? this.innerList() : { kind: 'item', value: this.bareItem(), params: this.params() },
      );
      this.skipOWS();
      if (this.done()) return out;
      this.expect(',');
      this.skipOWS();
      if (this.done()) this.fail('trailing comma');
    }
  }
}

/** Parse a Dictionary field value (already combined, RFC 9110 §5.3). Throws SyntaxError. */
export function parseDictionary(field: string): Map<string, Member> {
  return new Parser(field).dictionary();
}

// Serialisation (RFC 8941 §4.1), used for the Signature-Input field and for the
// `@signature-params` line, which must be byte-identical (RFC 9421 §2.3).

export function serializeString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new SyntaxError('string holds a character outside printable ASCII');
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function serializeBareItem(v: BareItem): string {
  if (typeof v === 'string') return serializeString(v);
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > MAX_INTEGER)
      throw new SyntaxError(`not a structured-field integer: ${v}`);
    return String(v);
  }
  return `:${encodeBase64(v)}:`;
}

export function serializeParams(params: Params): string {
  return params
    .map(([k, v]) => {
      if (!KEY.test(k)) throw new SyntaxError(`not a structured-field key: ${k}`);
      return `;${k}=${serializeBareItem(v)}`;
    })
    .join('');
}

export function serializeInnerList(list: InnerList): string {
  return `(${list.items.map(serializeString).join(' ')})${serializeParams(list.params)}`;
}
