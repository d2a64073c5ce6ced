/**
 * CSV (and tab-separated) catalogs, streamed.
 *
 * Encoding: what Chinese archive bureaus actually upload is UTF-8 (with or
 * without a BOM), Excel's "Unicode text" (UTF-16 with a BOM), or what Excel
 * and WPS on Chinese Windows save as "CSV": GBK, read here as GB18030, its
 * superset. The guess is made from the first 64 KiB; the file is then decoded
 * chunk by chunk, so memory stays bounded by one row. A checker that must not
 * misread a GBK file whose first 64 KiB happen to be ASCII first runs
 * detectFileEncoding, which reads the whole file, and passes its answer in.
 *
 * Syntax: RFC 4180 (quoted fields, "" escapes, line breaks inside quotes)
 * plus what Excel writes and reads: LF, CRLF or CR line ends, a tab delimiter
 * when the first line has tabs but no commas, and a stray quote inside an
 * unquoted field kept as a character.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';
import type { Message } from '../../core/errors.js';

/** One row of a table file. `line` is the 1-based row number a person sees in Excel or a text editor
 *  (the header row is line 1 when the header is the first row; for CSV the physical line where the record
 *  starts, or with readCsv's `numbering: 'row'` the row a spreadsheet shows). */
export interface TableRow {
  readonly line: number;
  /** Cell texts, left to right, '' for empty cells; present unless `error` is. */
  readonly cells?: readonly string[];
  /** Set when this row could not be read; reading continues with the next row when possible. */
  readonly error?: Message;
  /** With `error`: what went wrong, for a caller that words its own report or still looks at the row. */
  readonly failure?: RowFailure;
}

/** Why a row has `error`. */
export interface RowFailure {
  /**
   * unclosed-quote: a quoted CSV field runs to the end of the file; cell-too-long: over Excel's
   * 32,767 characters; too-many-columns: past Excel's 16,384; undecodable: bytes that are not valid
   * in the file's encoding; missing-shared-string: an .xlsx cell refers to a string that is not
   * there; damaged: the sheet breaks off here (truncated, corrupt, bad XML) and nothing more is read.
   */
  readonly kind:
    'unclosed-quote' | 'cell-too-long' | 'too-many-columns' | 'undecodable' | 'missing-shared-string' | 'damaged';
  /**
   * The cells as far as they could be read: a long cell cut at the limit, U+FFFD where bytes did
   * not decode, '' for a missing shared string, an unclosed quoted field running to the end of the
   * file. Absent for `damaged`.
   */
  readonly cells?: readonly string[];
  /** For `damaged`: the part and the parser's or inflater's own words ("xl/worksheets/sheet1.xml: 1:70: unexpected close tag."). */
  readonly reason?: string;
}

/**
 * How `line` counts: `line`, the physical line where the record starts (as a text editor shows
 * it); `row`, the row a spreadsheet shows when it opens the file — records one by one, a line
 * break inside a quoted field not counting and an empty line being an (empty) row.
 */
export type Numbering = 'line' | 'row';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

/** Bytes read from the file at a time; also the size of the head used to guess the encoding. */
export const CSV_CHUNK_BYTES = 64 * 1024;

/** Excel's own limits: 32,767 characters in a cell, 16,384 columns (A…XFD). */
export const MAX_CELL_CHARS = 32_767;
export const MAX_COLUMNS = 16_384;

const BOMS: readonly (readonly [TextEncoding, readonly number[]])[] = [
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16le', [0xff, 0xfe]],
  ['utf-16be', [0xfe, 0xff]],
  ['gb18030', [0x84, 0x31, 0x95, 0x33]], // GB 18030-2005 encodes U+FEFF as these four bytes
];

