import { YinjiError, type Message, type YinjiErrorOptions } from '../core/errors.js';

/** Why a signed note or checkpoint was refused (details.reason). */
export type NoteFailure =
  | 'malformed' // not a signed note per C2SP signed-note
  | 'malformed-checkpoint' // a note, but its text is not a C2SP tlog-checkpoint
  | 'bad-signature' // a signature line by a trusted key does not verify
  | 'untrusted'; // no signature by any of the trusted keys

/**
 * A signed note or checkpoint that must not be trusted. Its input is
 * untrusted by nature (it comes from a peer, a witness or a receipt), so this
 * is the expected outcome of a bad input, not a bug. Code E_NOTE_INVALID.
 */
export class InvalidNoteError extends YinjiError {
  override readonly name = 'InvalidNoteError';
  readonly reason: NoteFailure;
  constructor(reason: NoteFailure, message: Message, options: YinjiErrorOptions = {}) {
    super('E_NOTE_INVALID', message, { ...options, details: { reason, ...options.details } });
    this.reason = reason;
  }
}

export function malformedNote(why: string): InvalidNoteError {
  return new InvalidNoteError('malformed', { zh: `签名注记格式错误：${why}`, en: `malformed signed note: ${why}` });
}
