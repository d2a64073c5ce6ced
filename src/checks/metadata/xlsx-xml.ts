/**
 * The XML side of reading .xlsx parts: stream a zip entry through saxes,
 * relationships (OPC, ECMA-376 Part 2), shared strings (Part 1 §18.4).
 * Entry sizes are capped before inflating; saxes expands no external or
 * custom entities.
 */
import { posix } from 'node:path';
import { SaxesParser } from 'saxes';
import type { Entry, ZipFile } from 'yauzl';

/** Largest XML part inflated (a 1,048,576-row sheet of catalog data stays well under). */
export const MAX_PART_BYTES = 512 * 1024 * 1024;

export type Attributes = Readonly<Record<string, string>>;
export interface XmlHandlers {
  open?(name: string, attrs: Attributes): void;
  close?(name: string): void;
  text?(text: string): void;
}

export const local = (name: string) => name.slice(name.indexOf(':') + 1);

/** Undo ST_Xstring escapes: Excel writes a carriage return in a string as "_x000D_" (ECMA-376 §22.9.2.19). */
export const unescapeXstring = (s: string) =>
  s.includes('_x') ? s.replace(/_x([0-9A-Fa-f]{4})_/gu, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) : s;

/** Stream one zip entry through saxes; element names without their prefix. */
export async function parsePart(zip: ZipFile, entry: Entry, h: XmlHandlers, signal?: AbortSignal): Promise<void> {
  if (entry.uncompressedSize > MAX_PART_BYTES) {
    throw new Error(`${entry.fileName} is larger than ${MAX_PART_BYTES} bytes`);
  }
  const parser = new SaxesParser({ xmlns: false });
  parser.on('opentag', (tag) => h.open?.(local(tag.name), tag.attributes as Attributes));
  parser.on('closetag', (tag) => h.close?.(local(tag.name)));
  if (h.text !== undefined) {
    const onText = (t: string) => h.text?.(t);
    parser.on('text', onText);
    parser.on('cdata', onText);
  }
  const decoder = new TextDecoder('utf-8');
  try {
    const stream = await zip.openReadStreamPromise(entry);
    for await (const chunk of stream) {
      signal?.throwIfAborted();
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
    }
    parser.write(decoder.decode());
    parser.close();
  } catch (e) {
    signal?.throwIfAborted();
    // Name the part: "xl/worksheets/sheet1.xml: 2:4180: disallowed character."
    throw new Error(`${entry.fileName}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Relationship targets by id, and by type suffix (".../sharedStrings"). */
export async function readRels(zip: ZipFile, entries: Map<string, Entry>, part: string, signal?: AbortSignal) {
  const dir = posix.dirname(part);
  const relsPath = posix.join(dir, '_rels', `${posix.basename(part)}.rels`);
  const byId = new Map<string, string>();
  const byType = new Map<string, string>();
  const entry = entries.get(relsPath.toLowerCase());
  if (entry === undefined) return { byId, byType };
  await parsePart(
    zip,
    entry,
    {
      open(name, a) {
        if (name !== 'Relationship' || a.Target === undefined || a.TargetMode === 'External') return;
        const target = a.Target.startsWith('/') ? a.Target.slice(1) : posix.normalize(posix.join(dir, a.Target));
        if (a.Id !== undefined) byId.set(a.Id, target);
        if (a.Type !== undefined) byType.set(a.Type.slice(a.Type.lastIndexOf('/') + 1), target);
      },
    },
    signal,
  );
  return { byId, byType };
}

export async function readSharedStrings(
  zip: ZipFile,
  entry: Entry | undefined,
  signal?: AbortSignal,
): Promise<string[]> {
  const strings: string[] = [];
  if (entry === undefined) return strings;
  let current = '';
  let inT = false;
  let inPhonetic = false; // <rPh> holds furigana/pinyin runs, not cell text
  await parsePart(
    zip,
    entry,
    {
      open(name) {
        if (name === 'si') current = '';
        else if (name === 'rPh') inPhonetic = true;
        else if (name === 't' && !inPhonetic) inT = true;
      },
      close(name) {
        if (name === 'si') strings.push(unescapeXstring(current));
        else if (name === 'rPh') inPhonetic = false;
        else if (name === 't') inT = false;
      },
      text(t) {
        if (inT) current += t;
      },
    },
    signal,
  );
  return strings;
}
