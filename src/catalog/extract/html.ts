import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';
import { detectFileEncoding } from '../../packages/table/index.js';
import { decodeEntities } from './entities.js';
import { fromSink } from './result.js';
import { TextSink } from './text-sink.js';
import type { Context, ExtractResult } from './types.js';

/**
 * Text of an HTML page, streamed: tags are dropped, script and style contents
 * skipped, character references decoded, and block elements (p, div, li, tr,
 * h1…, br) end a line. This is not an HTML5 tree builder (WHATWG HTML §13.2):
 * it only has to find the text a reader sees, in pages that are often old and
 * invalid, without ever holding more than a bounded piece of the file.
 *
 * The encoding is the one the page declares — a BOM, then <meta charset> or
 * http-equiv Content-Type, then an XML declaration (the WHATWG prescan looks
 * at the first 1024 bytes; we look at 4096) — else detected from the bytes
 * (UTF-8 if all of it is valid UTF-8, else GB18030, as Chinese pages saved
 * without a declaration usually are GBK).
 */

const PRESCAN_BYTES = 4096;
/** A tag or comment longer than this is broken or hostile: it is dropped rather than held. */
const MAX_HOLD = 256 * 1024;

const BLOCK = new Set(
  (
    'address article aside blockquote body br caption dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 ' +
    'h5 h6 head header hr html li main nav ol option p pre section table tbody tfoot thead title tr ul'
  ).split(' '),
);
/** Elements whose content is not text a reader sees. */
const SKIP = new Set(['script', 'style', 'template']);

const GB = new Set(['gb2312', 'gbk', 'x-gbk', 'cp936', 'gb18030', 'euc-cn', 'windows-936', 'csgb2312']);

/** The page's declared encoding as iconv-lite knows it, or undefined. */
async function declaredEncoding(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(PRESCAN_BYTES), 0, PRESCAN_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const text = head.toString('latin1');
  const label = (/<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i.exec(text) ??
    /^\s*<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(text))?.[1]?.toLowerCase();
  if (label === undefined) return undefined;
  if (GB.has(label)) return 'gb18030';
  // WHATWG Encoding: these labels mean windows-1252; a meta "UTF-16" without a BOM means UTF-8.
  if (['iso-8859-1', 'latin1', 'us-ascii', 'ascii'].includes(label)) return 'windows-1252';
  if (label.startsWith('utf-16') || label === 'utf8') return 'utf-8';
  return iconv.encodingExists(label) ? label : undefined;
}

export async function extractHtml(path: string, ctx: Context): Promise<ExtractResult> {
  const encoding = (await declaredEncoding(path)) ?? (await detectFileEncoding(path, ctx.signal));
  const decoder = iconv.getDecoder(encoding);
  const sink = new TextSink(ctx.maxChars);
  const reader = new HtmlText(sink);
  const stream = createReadStream(path, { signal: ctx.signal, highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) {
      reader.write(decoder.write(chunk as Buffer));
      if (sink.full) break;
    }
  } finally {
    stream.destroy();
  }
  if (!sink.full) reader.write(decoder.end() ?? '', true);
  return fromSink(sink, 'text', 'html');
}

/** The state machine: feed decoded text in any pieces; complete constructs are handled, the rest held. */
class HtmlText {
  private buf = '';
  /** Skipping: script or style content up to (`keep`) its end tag, or an overlong tag or comment up to its end. */
  private skip: { readonly until: RegExp; readonly keep: boolean } | undefined;
  private pre = 0;

  constructor(private readonly sink: TextSink) {}

  write(text: string, final = false): void {
    this.buf += text;
    let pos = 0;
    const buf = this.buf;
    while (pos < buf.length && !this.sink.full) {
      if (this.skip !== undefined) {
        const { until, keep } = this.skip;
        until.lastIndex = pos;
        const m = until.exec(buf);
        if (m === null) {
          // Drop what is skipped, keeping enough of the end for the terminator to complete.
          pos = final ? buf.length : Math.max(pos, buf.length - 16);
          break;
        }
        this.skip = undefined;
        pos = keep ? m.index : m.index + m[0].length;
      }
      const lt = buf.indexOf('<', pos);
      if (lt === -1) {
        // Hold back a character reference that may continue in the next piece.
        const amp = final ? -1 : buf.lastIndexOf('&');
        const cut = amp >= pos && amp > buf.length - 40 && !buf.includes(';', amp) ? amp : buf.length;
        this.text(buf.slice(pos, cut));
        pos = cut;
        break;
      }
      this.text(buf.slice(pos, lt));
      const end = this.construct(buf, lt);
      if (end === undefined) {
        if (final) pos = buf.length;
        else if (buf.length - lt <= MAX_HOLD)
          pos = lt; // incomplete: wait for the rest
        else {
          // Too long to hold: skip to where it ends without keeping it (an unclosed comment runs to the end).
          this.skip = { until: buf.startsWith('<!--', lt) ? /-->/g : />/g, keep: false };
          pos = lt + 1;
          continue;
        }
        break;
      }
      pos = end;
    }
    this.buf = buf.slice(pos);
  }

  private text(raw: string): void {
    if (raw === '') return;
    const decoded = decodeEntities(raw);
    // Outside <pre>, a line break in the source is only white space (CSS 2.2 §16.6.1).
    this.sink.write(this.pre > 0 ? decoded : decoded.replace(/\s+/g, ' '));
  }

  /** Handle the construct starting with '<' at `lt`; the position after it, or undefined when incomplete. */
  private construct(buf: string, lt: number): number | undefined {
    if (buf.startsWith('<!--', lt)) {
      const end = buf.indexOf('-->', lt + 4);
      return end === -1 ? undefined : end + 3;
    }
    const tag = /^<(\/?)([A-Za-z][A-Za-z0-9:-]*)/.exec(buf.slice(lt, lt + 64));
    if (tag === null) {
      if (buf.startsWith('<!', lt) || buf.startsWith('<?', lt)) {
        const end = buf.indexOf('>', lt);
        return end === -1 ? undefined : end + 1;
      }
      if (lt + 1 >= buf.length) return undefined; // '<' at the end: what follows decides
      this.sink.write('<');
      return lt + 1;
    }
    // Find the '>' that ends the tag, skipping quoted attribute values.
    let quote = '';
    let i = lt + tag[0].length;
    for (; i < buf.length; i++) {
      const c = buf[i];
      if (quote !== '') {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
    }
    if (i >= buf.length) return undefined;
    const closing = tag[1] === '/';
    const name = tag[2]!.toLowerCase();
    if (name === 'pre') this.pre = Math.max(0, this.pre + (closing ? -1 : 1));
    if (BLOCK.has(name)) this.sink.newline();
    else if (name === 'td' || name === 'th') this.sink.separate();
    if (!closing && SKIP.has(name) && buf[i - 1] !== '/')
      this.skip = { until: new RegExp(`</${name}[\\s/>]`, 'ig'), keep: true };
    return i + 1;
  }
}
