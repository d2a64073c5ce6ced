import { isUtf8 } from 'node:buffer';
import type { Message } from '../../core/index.js';
import { problem, type Findings } from './format-info.js';
import type { ProbeSource } from './source.js';

/**
 * Plain text has no signature: a file is text when its bytes decode in an
 * encoding Chinese records are written in — UTF-8 (strict), or GB18030, the
 * national standard that contains GBK and GB2312 — and hold no control bytes
 * other than layout ones. XML and HTML are text whose first markup says so.
 */
export type TextEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

export interface TextSniff {
  readonly encoding: TextEncoding;
  readonly kind: 'text' | 'xml' | 'html';
}

/** Control bytes allowed in text: TAB LF VT FF CR, SUB (DOS end of file), ESC (terminal colours in logs). */
const LAYOUT = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1a, 0x1b];
const BINARY_CONTROLS = Array.from({ length: 0x20 }, (_, b) => b).filter((b) => !LAYOUT.includes(b));

/**
 * Whether `buf` holds a byte that never appears in text. One native memchr
 * scan per such byte (25 of them) beats a JavaScript loop over every byte of
 * every text file several times over, and text usually has none of them.
 */
function hasBinaryControls(buf: Buffer): boolean {
  return BINARY_CONTROLS.some((b) => buf.includes(b));
}

/** Bytes at the end of `buf` that start a UTF-8 sequence the buffer cuts short. */
function utf8Incomplete(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/**
 * GB18030-2005 §6 byte structure: one byte 00–7F; two bytes 81–FE then 40–7E
 * or 80–FE; four bytes 81–FE, 30–39, 81–FE, 30–39. Streaming: the state
 * carries across chunks. Returns the offset of the first bad byte, or -1.
 */
export class Gb18030Validator {
  private state = 0;
  private seqStart = 0;

  push(buf: Buffer, offset: number): number {
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i] as number;
      switch (this.state) {
        case 0:
          if (b < 0x80) continue;
          if (b === 0x80 || b === 0xff) return offset + i;
          this.state = 1;
          this.seqStart = offset + i;
          break;
        case 1:
          if ((b >= 0x40 && b <= 0x7e) || (b >= 0x80 && b <= 0xfe)) this.state = 0;
          else if (b >= 0x30 && b <= 0x39) this.state = 2;
          else return this.seqStart;
          break;
        case 2:
          if (b >= 0x81 && b <= 0xfe) this.state = 3;
          else return this.seqStart;
          break;
        default:
          if (b >= 0x30 && b <= 0x39) this.state = 0;
          else return this.seqStart;
      }
    }
    return -1;
  }

  /** Offset of a sequence the end of the data cut short, or -1. */
  end(): number {
    return this.state === 0 ? -1 : this.seqStart;
  }
}

/** Which encoding the head decodes in, allowing a sequence cut by the end of the head. */
function headEncoding(head: Buffer, whole: boolean): TextEncoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head.includes(0) || hasBinaryControls(head)) return undefined;
  const cut = whole ? 0 : utf8Incomplete(head);
  if (isUtf8(head.subarray(0, head.length - cut))) return 'utf-8';
  const gb = new Gb18030Validator();
  if (gb.push(head, 0) === -1 && (whole ? gb.end() === -1 : true)) return 'gb18030';
  return undefined;
}

/** Decode the first few KiB of a text head, for telling XML and HTML from plain text. */
export function decodeHead(head: Buffer, encoding: TextEncoding): string {
  const label = encoding === 'gb18030' ? 'gb18030' : encoding;
  return new TextDecoder(label).decode(head.subarray(0, 4096));
}

const XML_START = /^(?:<!--[\s\S]*?-->\s*|<\?[\s\S]*?\?>\s*)*<(?:!DOCTYPE\s+)?[A-Za-z_:\u00c0-\uffff]/;
const HTML_START = /^(?:<!--[\s\S]*?-->\s*|<\?[\s\S]*?\?>\s*)*<(?:!doctype\s+html|html[\s>])/i;

export function sniffText(head: Buffer, whole: boolean): TextSniff | undefined {
  const encoding = headEncoding(head, whole);
  if (encoding === undefined) return undefined;
  const text = decodeHead(head, encoding)
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (HTML_START.test(text)) return { encoding, kind: 'html' };
  if (text.startsWith('<?xml') || XML_START.test(text)) return { encoding, kind: 'xml' };
  return { encoding, kind: 'text' };
}

/** Offset of the first byte that is not valid UTF-8 (RFC 3629 §4), for the message; only run on a chunk known bad. */
function firstBadUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= buf.length) return i;
    const second = buf[i + 1] as number;
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) if (((buf[i + k] as number) & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return i;
}

const ENCODING_NAME: Record<TextEncoding, string> = {
  'utf-8': 'UTF-8',
  gb18030: 'GB18030',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
};

const badBytes = (encoding: TextEncoding, at: number): Message =>
  problem(
    `第 ${at} 字节起不是有效的 ${ENCODING_NAME[encoding]} 编码`,
    `bytes from offset ${at} are not valid ${ENCODING_NAME[encoding]}`,
  );

/** Stream the whole file through the encoding the head showed; NUL bytes mean binary data. */
export async function validateText(src: ProbeSource, encoding: TextEncoding): Promise<Message[]> {
  const gb = new Gb18030Validator();
  const utf16 = encoding.startsWith('utf-16') ? new TextDecoder(encoding, { fatal: true }) : undefined;
  let carry = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of src.chunks()) {
    if (encoding !== 'utf-16le' && encoding !== 'utf-16be') {
      const nul = chunk.indexOf(0);
      if (nul >= 0)
        return [
          problem(
            `第 ${offset + nul} 字节处含有空字节，不是纯文本`,
            `NUL byte at offset ${offset + nul}: not plain text`,
          ),
        ];
    }
    if (encoding === 'gb18030') {
      const bad = gb.push(chunk, offset);
      if (bad >= 0) return [badBytes(encoding, bad)];
    } else if (utf16 !== undefined) {
      try {
        utf16.decode(chunk, { stream: true });
      } catch {
        return [badBytes(encoding, offset)];
      }
    } else {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const cut = utf8Incomplete(buf);
      const body = buf.subarray(0, buf.length - cut);
      if (!isUtf8(body)) return [badBytes(encoding, offset - carry.length + firstBadUtf8(body))];
      carry = Buffer.from(buf.subarray(buf.length - cut));
    }
    offset += chunk.length;
  }
  if (encoding === 'gb18030' && gb.end() >= 0) return [badBytes(encoding, gb.end())];
  if (carry.length > 0) return [badBytes(encoding, offset - carry.length)];
  if (utf16 !== undefined) {
    try {
      utf16.decode();
    } catch {
      return [badBytes(encoding, offset)];
    }
  }
  return [];
}

export function textFindings(sniff: TextSniff, problems: readonly Message[]): Findings {
  return {
    format: 'text',
    name: `Plain text (${ENCODING_NAME[sniff.encoding]})`,
    version: ENCODING_NAME[sniff.encoding],
    valid: problems.length === 0,
    problems,
  };
}
