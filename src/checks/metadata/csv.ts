/**
 * CSV catalogs, streamed: encoding detection and an RFC 4180 tokenizer.
 *
 * Encoding (what Chinese units actually send): a UTF-16 BOM means UTF-16
 * (Excel's "Unicode text"); otherwise the file is UTF-8 (BOM or not) if it
 * is valid UTF-8 throughout, else GB18030 — the superset of GBK and GB2312
 * that Excel and WPS on Chinese Windows write. The UTF-8 test is a first
 * streaming pass, so memory stays bounded by the rows kept.
 *
 * Syntax: RFC 4180 plus what Excel writes and reads: quoted fields with ""
 * escapes, commas and line breaks inside quotes, CRLF, LF or CR line ends,
 * and a tab delimiter when the first line has tabs but no commas. A quote
 * inside an unquoted field is kept as a character, as Excel does.
 */
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import type { Message } from '../../core/index.js';

/** Receives each row as it is read: 1-based row number (as a spreadsheet shows it) and its cells. */
export type RowSink = (row: number, cells: readonly string[]) => void;

/** Longest cell kept; longer ones are cut (catalog fields are at most a few thousand characters). */
export const MAX_CELL_CHARS = 1 << 16;

export type CsvEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

export interface CsvReadResult {
  readonly encoding: CsvEncoding;
  readonly delimiter: ',' | '\t';
  readonly rows: number;
  readonly problems: readonly Message[];
}

async function detectEncoding(path: string, signal?: AbortSignal): Promise<CsvEncoding> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  try {
    for await (const chunk of createReadStream(path, { signal })) {
      const buf = chunk as Buffer;
      if (first && buf.length >= 2) {
        if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
        if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
      }
      first = false;
      utf8.decode(buf, { stream: true });
    }
    utf8.decode();
    return 'utf-8';
  } catch (e) {
    if (e instanceof TypeError) return 'gb18030'; // TextDecoder's "not valid UTF-8"
    throw e;
  }
}

interface Decoder {
  write(buf: Buffer): string;
  end(): string;
}

function decoderFor(encoding: CsvEncoding): Decoder {
  if (encoding === 'gb18030') {
    const d = iconv.getDecoder('gb18030');
    return { write: (b) => d.write(b), end: () => d.end() ?? '' };
  }
  // TextDecoder drops the BOM (ignoreBOM false).
  const d = new TextDecoder(encoding);
  return { write: (b) => d.decode(b, { stream: true }), end: () => d.decode() };
}

/** Incremental RFC 4180 tokenizer; feed it text in any pieces. */
class CsvTokenizer {
  private delimiter: ',' | '\t' | undefined;
  private cells: string[] = [];
  private field = '';
  private state: 'start' | 'plain' | 'quoted' | 'quote' = 'start';
  private skipLf = false;
  private row = 0;
  private overlong = false;
  readonly problems: Message[] = [];

  constructor(private readonly sink: RowSink) {}

  get rows(): number {
    return this.row;
  }

  get delimiterUsed(): ',' | '\t' {
    return this.delimiter ?? ',';
  }

  feed(text: string): void {
    if (this.delimiter === undefined) {
      const firstLine = text.split(/[\r\n]/u, 1)[0] ?? '';
      this.delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
    }
    const delim = this.delimiter;
    for (const ch of text) {
      if (this.skipLf) {
        this.skipLf = false;
        if (ch === '\n') continue;
      }
      switch (this.state) {
        case 'quoted':
          if (ch === '"') this.state = 'quote';
          else this.append(ch);
          break;
        case 'quote':
          if (ch === '"') {
            this.append('"');
            this.state = 'quoted';
          } else if (ch === delim) this.endField();
          else if (ch === '\n' || ch === '\r') this.endRow(ch);
          else {
            this.append(ch); // "abc"def: keep going as Excel does
            this.state = 'plain';
          }
          break;
        default:
          if (ch === '"' && this.state === 'start') this.state = 'quoted';
          else if (ch === delim) this.endField();
          else if (ch === '\n' || ch === '\r') this.endRow(ch);
          else {
            this.append(ch);
            this.state = 'plain';
          }
      }
    }
  }

  end(): void {
    if (this.state === 'quoted') {
      this.problems.push({
        zh: `第 ${this.row + 1} 行的引号没有闭合，文件可能被截断`,
        en: `the quoted field in row ${this.row + 1} is never closed; the file may be truncated`,
      });
    }
    if (this.state !== 'start' || this.cells.length > 0) this.endRow('');
  }

  private append(ch: string): void {
    if (this.field.length < MAX_CELL_CHARS) this.field += ch;
    else this.overlong = true;
  }

  private endField(): void {
    this.cells.push(this.field);
    this.field = '';
    this.state = 'start';
  }

  private endRow(ch: string): void {
    this.endField();
    this.row += 1;
    if (this.overlong) {
      this.problems.push({
        zh: `第 ${this.row} 行有超过 ${MAX_CELL_CHARS} 个字符的单元格，已截断`,
        en: `row ${this.row} has a cell longer than ${MAX_CELL_CHARS} characters; it was cut`,
      });
      this.overlong = false;
    }
    this.sink(this.row, this.cells);
    this.cells = [];
    this.skipLf = ch === '\r';
  }
}

/**
 * Read a CSV file row by row into `sink`. I/O errors are thrown (the caller
 * turns them into findings); syntax and encoding trouble is returned.
 */
export async function readCsv(path: string, sink: RowSink, signal?: AbortSignal): Promise<CsvReadResult> {
  const encoding = await detectEncoding(path, signal);
  const decoder = decoderFor(encoding);
  const tokenizer = new CsvTokenizer(sink);
  let replaced = 0;
  const feed = (text: string) => {
    if (encoding === 'gb18030') replaced += text.split('\ufffd').length - 1;
    tokenizer.feed(text);
  };
  for await (const chunk of createReadStream(path, { signal })) feed(decoder.write(chunk as Buffer));
  feed(decoder.end());
  tokenizer.end();
  const problems = [...tokenizer.problems];
  if (replaced > 0) {
    problems.unshift({
      zh: `目录文件既不是有效的 UTF-8 也不是有效的 GB18030/GBK 编码（${replaced} 处无法解码），请以 UTF-8 另存`,
      en: `the catalog is neither valid UTF-8 nor valid GB18030/GBK (${replaced} undecodable bytes); save it as UTF-8`,
    });
  }
  return { encoding, delimiter: tokenizer.delimiterUsed, rows: tokenizer.rows, problems };
}
