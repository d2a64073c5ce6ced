import * as OpenCC from 'opencc-js';

/**
 * Text analysis shared by indexing and querying, so that both sides always
 * cut text the same way (a query matches only what the index was fed).
 *
 * Chinese is written without spaces and most words are two characters, so
 * Han text is indexed as overlapping character bigrams ("社会保险" → 社会
 * 会保 保险): any fragment of two or more characters is then a phrase of
 * consecutive bigrams, found whatever a word segmenter would have made of it.
 * Letters and digits (档号 segments, 文号 numbers, years) are indexed as
 * whole lower-case runs. Traditional characters are folded to simplified
 * (OpenCC, Taiwan and Hong Kong forms) and full-width forms to half-width
 * (NFKC) on both sides, so 關於 finds 关于 and ＷＳ finds WS.
 */

/** opencc-js's bundled .d.ts imports './core' without an extension, which NodeNext cannot resolve: typed here. */
type Convert = (text: string) => string;
const { Converter } = OpenCC as unknown as { Converter: (options: { from: string; to: string }) => Convert };
const toSimplified = Converter({ from: 'tw', to: 'cn' });
const hkToSimplified = Converter({ from: 'hk', to: 'cn' });

/** A Han ideograph (CJK Unified Ideographs, Extension A, Compatibility). */
const HAN = /\p{Script=Han}/u;
const ALNUM = /[\p{L}\p{N}]/u;

const fold = (text: string): string => hkToSimplified(toSimplified(text));

let traditional: Set<number> | undefined;
/**
 * The characters the converters change when they stand alone, found once by
 * converting every BMP Han character (~0.2 s). Text without any of them is
 * already simplified: the converters, which are dictionary-driven and cost
 * ~15 µs a title, are skipped — most of the cost of a bulk import otherwise.
 */
function traditionalChars(): Set<number> {
  if (traditional !== undefined) return traditional;
  traditional = new Set();
  const ranges: Array<[number, number]> = [
    [0x3400, 0x4dbf],
    [0x4e00, 0x9fff],
    [0xf900, 0xfaff],
  ];
  for (const [from, to] of ranges) {
    let chunk = '';
    for (let c = from; c <= to; c++) chunk += String.fromCharCode(c);
    const folded = fold(chunk);
    // One code unit in, one out, for every BMP character: compare position by position.
    if (folded.length !== chunk.length) {
      for (let c = from; c <= to; c++) if (fold(String.fromCharCode(c)) !== String.fromCharCode(c)) traditional.add(c);
      continue;
    }
    for (let i = 0; i < chunk.length; i++) if (folded.charCodeAt(i) !== chunk.charCodeAt(i)) traditional.add(from + i);
  }
  return traditional;
}

function mayBeTraditional(text: string): boolean {
  const set = traditionalChars();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Astral characters (surrogates) are rare here: let the converters look at them.
    if (set.has(c) || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

/** NFKC, lower case, simplified characters: the form both the index and queries are compared in. */
export function normalizeText(text: string): string {
  const nfkc = text.normalize('NFKC').toLowerCase();
  return mayBeTraditional(nfkc) ? fold(nfkc) : nfkc;
}

/** One run of text of a single kind: Han characters, or letters and digits. */
export interface TextRun {
  readonly kind: 'han' | 'word';
  readonly text: string;
}

/** Split normalised text into runs; anything else (spaces, punctuation, 〔〕·-) separates runs. */
export function textRuns(normalized: string): TextRun[] {
  const runs: TextRun[] = [];
  let kind: TextRun['kind'] | undefined;
  let current = '';
  const flush = (): void => {
    if (kind !== undefined && current !== '') runs.push({ kind, text: current });
    current = '';
    kind = undefined;
  };
  for (const ch of normalized) {
    const k = HAN.test(ch) ? 'han' : ALNUM.test(ch) ? 'word' : undefined;
    if (k !== kind) flush();
    kind = k;
    if (k !== undefined) current += ch;
  }
  flush();
  return runs;
}

/** Bigrams of a Han run; a single character stands alone. */
export function hanBigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/** Tokens of one run, in order. */
export function runTokens(run: TextRun): string[] {
  return run.kind === 'han' ? hanBigrams(run.text) : [run.text];
}

/** The index tokens of a text, in order (positions matter: phrases are consecutive tokens). */
export function indexTokens(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  return textRuns(normalizeText(text)).flatMap(runTokens);
}
