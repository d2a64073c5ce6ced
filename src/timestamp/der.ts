/** Small DER/PEM helpers shared by the TSA files. */
import * as asn1js from 'asn1js';

/** Parse one complete DER value; undefined when the bytes are not exactly one value. */
export function parseDer(bytes: Uint8Array): asn1js.AsnType | undefined {
  if (bytes.length === 0) return undefined;
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.length) return undefined;
  return parsed.result;
}

export function toBytes(buf: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return new Uint8Array(buf);
}

/** A fresh ArrayBuffer holding exactly these bytes (pkijs and WebCrypto want ArrayBuffers). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every PEM block with this label, in order, as DER. */
export function fromPemAll(label: string, pem: string): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`, 'g');
  return [...pem.matchAll(re)].map((m) => new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')));
}

export function bigintToInteger(value: bigint): asn1js.Integer {
  return asn1js.Integer.fromBigInt(value);
}

/**
 * Dotted form of an OBJECT IDENTIFIER (X.690 §8.19), arcs of any size.
 * asn1js renders arcs above 2^53 wrongly, and the default policy lives under
 * 2.25 (UUID arcs of 128 bits), so OIDs are read from the content octets.
 */
export function oidString(oid: asn1js.ObjectIdentifier): string {
  const whole = oid.valueBeforeDecodeView;
  const bytes = whole.subarray(whole.length - oid.valueBlock.blockLength);
  if (whole.length === 0 || bytes.length === 0) return oid.valueBlock.toString();
  const arcs: bigint[] = [];
  let acc = 0n;
  for (const b of bytes) {
    acc = (acc << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}
