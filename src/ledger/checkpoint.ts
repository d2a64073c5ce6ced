import { InvalidInputError } from '../core/errors.js';
import { decodeBase64Strict, encodeBase64 } from './base64.js';
import { InvalidNoteError } from './errors.js';
import type { LogKey } from './note-key.js';
import { parseNote, signNote, verifyNote, type NoteSignature } from './note.js';

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): a signed note whose
 * text is
 *
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n …]
 *
 * Yinji writes no extension lines (NOT RECOMMENDED by the spec) and keeps any
 * it reads, so a witness's checkpoint still parses.
 */

export interface Checkpoint {
  /** Unique identity of the log, e.g. "yinji.example.gov.cn/log". */
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

export interface ParsedCheckpoint extends Checkpoint {
  readonly extensions: readonly string[];
  readonly signatures: readonly NoteSignature[];
}

/** The note text of a checkpoint. */
export function checkpointText(cp: Checkpoint): string {
  const { origin, size, root } = cp;
  if (typeof origin !== 'string' || origin.length === 0 || /[\u0000-\u001f]/.test(origin)) {
    throw new InvalidInputError({ zh: '检查点的 origin 无效', en: 'invalid checkpoint origin' });
  }
  if (!Number.isSafeInteger(size) || size < 0 || !(root instanceof Uint8Array) || root.length === 0) {
    throw new InvalidInputError({ zh: '检查点的树大小或根哈希无效', en: 'invalid checkpoint tree size or root' });
  }
  return `${origin}\n${size}\n${encodeBase64(root)}\n`;
}

/** Sign a checkpoint with the log key (and optionally more keys); returns the note. */
export function signCheckpoint(cp: Checkpoint, key: LogKey | readonly LogKey[]): string {
  return signNote(checkpointText(cp), key);
}

function badCheckpoint(why: string): InvalidNoteError {
  return new InvalidNoteError('malformed-checkpoint', {
    zh: `检查点格式错误：${why}`,
    en: `malformed checkpoint: ${why}`,
  });
}

/** Parse the checkpoint text of a note (no line may be empty). */
export function parseCheckpointText(text: string): Omit<ParsedCheckpoint, 'signatures'> {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : [];
  if (lines.length < 3 || lines.some((l) => l.length === 0)) throw badCheckpoint('expected at least 3 non-empty lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  // Decimal, no sign, no leading zeros.
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) throw badCheckpoint('tree size is not a decimal number');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw badCheckpoint('tree size too large');
  const root = decodeBase64Strict(rootLine);
  if (root === undefined) throw badCheckpoint('root hash is not canonical base64');
  return { origin, size, root, extensions };
}

/** Parse a checkpoint note WITHOUT verifying any signature (for display, or before choosing keys). */
export function parseCheckpoint(note: string | Uint8Array): ParsedCheckpoint {
  const { text, signatures } = parseNote(note);
  return { ...parseCheckpointText(text), signatures };
}

/**
 * Verify a checkpoint note against trusted verifier keys; throws
 * InvalidNoteError (E_NOTE_INVALID) unless a trusted key signed it. With
 * `origin`, also require that origin. `signatures` lists the verified ones.
 */
export function verifyCheckpoint(
  note: string | Uint8Array,
  verifierKeys: string | readonly string[],
  options: { readonly origin?: string } = {},
): ParsedCheckpoint {
  const { text, signatures } = verifyNote(note, verifierKeys);
  const cp = parseCheckpointText(text);
  if (options.origin !== undefined && cp.origin !== options.origin) {
    throw badCheckpoint(`origin is "${cp.origin}", expected "${options.origin}"`);
  }
  return { ...cp, signatures };
}
