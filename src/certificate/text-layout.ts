import type { Color, PDFFont, PDFPage } from 'pdf-lib';

/**
 * The fonts of a certificate. The CJK TrueType fonts we can rely on do not
 * all carry Latin glyphs (DroidSansFallbackFull has none for ASCII), so text
 * is split into runs: ASCII in a Latin font, everything else in the CJK font.
 */
export interface FontSet {
  readonly cjk: PDFFont;
  readonly latin: PDFFont;
  /** For digests and other hex: fixed pitch so the two halves line up. */
  readonly mono: PDFFont;
  readonly cjkChars: ReadonlySet<number>;
  readonly latinChars: ReadonlySet<number>;
}

export interface TextRun {
  readonly text: string;
  readonly font: PDFFont;
}

export function makeFontSet(cjk: PDFFont, latin: PDFFont, mono: PDFFont): FontSet {
  return { cjk, latin, mono, cjkChars: new Set(cjk.getCharacterSet()), latinChars: new Set(latin.getCharacterSet()) };
}

/** Split `text` into runs of one font each; `latin` overrides the Latin font (e.g. mono). */
export function splitRuns(text: string, fonts: FontSet, latin: PDFFont = fonts.latin): TextRun[] {
  const runs: { text: string; font: PDFFont }[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const useLatin = (cp >= 0x20 && cp < 0x7f) || (!fonts.cjkChars.has(cp) && fonts.latinChars.has(cp));
    // A character neither font has goes to the CJK font, which draws .notdef
    // instead of throwing as the WinAnsi standard fonts would.
    const font = useLatin ? latin : fonts.cjk;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.font === font) last.text += ch;
    else runs.push({ text: ch, font });
  }
  return runs;
}

export function textWidth(text: string, size: number, fonts: FontSet, latin?: PDFFont): number {
  return splitRuns(text, fonts, latin).reduce((w, r) => w + r.font.widthOfTextAtSize(r.text, size), 0);
}

/**
 * Greedy line breaking: Chinese may break between any two characters, Latin
 * words (and URLs, registration numbers) stay whole unless one alone is
 * wider than the line.
 */
export function wrapText(text: string, maxWidth: number, size: number, fonts: FontSet, latin?: PDFFont): string[] {
  const tokens = text.match(/[\x21-\x7e]+|\s+|[^\s]/gu) ?? [];
  const lines: string[] = [];
  let line = '';
  const fits = (s: string): boolean => textWidth(s, size, fonts, latin) <= maxWidth;
  for (const token of tokens) {
    if (fits(line + token)) {
      line += token;
      continue;
    }
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = /^\s+$/u.test(token) ? '' : token;
    // A single token wider than the line (a long URL) is broken by character.
    while (!fits(line)) {
      let cut = line.length - 1;
      while (cut > 1 && !fits(line.slice(0, cut))) cut--;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

export interface DrawTextOptions {
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly color: Color;
  readonly fonts: FontSet;
  readonly latin?: PDFFont;
  /** Extra space after every character, in points (titles are spaced out). */
  readonly tracking?: number;
}

/** Draw one line of mixed-script text starting at (x, y); returns its width. */
export function drawMixed(page: PDFPage, text: string, o: DrawTextOptions): number {
  let x = o.x;
  const tracking = o.tracking ?? 0;
  for (const run of splitRuns(text, o.fonts, o.latin)) {
    const pieces = tracking === 0 ? [run.text] : Array.from(run.text);
    for (const piece of pieces) {
      page.drawText(piece, { x, y: o.y, size: o.size, font: run.font, color: o.color });
      x += run.font.widthOfTextAtSize(piece, o.size) + (tracking === 0 ? 0 : tracking);
    }
  }
  return x - o.x;
}

/** Width of `text` as drawMixed would draw it, tracking included. */
export function trackedWidth(text: string, size: number, fonts: FontSet, tracking: number): number {
  return textWidth(text, size, fonts) + tracking * Array.from(text).length;
}
