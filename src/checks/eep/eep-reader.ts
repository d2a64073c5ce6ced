import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SaxesParser } from 'saxes';
import type { CatalogView, DeclaredPackage } from '../types.js';
import { EepCollector, type Cursor } from './eep-collector.js';
import type { EepReadOptions, EepReadResult } from './eep-model.js';
import { verifyEepSignatures } from './eep-signature.js';
import { FileSink } from './file-sink.js';
import { DecodeError, XmlTextDecoder } from './xml-text.js';

/** 64 KiB reads: the parser and the Base64 decoder then hold at most this much text. */
const READ_CHUNK = 64 * 1024;

// saxes keeps the text of the current node in `text` until the node ends; an
// 编码数据 holding gigabytes would be kept whole. Between chunks the reader
// takes that text out itself, which is safe only in these two states (saxes
// 6.0.0 src: S_TEXT = 13, S_CDATA = 20; the version is pinned in package.json).
const S_TEXT = 13;
const S_CDATA = 20;
/** Any other piece of markup (an attribute value, a comment) longer than this is refused. */
const MAX_PENDING = 16 * 1024 * 1024;

interface SaxesInternals {
  text: string;
  readonly state: number;
}

/**
 * Read an EEP (DA/T 48-2009) by streaming it once: content is Base64-decoded
 * straight into files under `outDir`, hashing while writing; metadata becomes
 * catalog records; the byte ranges signatures cover are noted, and verified
 * afterwards by reading just those ranges again (eep-signature.ts).
 *
 * The package is untrusted input: bad XML, missing parts and unsafe names are
 * reported in `problems`, never thrown. Only an abort, or a failure to write
 * under `outDir`, rejects.
 */
export async function readEep(file: string, outDir: string, options: EepReadOptions = {}): Promise<EepReadResult> {
  const name = options.name ?? basename(file);
  const sink = new FileSink(outDir);
  const decoder = new XmlTextDecoder();
  const parser = new SaxesParser({ xmlns: true, position: true });
  const internals = parser as unknown as SaxesInternals;
  const cursor: Cursor = {
    tagStart: (qname) => {
      // After the name saxes has read one more character ('>', '/', a space, or CR LF as one).
      for (const back of [2, 3]) {
        const at = parser.position - qname.length - back;
        if (decoder.charAt(at) === '<') return decoder.byteOffset(at);
      }
      return undefined;
    },
    tagEnd: () => decoder.byteOffset(parser.position),
    where: () => ({ line: parser.line, column: parser.column }),
  };
  const collector = new EepCollector(name, sink, cursor);
  parser.on('opentagstart', (tag) => collector.onOpenStart(tag));
  parser.on('opentag', (tag) => collector.onOpen(tag));
  parser.on('closetag', () => collector.onClose());
  parser.on('text', (text) => collector.onText(text));
  parser.on('cdata', (text) => collector.onText(text));

  const malformed = (message: string, extra: Record<string, unknown> = {}): void =>
    collector.problem(
      { zh: `EEP 不是格式正确的 XML：${message}`, en: `the EEP is not well-formed XML: ${message}` },
      { ...extra },
    );

  let broken = false;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK, signal: options.signal })) {
      parser.write(decoder.write(chunk as Buffer));
      if (internals.state === S_TEXT || internals.state === S_CDATA) {
        const pending = internals.text;
        internals.text = '';
        if (pending !== '') collector.onText(pending);
      } else if (internals.text.length > MAX_PENDING) {
        throw new Error(`a single piece of markup is longer than ${MAX_PENDING} characters`);
      }
      await sink.flush();
    }
    parser.close();
    await sink.flush();
  } catch (e) {
    options.signal?.throwIfAborted();
    if (isIoFailure(e)) throw e;
    broken = true;
    if (e instanceof DecodeError) collector.problem(e.reason);
    else malformed(e instanceof Error ? e.message : String(e));
    // Files completed before the break are kept; the one cut short is discarded below.
    await sink.flush();
  } finally {
    // Content of an element cut short (truncated file) is deleted, not listed.
    await sink.dispose();
  }
  if (!collector.sawRoot && !broken) malformed('the file holds no element');
  collector.finish();

  const records = collector.catalogRecords();
  const columns = [...new Set(records.flatMap((r) => Object.keys(r.fields)))];
  // Package problems are returned once, in `problems`; the caller files them under catalog.problems.
  const catalog: CatalogView = { sources: [name], records, columns, problems: [] };
  const sizes = collector.content.declaredSizes;
  const declared: DeclaredPackage = {
    fileCount: collector.content.declaredFiles.length,
    files: [...collector.content.declaredFiles],
    ...(sizes.length > 0 && sizes.every((s) => s !== undefined) ? { byteCount: sizes.reduce((a, b) => a + b, 0) } : {}),
  };
  const signatures = await verifyEepSignatures(file, name, collector.layers, options.signal);
  return {
    files: [...collector.content.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    catalog,
    signatures,
    declared,
    problems: collector.problems,
    nested: collector.nested,
  };
}

/** Failing to read the file or to write under outDir is the center's trouble, not the package's: thrown. */
function isIoFailure(e: unknown): boolean {
  return typeof (e as NodeJS.ErrnoException | undefined)?.syscall === 'string';
}
