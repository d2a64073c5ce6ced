import iconv from 'iconv-lite';
import { SaxesParser } from 'saxes';
import type { Message } from '../../core/index.js';
import { ReadFailure } from './result.js';

/**
 * Streaming XML for text extraction, with saxes. Bytes are decoded chunk by
 * chunk in the encoding the BOM or the declaration names (XML 1.0 §4.3.3,
 * Appendix F; GB 2312/GBK are read as GB 18030, their superset, which DA/T 48
 * names), and fed to the parser, so a large part is never held whole.
 *
 * The input is untrusted. saxes reads no DTD and fetches nothing; entities
 * declared in an internal subset become their literal text, never expanded
 * again (no "billion laughs"), and an undeclared one becomes nothing. Bytes
 * that do not decode become U+FFFD: the aim is text for a search index, and
 * the format checks judge well-formedness elsewhere.
 */
export interface XmlWalker {
  /** An element opens; `name` is its local name (no prefix). */
  open?(name: string, attributes: Readonly<Record<string, string>>): void;
  close?(name: string): void;
  /** Character data, entity references resolved (CDATA sections included). */
  text?(text: string): void;
}

/** The local part of a prefixed name ("w:t" → "t"): matching by local name also covers Strict OOXML's namespaces. */
const local = (name: string): string => name.slice(name.indexOf(':') + 1);

const GB = new Set(['gb2312', 'gbk', 'gb18030', 'cp936', 'x-gbk', 'euc-cn', 'windows-936']);
const ENTITY_DECL = /<!ENTITY\s+([^\s%][^\s]*)\s+(?:"([^"]*)"|'([^']*)')/g;

function decoderFor(head: Buffer): (chunk?: Buffer) => string {
  let encoding = 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) encoding = 'utf-16le';
  else if (head[0] === 0xfe && head[1] === 0xff) encoding = 'utf-16be';
  else {
    const declared = /^(?:\xef\xbb\xbf)?<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/
      .exec(head.toString('latin1', 0, 512))?.[1]
      ?.toLowerCase();
    if (declared !== undefined && GB.has(declared)) encoding = 'gb18030';
    else if (declared !== undefined && !declared.startsWith('utf') && iconv.encodingExists(declared))
      encoding = declared;
  }
  if (encoding.startsWith('utf')) {
    const d = new TextDecoder(encoding);
    return (chunk) => (chunk === undefined ? d.decode() : d.decode(chunk, { stream: true }));
  }
  const d = iconv.getDecoder(encoding);
  return (chunk) => (chunk === undefined ? (d.end() ?? '') : d.write(chunk));
}

/**
 * Parse the XML in `chunks` and call `walker`. Resolves with undefined, or
 * with why the document is not well-formed (the first error stops the parse).
 * `enough` is asked after each chunk: true stops reading (the text is full).
 */
export async function walkXml(
  chunks: AsyncIterable<Buffer>,
  walker: XmlWalker,
  enough: () => boolean = () => false,
  signal?: AbortSignal,
): Promise<Message | undefined> {
  const parser = new SaxesParser({ xmlns: false });
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('doctype', (doctype) => {
    const entities = Object.create(parser.ENTITIES) as Record<string, string>;
    for (const m of doctype.matchAll(ENTITY_DECL)) entities[m[1]!] ??= m[2] ?? m[3] ?? '';
    parser.ENTITIES = new Proxy(entities, {
      get: (t, k) => (typeof k === 'string' && !(k in t) ? '' : t[k as string]),
    });
  });
  if (walker.open) parser.on('opentag', (tag) => walker.open?.(local(tag.name), tag.attributes));
  if (walker.close) parser.on('closetag', (tag) => walker.close?.(local(tag.name)));
  if (walker.text) {
    parser.on('text', (t) => walker.text?.(t));
    parser.on('cdata', (t) => walker.text?.(t));
  }
  let decode: ((chunk?: Buffer) => string) | undefined;
  let held = Buffer.alloc(0);
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    if (decode === undefined) {
      // Hold the first bytes until the declaration can be seen whole.
      held = Buffer.concat([held, chunk]);
      if (held.length < 512) continue;
      decode = decoderFor(held);
      parser.write(decode(held));
    } else parser.write(decode(chunk));
    if (error !== undefined) return notWellFormed(error);
    if (enough()) return undefined;
  }
  if (decode === undefined) {
    decode = decoderFor(held);
    parser.write(decode(held));
  }
  parser.write(decode());
  parser.close();
  return error === undefined ? undefined : notWellFormed(error);
}

function notWellFormed(e: Error): Message {
  return { zh: `XML 不是格式良好的文档：${e.message}`, en: `the XML is not well-formed: ${e.message}` };
}

/** walkXml over one part of a package; a ReadFailure naming the part when it is not well-formed. */
export async function walkPart(
  chunks: AsyncIterable<Buffer>,
  part: string,
  walker: XmlWalker,
  enough: () => boolean,
  signal?: AbortSignal,
): Promise<void> {
  const problem = await walkXml(chunks, walker, enough, signal);
  if (problem !== undefined) throw new ReadFailure({ zh: `${part}：${problem.zh}`, en: `${part}: ${problem.en}` });
}
