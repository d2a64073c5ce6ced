/**
 * Incremental Base64 decoding (RFC 2045 §6.8, as DA/T 48's 编码描述 cites):
 * text arrives in arbitrary pieces from the XML parser, whitespace and line
 * breaks anywhere are ignored, and whole 4-character groups are decoded as
 * soon as they are complete, so memory stays at one piece of text.
 */
export class Base64Stream {
  private carry = '';
  private ended = false;
  /** First problem seen (a character outside the alphabet, data after padding, a dangling group). */
  error: 'bad-character' | 'after-padding' | 'truncated' | undefined;

  /** Decode what is complete in `text`; returns the bytes (possibly empty). */
  write(text: string): Buffer {
    if (this.error !== undefined) return EMPTY;
    const clean = this.carry + text.replace(/[\s]+/g, '');
    if (clean.length === 0) return EMPTY;
    if (this.ended) {
      this.error = 'after-padding';
      return EMPTY;
    }
    if (!ALPHABET.test(clean)) {
      this.error = 'bad-character';
      return EMPTY;
    }
    const pad = clean.indexOf('=');
    if (pad !== -1 && !/^=*$/.test(clean.slice(pad))) {
      this.error = 'after-padding';
      return EMPTY;
    }
    const whole = clean.length - (clean.length % 4);
    this.carry = clean.slice(whole);
    if (pad !== -1 && pad < whole) this.ended = true;
    return whole === 0 ? EMPTY : Buffer.from(clean.slice(0, whole), 'base64');
  }

  /** Finish: any leftover characters mean the data was cut short. */
  end(): void {
    if (this.error === undefined && this.carry.length > 0) this.error = 'truncated';
  }
}

const EMPTY = Buffer.alloc(0);
// Standard alphabet plus padding; also URL-safe letters, which Node decodes too.
const ALPHABET = /^[A-Za-z0-9+/=_-]*$/;
