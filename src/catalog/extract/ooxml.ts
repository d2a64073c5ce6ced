import { fromSink } from './result.js';
import { TextSink } from './text-sink.js';
import type { Context, ExtractResult } from './types.js';
import { walkPart, type XmlWalker } from './xml-text.js';
import type { ZipReader } from './zip.js';

/**
 * Office Open XML text (ECMA-376 Part 1), the parts found by their content
 * types in [Content_Types].xml (Part 2 §10.1.2), so a package that names its
 * parts unusually is read as well as the usual word/document.xml:
 *
 * - WordprocessingML: w:t runs; w:p ends a paragraph (§17.3.1.22), w:tab and
 *   w:br/w:cr break words and lines; the body first, then footnotes,
 *   endnotes, headers and footers. Deleted text (w:delText) and field codes
 *   (w:instrText) are other elements and are left out.
 * - SpreadsheetML: the shared strings (§18.4.8 si, leaving out phonetic
 *   runs rPh), then each sheet's inline strings (§18.3.1.53 is) and formula
 *   string results (t="str"). Numbers are not text for the search index.
 * - PresentationML: a:t runs of each slide (§19.3.1.38 sld), a:p paragraphs.
 */

type OoxmlKind = 'docx' | 'xlsx' | 'pptx';

const CT = {
  word: ['wordprocessingml', 'ms-word'],
  sheet: ['spreadsheetml', 'ms-excel'],
  slides: ['presentationml', 'ms-powerpoint'],
} as const;

const KIND_BY_FAMILY: Record<keyof typeof CT, OoxmlKind> = { word: 'docx', sheet: 'xlsx', slides: 'pptx' };
/** The conventional main part names, for a package whose content types do not say. */
const CONVENTIONAL: readonly (readonly [string, OoxmlKind])[] = [
  ['word/document.xml', 'docx'],
  ['xl/workbook.xml', 'xlsx'],
  ['ppt/presentation.xml', 'pptx'],
];

/** Part names by content type (lower case), from the Override elements. */
async function contentTypes(zip: ZipReader, ctx: Context): Promise<Map<string, string[]>> {
  const types = new Map<string, string[]>();
  const walker: XmlWalker = {
    open(name, attrs) {
      const part = attrs['PartName']?.replace(/^\/+/, '');
      const type = attrs['ContentType']?.toLowerCase();
      if (name !== 'Override' || part === undefined || type === undefined || !zip.has(part)) return;
      types.set(type, [...(types.get(type) ?? []), part]);
    },
  };
  await walkPart(zip.read('[Content_Types].xml', ctx.signal), '[Content_Types].xml', walker, () => false, ctx.signal);
  return types;
}

/** Whether the package is a Word, Excel or PowerPoint document; undefined when it is none of them. */
export async function ooxmlKind(zip: ZipReader, ctx: Context): Promise<OoxmlKind | undefined> {
  if (!zip.has('[Content_Types].xml')) return undefined;
  const types = await contentTypes(zip, ctx);
  for (const type of types.keys()) {
    if (!type.endsWith('.main+xml')) continue;
    for (const [family, marks] of Object.entries(CT) as [keyof typeof CT, readonly string[]][]) {
      if (marks.some((m) => type.includes(m))) return KIND_BY_FAMILY[family];
    }
  }
  return CONVENTIONAL.find(([part]) => zip.has(part))?.[1];
}

const byNumber = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

function partsOf(types: Map<string, string[]>, family: readonly string[], suffix: string): string[] {
  const parts = [...types].filter(([t]) => family.some((f) => t.includes(f)) && t.endsWith(suffix));
  return parts.flatMap(([, p]) => p).sort(byNumber);
}

export async function extractOoxml(zip: ZipReader, kind: OoxmlKind, ctx: Context): Promise<ExtractResult> {
  const types = await contentTypes(zip, ctx);
  const sink = new TextSink(ctx.maxChars);
  const order: readonly string[] =
    kind === 'docx'
      ? ['.main+xml', '.footnotes+xml', '.endnotes+xml', '.header+xml', '.footer+xml']
      : kind === 'xlsx'
        ? ['.sharedstrings+xml', '.worksheet+xml']
        : ['.slide+xml'];
  const family = kind === 'docx' ? CT.word : kind === 'xlsx' ? CT.sheet : CT.slides;
  let parts = order.flatMap((suffix) => partsOf(types, family, suffix));
  if (kind === 'docx' && partsOf(types, family, '.main+xml').length === 0 && zip.has('word/document.xml')) {
    parts = ['word/document.xml', ...parts];
  }
  if (kind === 'xlsx' && parts.length === 0)
    parts = zip.names.filter((n) => /^xl\/(sharedStrings|worksheets\/sheet\d+)\.xml$/i.test(n));
  if (kind === 'pptx' && parts.length === 0)
    parts = zip.names.filter((n) => /^ppt\/slides\/slide\d+\.xml$/i.test(n)).sort(byNumber);
  for (const part of parts) {
    if (sink.full) break;
    const walker = kind === 'xlsx' ? sheetWalker(sink) : runWalker(sink);
    await walkPart(zip.read(part, ctx.signal), part, walker, () => sink.full, ctx.signal);
    sink.newline();
  }
  return fromSink(sink, 'text', kind);
}

/**
 * WordprocessingML and DrawingML text: t runs, p paragraphs, tab and br. A
 * text box is written twice, as DrawingML in mc:Choice and as VML in
 * mc:Fallback (ECMA-376 Part 3 §10.2.1): the fallback copy is skipped.
 */
function runWalker(sink: TextSink): XmlWalker {
  let inText = 0;
  let fallback = 0;
  return {
    open(name) {
      if (name === 'Fallback') fallback++;
      else if (name === 't') inText++;
      else if (name === 'tab') sink.separate();
      else if (name === 'br' || name === 'cr') sink.newline();
    },
    close(name) {
      if (name === 'Fallback') fallback--;
      else if (name === 't') inText--;
      else if (name === 'p') sink.newline();
    },
    text(t) {
      if (inText > 0 && fallback === 0) sink.write(t);
    },
  };
}

/** SpreadsheetML: shared strings (si), inline strings (is) and string formula results (c t="str"). */
function sheetWalker(sink: TextSink): XmlWalker {
  let inText = 0;
  let phonetic = 0;
  let strCell = false;
  let inValue = false;
  return {
    open(name, attrs) {
      if (name === 't') inText++;
      else if (name === 'rPh') phonetic++;
      else if (name === 'c') strCell = attrs['t'] === 'str';
      else if (name === 'v') inValue = strCell;
    },
    close(name) {
      if (name === 't') inText--;
      else if (name === 'rPh') phonetic--;
      else if (name === 'v') inValue = false;
      else if (name === 'si' || name === 'row') sink.newline();
      else if (name === 'c' || name === 'is') sink.separate();
    },
    text(t) {
      if ((inText > 0 && phonetic === 0) || inValue) sink.write(t);
    },
  };
}
