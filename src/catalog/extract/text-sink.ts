/**
 * Collects extracted text as it streams in, normalised for the search index:
 * runs of spaces and tabs become one space, runs of line breaks (and page
 * breaks, \f) one newline, control characters are dropped, and the ends are
 * trimmed. A space between two CJK characters is dropped too: Chinese has no
 * spaces between words, but Tesseract's chi_sim output and text laid out
 * character by character (OFD, PDF) put them in, and "档 案" would then not
 * match a search for 档案.
 *
 * Normalising as the text arrives (rather than at the end) lets the extractors
 * stop reading as soon as maxChars characters are kept, so memory stays
 * bounded by maxChars whatever the size of the file.
 */

/** Characters that take no space between them: Han, kana, CJK punctuation, full-width forms. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\u3000-\u303f\uff00-\uffef]/u;
/** C0/C1 controls other than whitespace, and U+FFFE/U+FFFF: never text. */
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g;
const TOKENS = /\s+|\S+/g;
const LINE_BREAK = /[\n\r\f\v\u2028\u2029]/;

export class TextSink {
  private readonly parts: string[] = [];
  private length = 0;
  /** Separation since the last kept character: none, white space, a field boundary, or a line break. */
  private pending: '' | ' ' | 'field' | '\n' = '';
  /** The last character kept ('' at the start). */
  private last = '';
  /** True once text had to be cut at maxChars: the extractor may stop reading. */
  truncated = false;

  constructor(readonly maxChars: number) {}

  /** Add text; it continues the text before it (a word may be split across calls). */
  write(text: string): void {
    if (this.truncated || text === '') return;
    for (const [token] of text.replace(CONTROLS, '').matchAll(TOKENS)) {
      if (/^\s/.test(token)) {
        if (LINE_BREAK.test(token)) this.pending = '\n';
        else if (this.pending === '') this.pending = ' ';
      } else {
        this.keep(token);
        if (this.truncated) return;
      }
    }
  }

  /** End a paragraph, cell or page: the next text starts on a new line. */
  newline(): void {
    this.pending = '\n';
  }

  /** White space, as if written: the next text follows after a space (none between CJK characters). */
  space(): void {
    if (this.pending === '') this.pending = ' ';
  }

  /** A field boundary (a table cell, an XML element): a space that stays even between CJK characters. */
  separate(): void {
    if (this.pending !== '\n') this.pending = 'field';
  }

  get full(): boolean {
    return this.truncated;
  }

  get text(): string {
    return this.parts.join('');
  }

  private keep(token: string): void {
    let sep = this.pending === 'field' ? ' ' : this.pending;
    if (this.length === 0) sep = '';
    else if (this.pending === ' ' && CJK.test(this.last) && CJK.test(String.fromCodePoint(token.codePointAt(0)!))) {
      sep = '';
    }
    this.pending = '';
    let piece = sep + token;
    const room = this.maxChars - this.length;
    if (piece.length > room) {
      // Cut without splitting a surrogate pair (an astral Han character of CJK Extension B and later).
      let end = room;
      if (end > 0 && /[\ud800-\udbff]/.test(piece.charAt(end - 1))) end--;
      piece = piece.slice(0, end).trimEnd();
      this.truncated = true;
    }
    if (piece === '') return;
    this.parts.push(piece);
    this.length += piece.length;
    this.last = lastChar(piece);
  }
}

/** The last character of a non-empty string, a surrogate pair taken whole. */
function lastChar(s: string): string {
  const pair = s.length >= 2 && /[\udc00-\udfff]/.test(s.charAt(s.length - 1));
  return s.slice(pair ? -2 : -1);
}