/** Guess a text file's encoding from its first bytes: BOMs first, then valid UTF-8 (a multi-byte sequence cut at the end of `head` still counts as valid), else GB18030 (a superset of GBK and GB2312, which is what Chinese Excel "CSV" saves). */
export function detectEncoding(head: Uint8Array): TextEncoding {
  for (const [encoding, bom] of BOMS) {
    if (head.length >= bom.length && bom.every((b, i) => head[i] === b)) return encoding;
  }
  try {
    // stream: true keeps an incomplete sequence at the end pending instead of rejecting it.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

/**
 * detectEncoding over the whole file instead of its head: a BOM decides; otherwise the file is
 * UTF-8 if every byte of it is valid UTF-8, else GB18030. One streamed pass, so memory stays
 * bounded; pass the answer to readCsv as `encoding`.
 */
export async function detectFileEncoding(path: string, signal?: AbortSignal): Promise<TextEncoding> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  try {
    for await (const chunk of createReadStream(path, { signal, highWaterMark: CSV_CHUNK_BYTES })) {
      const bytes = chunk as Buffer;
      if (first) {
        first = false;
        const bom = BOMS.find(([, b]) => bytes.length >= b.length && b.every((x, i) => bytes[i] === x));
        if (bom !== undefined) return bom[0];
      }
      utf8.decode(bytes, { stream: true });
    }
    utf8.decode(); // a multi-byte sequence cut off at the end of the file is not valid either
    return 'utf-8';
  } catch (e) {
    if (e instanceof TypeError) return 'gb18030'; // TextDecoder's "not valid UTF-8"
    throw e;
  }
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/** Most text held back before the delimiter is chosen. */
const MAX_HELD_CHARS = 1024 * 1024;

const QUOTE = '"';
const CR = '\r';
const LF = '\n';

/**
 * Incremental RFC 4180 tokenizer: feed it text in any pieces; complete rows
 * collect in `rows`. Memory is bounded: a cell stops growing past Excel's
 * limit and a row past Excel's column count (the row is then reported).
 */
class CsvTokenizer {
  readonly rows: TableRow[] = [];
  private delimiter: ',' | '\t' | undefined;
  /** Text held back until the first line is complete, to choose the delimiter. */
  private firstLine = '';
  private atStart = true;
  private state: State = 'fieldStart';
  private cells: string[] = [];
  private field = '';
  private started = false;
  /** The number the current record is reported under (its first line, or its row). */
  private rowLine = 1;
  private line = 1;
  /** The spreadsheet row the next record starts (numbering 'row'). */
  private row = 1;
  private lastWasCr = false;
  private problem: { kind: RowFailure['kind']; message: Message } | undefined;

  constructor(private readonly numbering: Numbering = 'line') {}

  feed(text: string): void {
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.startsWith('\ufeff')) text = text.slice(1); // the BOM is not part of the first cell
    }
    if (this.delimiter === undefined) {
      this.firstLine += text;
      // Hold text until the first line ends (or is absurdly long: then it is not a catalog header anyway).
      if (!/[\r\n]/u.test(text) && this.firstLine.length < MAX_HELD_CHARS) return;
      text = this.takeFirstLine();
    }
    this.scan(text);
  }

  /** End of input: the last row, or an error if a quoted field never closed. */
  end(): void {
    if (this.delimiter === undefined) this.scan(this.takeFirstLine());
    if (this.state === 'quoted') {
      this.rows.push({
        line: this.rowLine,
        error: {
          zh: `第 ${this.rowLine} 行起有一个英文双引号没有闭合，文件可能不完整；请检查该行的引号，或用 Excel/WPS 重新另存为 CSV 后重试`,
          en: `a quoted field starting on line ${this.rowLine} is never closed; the file may be truncated — check the quotes on that line or save the file as CSV again`,
        },
        // The open field runs to the end of the file, as Excel would read it.
        failure: { kind: 'unclosed-quote', cells: [...this.cells, this.field] },
      });
      return;
    }
    this.endRow();
  }

  /** Runs of ordinary characters are taken as one slice; quotes, delimiters and line breaks one at a time. */
  private scan(text: string): void {
    let i = 0;
    while (i < text.length) {
      const end = this.ordinaryRunEnd(text, i);
      if (end > i) {
        this.text(text.slice(i, end));
        i = end;
      } else {
        this.char(text.charAt(i));
        i += 1;
      }
    }
  }

  private ordinaryRunEnd(text: string, from: number): number {
    const delimiter = this.delimiter === '\t' ? 9 : 44;
    let i = from;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34 || c === 13 || c === 10 || c === delimiter) break;
    }
    return i;
  }

  /** Text without quotes, delimiters or line breaks: part of the current field whatever the state. */
  private text(run: string): void {
    this.start();
    if (this.state !== 'quoted') this.state = 'unquoted'; // after a closing quote too: `"ab"c` → abc, as Excel does
    this.append(run);
    this.lastWasCr = false;
  }

  /** Choose the delimiter from the first line (tabs but no commas → TSV) and hand back the held text. */
  private takeFirstLine(): string {
    const held = this.firstLine;
    const first = held.split(/[\r\n]/u, 1)[0] ?? '';
    this.delimiter = first.includes('\t') && !first.includes(',') ? '\t' : ',';
    this.firstLine = '';
    return held;
  }

  private char(c: string): void {
    if (this.state === 'quoted') {
      if (c === QUOTE) this.state = 'quoteInQuoted';
      else this.append(c);
    } else if (this.state === 'quoteInQuoted' && c === QUOTE) {
      this.append(QUOTE); // "" inside quotes is one quote
      this.state = 'quoted';
    } else {
      this.plainChar(c);
    }
    this.countLine(c);
  }

  /** A quote, delimiter or line break outside quotes (or right after a closing quote). */
  private plainChar(c: string): void {
    if (c === this.delimiter) {
      this.start();
      this.endField();
    } else if (c === CR || c === LF) {
      this.endRow();
      if (c === CR || !this.lastWasCr) this.row += 1; // CR LF is one line end
    } else if (c === QUOTE && this.state === 'fieldStart') {
      this.start();
      this.state = 'quoted';
    } else {
      this.start();
      this.append(c);
      this.state = 'unquoted';
    }
  }

  /** Physical line numbers, as an editor counts them: CR LF, LF and a lone CR each end a line. */
  private countLine(c: string): void {
    if (c === CR) this.line += 1;
    else if (c === LF && !this.lastWasCr) this.line += 1;
    this.lastWasCr = c === CR;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.rowLine = this.numbering === 'row' ? this.row : this.line;
  }

  private append(text: string): void {
    const room = MAX_CELL_CHARS - this.field.length;
    if (text.length <= room) {
      this.field += text;
    } else {
      this.field += text.slice(0, Math.max(room, 0)); // stop growing: memory stays bounded
      this.problem ??= { kind: 'cell-too-long', message: tooLong(this.rowLine, this.cells.length) };
    }
  }

  private endField(): void {
    if (this.cells.length < MAX_COLUMNS) this.cells.push(this.field);
    else this.problem ??= { kind: 'too-many-columns', message: tooWide(this.rowLine) };
    this.field = '';
    this.state = 'fieldStart';
  }

  /** End the record; an entirely empty line is skipped (its line number still counts). */
  private endRow(): void {
    if (this.started) {
      this.endField();
      this.rows.push(this.finishRow(this.cells));
    }
    this.cells = [];
    this.field = '';
    this.state = 'fieldStart';
    this.started = false;
    this.problem = undefined;
  }

  private finishRow(cells: string[]): TableRow {
    const line = this.rowLine;
    const { problem } = this;
    if (problem !== undefined) return { line, error: problem.message, failure: { kind: problem.kind, cells } };
    // U+FFFD is what the decoder puts where bytes were not valid in the chosen encoding.
    if (cells.some((c) => c.includes('\ufffd'))) {
      return { line, error: undecodable(line), failure: { kind: 'undecodable', cells } };
    }
    return { line, cells };
  }
}

