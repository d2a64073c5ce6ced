import { sign, verify } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import { decodeBase64Strict, encodeBase64 } from './base64.js';
import { InvalidNoteError, malformedNote } from './errors.js';
import { isValidKeyName, openLogKey, parseVerifierKey, type LogKey, type NoteVerifier } from './note-key.js';

/**
 * C2SP signed-note (https://c2sp.org/signed-note):
 *
 *   <text, ending in "\n">
 *   <blank line>
 *   — <key name> <base64(4-byte key ID ‖ signature)>\n     (one line per signature, U+2014 EM DASH)
 *
 * The signed message is the text, final newline included. Parsing follows
 * golang.org/x/mod/sumdb/note `Open`: all input is untrusted.
 */

export interface NoteSignature {
  readonly name: string;
  /** The 4-byte key ID as an unsigned 32-bit number. */
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

export interface Note {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

const SIGNATURE_PREFIX = '\u2014 ';
/** sumdb/note refuses notes with more signature lines than this. */
export const MAX_NOTE_SIGNATURES = 100;
// "Note text": UTF-8 without ASCII control characters other than newline.
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

function textProblem(text: string): string | undefined {
  if (!text.endsWith('\n')) return 'text must end with a newline';
  if (CONTROL.test(text)) return 'control character';
  if (Buffer.from(text, 'utf8').toString('utf8') !== text) return 'not valid Unicode';
  return undefined;
}

/** Sign `text` with each key; the result is the complete note. */
export function signNote(text: string, keys: LogKey | readonly LogKey[]): string {
  const problem = textProblem(text);
  if (problem !== undefined) {
    throw new InvalidInputError({ zh: `注记正文无法签名：${problem}`, en: `cannot sign note text: ${problem}` });
  }
  const message = Buffer.from(text, 'utf8');
  const lines = (Array.isArray(keys) ? (keys as readonly LogKey[]) : [keys as LogKey]).map((key) => {
    const { name, keyId, privateKey } = openLogKey(key);
    const blob = Buffer.alloc(4);
    blob.writeUInt32BE(keyId);
    return `${SIGNATURE_PREFIX}${name} ${encodeBase64(Buffer.concat([blob, sign(null, message, privateKey)]))}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** Split a note into text and signature lines, checking syntax only (no signature is verified). */
export function parseNote(note: string | Uint8Array): Note {
  let s: string;
  if (typeof note === 'string') {
    s = note;
  } else if (note instanceof Uint8Array) {
    try {
      s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw malformedNote('not UTF-8');
    }
  } else {
    throw malformedNote('not text');
  }
  if (CONTROL.test(s)) throw malformedNote('control character');
  if (Buffer.from(s, 'utf8').toString('utf8') !== s) throw malformedNote('not valid Unicode');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformedNote('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformedNote('no signature lines');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw malformedNote(`more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformedNote('a signature line must start with "— "');
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? '' : rest.slice(0, space);
    const blob = space < 0 ? undefined : decodeBase64Strict(rest.slice(space + 1));
    if (!isValidKeyName(name) || blob === undefined || blob.length < 5) throw malformedNote('bad signature line');
    return { name, keyId: Buffer.from(blob).readUInt32BE(0), signature: blob.subarray(4) };
  });
  return { text, signatures };
}

/**
 * Parse `note` and verify it against the trusted `verifierKeys`. Signatures
 * by other keys are ignored (witnesses may add theirs), but a signature that
 * claims a trusted key and fails, or a note no trusted key signed, throws
 * InvalidNoteError. Returns the text and the verified signatures.
 */
export function verifyNote(note: string | Uint8Array, verifierKeys: string | readonly string[]): Note {
  const trusted = new Map<string, NoteVerifier>();
  for (const vkey of typeof verifierKeys === 'string' ? [verifierKeys] : verifierKeys) {
    const v = parseVerifierKey(vkey);
    trusted.set(`${v.name}+${v.keyId}`, v);
  }
  const parsed = parseNote(note);
  const message = Buffer.from(parsed.text, 'utf8');
  const verified = new Map<string, NoteSignature>();
  for (const sig of parsed.signatures) {
    const id = `${sig.name}+${sig.keyId}`;
    const key = trusted.get(id);
    if (key === undefined) continue;
    if (!ed25519Verify(message, sig.signature, key)) {
      throw new InvalidNoteError(
        'bad-signature',
        { zh: `密钥 ${sig.name} 的签名无效`, en: `invalid signature for key ${sig.name}` },
        { details: { key: sig.name, keyId: sig.keyId } },
      );
    }
    if (!verified.has(id)) verified.set(id, sig);
  }
  if (verified.size === 0) {
    throw new InvalidNoteError('untrusted', {
      zh: '注记没有任何受信任密钥的签名',
      en: 'the note has no signature by a trusted key',
    });
  }
  return { text: parsed.text, signatures: [...verified.values()] };
}

function ed25519Verify(message: Uint8Array, signature: Uint8Array, key: NoteVerifier): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, key.publicKey, signature);
  } catch {
    return false;
  }
}
