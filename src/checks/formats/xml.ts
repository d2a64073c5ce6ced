import iconv from 'iconv-lite';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { Message } from '../../core/index.js';
import { problem } from './format-info.js';

/**
 * Streaming XML well-formedness (XML 1.0 §2.1, Namespaces in XML 1.0) with
 * saxes: bytes are decoded chunk by chunk in the encoding the document
 * declares (§4.3.3, Appendix F) and fed to the parser, so a large document is
 * never held in memory. The input is untrusted: no external entity or DTD is
 * ever fetched (saxes reads no DTD), and entities the internal subset
 * declares are taken as literal text, never expanded recursively.
 */
export interface XmlHandlers {
  readonly onOpen?: (tag: SaxesTagNS) => void;
  readonly onText?: (text: string) => void;
  readonly onClose?: (tag: SaxesTagNS) => void;
}

interface Decoder {
  /** Text for the bytes, or undefined when they are not valid in the encoding. */
  write(buf: Buffer): string | undefined;
  end(): string | undefined;
}

function webDecoder(label: string): Decoder {
  const d = new TextDecoder(label, { fatal: true });
  const guard = (f: () => string): string | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  return { write: (buf) => guard(() => d.decode(buf, { stream: true })), end: () => guard(() => d.decode()) };
}

function iconvDecoder(encoding: string): Decoder {
  const d = iconv.getDecoder(encoding);
  // iconv-lite replaces bytes it cannot map with U+FFFD; in GB18030 and the legacy sets that means bad input.
  const check = (s: string): string | undefined => (s.includes('\uFFFD') ? undefined : s);
  return { write: (buf) => check(d.write(buf)), end: () => check(d.end() ?? '') };
}

const GB = new Set(['gb2312', 'gbk', 'gb18030', 'cp936', 'x-gbk', 'euc-cn', 'windows-936']);

/** The decoder for a document, from its byte order mark or its XML declaration (XML 1.0 Appendix F.1). */
function decoderFor(first: Buffer): Decoder | Message {
  if (first[0] === 0xff && first[1] === 0xfe) return webDecoder('utf-16le');
  if (first[0] === 0xfe && first[1] === 0xff) return webDecoder('utf-16be');
  const decl = /^(?:\xef\xbb\xbf)?<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(
    first.toString('latin1', 0, 512),
  );
  const declared = decl?.[1]?.toLowerCase() ?? 'utf-8';
  if (declared === 'utf-8' || declared === 'utf8') return webDecoder('utf-8');
  if (GB.has(declared)) return iconvDecoder('gb18030');
  if (declared.startsWith('utf-16'))
    return problem('XML 声明为 UTF-16 编码，但文件没有字节顺序标记', 'XML declares UTF-16 but has no byte order mark');
  const supported: boolean = iconv.encodingExists(declared);
  if (supported) return iconvDecoder(declared);
  return problem(`XML 声明了不支持的字符编码“${declared}”`, `XML declares an unsupported encoding "${declared}"`);
}

const ENTITY_DECL = /<!ENTITY\s+([^\s%][^\s]*)\s+(?:"([^"]*)"|'([^']*)'|(?:SYSTEM|PUBLIC)\b[^>]*)>/g;

/**
 * Entities declared in the internal subset become literal text; when an
 * external subset exists, any entity could be declared there, and a
 * non-validating processor may not report one it did not read (XML 1.0
 * §4.1 WFC: Entity Declared), so unknown names are then accepted as empty.
 */
function declareEntities(parser: SaxesParser<{ xmlns: true }>, doctype: string): void {
  const entities: Record<string, string> = Object.create(parser.ENTITIES) as Record<string, string>;
  for (const m of doctype.matchAll(ENTITY_DECL)) entities[m[1] as string] = m[2] ?? m[3] ?? '';
  const external = /^\s*\S+\s+(?:SYSTEM|PUBLIC)\b/.test(doctype) || /%[^\s;]+;/.test(doctype);
  parser.ENTITIES = external
    ? new Proxy(entities, { get: (t, k) => (typeof k === 'string' && !(k in t) ? '' : t[k as string]) })
    : entities;
}

function saxProblem(e: Error): Message {
  const m = /^(?:.*?:)?(\d+):(\d+): (.*)$/s.exec(e.message);
  if (m === null) return problem(`XML 不是格式良好的文档：${e.message}`, `XML is not well-formed: ${e.message}`);
  const [, line, col, text] = m;
  return problem(
    `XML 不是格式良好的文档（第 ${line} 行第 ${Number(col) + 1} 列）：${text}`,
    `XML is not well-formed (line ${line}, column ${Number(col) + 1}): ${text}`,
  );
}

const badEncoding = problem('XML 文件的字节不符合其声明的字符编码', 'XML bytes do not match the declared encoding');

/** Parse the document from `chunks`; the problems found (the first error stops the parse). */
export async function checkXml(
  chunks: AsyncIterable<Buffer>,
  handlers: XmlHandlers = {},
  signal?: AbortSignal,
): Promise<Message[]> {
  const parser = new SaxesParser({ xmlns: true });
  let error: Message | undefined;
  parser.on('error', (e) => {
    error ??= saxProblem(e);
  });
  parser.on('doctype', (d) => declareEntities(parser, d));
  if (handlers.onOpen) parser.on('opentag', handlers.onOpen);
  if (handlers.onClose) parser.on('closetag', handlers.onClose);
  if (handlers.onText) parser.on('text', handlers.onText);
  let decoder: Decoder | undefined;
  let pending = Buffer.alloc(0);
  const feed = (buf: Buffer): Message | undefined => {
    if (decoder === undefined) {
      const d = decoderFor(buf);
      if (!('write' in d)) return d;
      decoder = d;
    }
    const text = decoder.write(buf);
    if (text === undefined) return badEncoding;
    parser.write(text);
    return error;
  };
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    let buf = chunk;
    if (decoder === undefined) {
      // The declaration must be whole before the encoding is chosen.
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 512) continue;
      buf = pending;
    }
    const bad = feed(buf);
    if (bad) return [bad];
  }
  if (decoder === undefined) {
    if (pending.length === 0) return [problem('XML 文件为空', 'the XML file is empty')];
    const bad = feed(pending);
    if (bad) return [bad];
  }
  const rest = decoder?.end();
  if (rest === undefined) return [badEncoding];
  parser.write(rest).close();
  return error ? [error] : [];
}