function tooLong(line: number, column: number): Message {
  return {
    zh: `第 ${line} 行第 ${column + 1} 列的内容超过 Excel 单元格上限 ${MAX_CELL_CHARS} 个字符（也可能是引号没有闭合）；请缩短或检查引号后重试`,
    en: `line ${line}, column ${column + 1} is longer than Excel's ${MAX_CELL_CHARS}-character cell limit (or a quote is never closed); shorten it or check the quotes`,
  };
}

function tooWide(line: number): Message {
  return {
    zh: `第 ${line} 行超过 ${MAX_COLUMNS} 列（Excel 的上限）；请检查分隔符后重试`,
    en: `line ${line} has more than ${MAX_COLUMNS} columns (Excel's limit); check the delimiters`,
  };
}

function undecodable(line: number): Message {
  return {
    zh: `第 ${line} 行有无法识别的字符（文件编码不一致或已损坏）；请用 Excel/WPS 另存为 .xlsx 或 UTF-8 CSV 后重试`,
    en: `line ${line} has characters that cannot be decoded (mixed or damaged text encoding); save the file as .xlsx or UTF-8 CSV and retry`,
  };
}

/** Rows of a CSV file (RFC 4180: quoted fields, "" escapes, CR LF or LF, newlines inside quotes; also tolerate a trailing empty line). Streams the file in chunks: never reads the whole file into memory. `encoding` overrides the detection from the first 64 KiB. A tab-separated file is accepted when the first line contains tabs but no commas. A row with an unterminated quote at end of file is yielded with `error`. Lines that are entirely empty are skipped (but still counted in `line` numbering). The BOM is not part of the first cell.
 *
 * `numbering` says how `line` counts (default 'line': the physical line; 'row': the row a spreadsheet shows). */
export async function* readCsv(
  path: string,
  options: { encoding?: TextEncoding; numbering?: Numbering; signal?: AbortSignal } = {},
): AsyncIterable<TableRow> {
  const { signal } = options;
  signal?.throwIfAborted();
  const file = await open(path, 'r');
  try {
    const tokenizer = new CsvTokenizer(options.numbering);
    let decoder: iconv.DecoderStream | undefined;
    for (;;) {
      signal?.throwIfAborted();
      // A fresh buffer each time: the decoder may keep the tail of a split character.
      const buffer = Buffer.alloc(CSV_CHUNK_BYTES);
      const { bytesRead } = await file.read(buffer, 0, CSV_CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      decoder ??= iconv.getDecoder(options.encoding ?? detectEncoding(chunk));
      tokenizer.feed(decoder.write(chunk));
      yield* tokenizer.rows.splice(0);
    }
    tokenizer.feed(decoder?.end() ?? '');
    tokenizer.end();
    yield* tokenizer.rows.splice(0);
  } finally {
    await file.close();
  }
}
