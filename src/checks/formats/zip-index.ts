import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { Message } from '../../core/index.js';
import { isParseFailure, problem } from './format-info.js';
import type { ProbeSource } from './source.js';
import { checkXml, type XmlHandlers } from './xml.js';

/**
 * A zip's central directory, read once (APPNOTE.TXT 4.3.12) with yauzl: the
 * entries by name, and whether any is encrypted (general purpose bit 0,
 * APPNOTE 4.4.4). The directory is untrusted: yauzl bounds every read by the
 * file size and, with validateEntrySizes, stops an entry that inflates past
 * its declared size (a zip bomb).
 */
export interface ZipIndex {
  readonly zip: ZipFile;
  /** Entries by decoded name as stored ('/'-separated, no leading slash). */
  readonly entries: ReadonlyMap<string, Entry>;
  /** Lower-cased names, for OPC part names, which compare case-insensitively (ECMA-376-2 §9.1.1.1.2). */
  readonly lowerNames: ReadonlySet<string>;
  readonly encrypted: boolean;
}

/**
 * The names looked up here (OFD.xml, [Content_Types].xml, parts an OFD or
 * OOXML package names) are ASCII in practice, so UTF-8 decoding serves for
 * every entry: a GBK name only needs to stay distinct, not readable.
 */
function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer; // decodeStrings: false gives the raw bytes
  return raw.toString('utf8').replace(/\\/g, '/').replace(/^\/+/, '');
}

/** The index, or the problem that kept the central directory from reading. */
export async function readZipIndex(src: ProbeSource): Promise<ZipIndex | Message> {
  const options = { decodeStrings: false, validateEntrySizes: true, autoClose: false } as const;
  let zip: ZipFile;
  try {
    zip = src.whole ? await yauzl.fromBufferPromise(src.head, options) : await yauzl.openPromise(src.path, options);
  } catch (e) {
    if (!isParseFailure(e)) throw e;
    return centralDirectoryProblem(e);
  }
  const entries = new Map<string, Entry>();
  const lowerNames = new Set<string>();
  let encrypted = false;
  let n = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (++n % 1024 === 0) src.signal?.throwIfAborted();
      const name = entryName(entry);
      const isDir = name.endsWith('/');
      if (!isDir && entry.isEncrypted()) encrypted = true;
      if (!entries.has(name)) entries.set(name, entry);
      lowerNames.add(name.toLowerCase());
    }
  } catch (e) {
    zip.close();
    if (e instanceof Error && e.name === 'AbortError') throw e;
    return centralDirectoryProblem(e);
  }
  return { zip, entries, lowerNames, encrypted };
}

function centralDirectoryProblem(e: unknown): Message {
  const msg = e instanceof Error ? e.message : String(e);
  return problem(`ZIP 中央目录无法读取：${msg}`, `the zip central directory cannot be read: ${msg}`);
}

async function* entryChunks(index: ZipIndex, entry: Entry): AsyncGenerator<Buffer> {
  const stream = await index.zip.openReadStreamPromise(entry);
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    stream.destroy();
  }
}

/** Well-formedness of one XML entry; an entry that cannot be inflated is a problem too. */
export async function checkEntryXml(
  index: ZipIndex,
  name: string,
  handlers: XmlHandlers,
  signal?: AbortSignal,
): Promise<Message[]> {
  const entry = index.entries.get(name);
  if (entry === undefined) return [problem(`缺少 ${name}`, `${name} is missing`)];
  try {
    const problems = await checkXml(entryChunks(index, entry), handlers, signal);
    return problems.map((p) => problem(`${name}：${p.zh}`, `${name}: ${p.en}`));
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    const msg = e instanceof Error ? e.message : String(e);
    return [problem(`无法读取 ${name}：${msg}`, `cannot read ${name}: ${msg}`)];
  }
}

/** A small entry's bytes (at most `max`), or undefined when it cannot be read. */
export async function readSmallEntry(index: ZipIndex, name: string, max: number): Promise<Buffer | undefined> {
  const entry = index.entries.get(name);
  if (entry === undefined || entry.isEncrypted() || entry.uncompressedSize > max) return undefined;
  try {
    const parts: Buffer[] = [];
    for await (const chunk of entryChunks(index, entry)) parts.push(chunk);
    return Buffer.concat(parts);
  } catch (e) {
    if (e instanceof Error && e.name === 'AbortError') throw e;
    return undefined;
  }
}
