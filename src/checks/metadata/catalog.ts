/**
 * The catalog file (目录) a unit sends with its records: find it, read it
 * (CSV or .xlsx), map its Chinese headings to canonical field names, and
 * link each row to the package files it describes. Reading never throws:
 * whatever cannot be read becomes a Finding in CatalogView.problems (item
 * 3-2 "catalog data readable" reports them).
 */
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { YinjiError, type Message } from '../../core/index.js';
import { detectFileEncoding, readCsv, readXlsx, type TableRow, type TextEncoding } from '../../packages/table/index.js';
import type { CatalogRecord, CatalogView, Finding } from '../types.js';
import { canonicalField, isKnownField } from './fields.js';
import { linkRecords } from './link.js';

export { findCatalogFile, findCatalogFiles } from './link.js';

export interface ReadCatalogOptions {
  /** The catalog's path inside the package: used in `sources`, row references and relative links. Default its base name. */
  readonly name?: string;
  readonly signal?: AbortSignal;
}

/** The heading row is the first of the first rows with at least two known headings (title rows above it are skipped). */
const HEADING_SCAN_ROWS = 10;
const MIN_KNOWN_HEADINGS = 2;
/** Row problems of each sort kept before they are summarised (a shifted column breaks every row alike). */
const MAX_PROBLEMS = 100;

interface Column {
  readonly index: number;
  readonly field: string;
  /** A column with an empty heading: its values are kept (as 列N) only where there are any. */
  readonly unnamed?: true;
}

/** Builds records from rows as they stream in. */
class RecordBuilder {
  readonly records: CatalogRecord[] = [];
  readonly columns: string[] = [];
  readonly problems: Message[] = [];
  private fields: Column[] | undefined;
  /** Cells in the heading row, named or not; cells past it are extra. */
  private width = 0;
  private extraRows = 0;
  /** What the reader could not read cleanly, reported after the rows' own problems. */
  private readonly readerProblems: Message[] = [];
  private unreadRows = 0;
  /** U+FFFD the decoder put in place of bytes that are not GB18030. */
  private replaced = 0;

  constructor(private readonly name: string) {}

  get headingFound(): boolean {
    return this.fields !== undefined;
  }

  /**
   * One row from the reader. A row it could not read cleanly is reported and still used as far as it
   * was read (a cut cell, an unclosed quoted field, U+FFFD for undecodable bytes), as a person would
   * see it in Excel; only a damaged sheet ends the catalog, and readCatalog handles that.
   * `encoding`: a CSV file's, to count the bytes it could not decode.
   */
  add(row: TableRow, encoding?: TextEncoding): void {
    const cells = row.cells ?? row.failure?.cells;
    if (encoding === 'gb18030') {
      for (const c of cells ?? []) this.replaced += c.split('\ufffd').length - 1;
    }
    if (row.error !== undefined) this.readerProblem(row);
    if (cells !== undefined) this.row(row.line, cells);
  }

  private readerProblem({ line, error, failure }: TableRow): void {
    if (failure?.kind === 'undecodable') return; // counted, and reported once in finish()
    this.unreadRows += 1;
    if (this.unreadRows > MAX_PROBLEMS) return;
    if (failure?.kind === 'unclosed-quote') {
      this.readerProblems.push({
        zh: `第 ${line} 行的引号没有闭合，文件可能被截断`,
        en: `the quoted field in row ${line} is never closed; the file may be truncated`,
      });
    } else if (error !== undefined) {
      this.readerProblems.push(error);
    }
  }

  private row(row: number, cells: readonly string[]): void {
    if (this.fields === undefined) {
      // Rows as a spreadsheet numbers them: title and empty rows above the heading count.
      if (row <= HEADING_SCAN_ROWS) this.heading(cells);
      return;
    }
    if (cells.every((c) => c.trim() === '')) return;
    const fields: Record<string, string> = {};
    const padded: string[] = [];
    for (const { index, field, unnamed } of this.fields) {
      const raw = cells[index] ?? '';
      const value = raw.trim();
      if (unnamed && value === '') continue;
      fields[field] = value;
      if (value !== raw && value !== '') padded.push(field);
    }
    const extra = cells.slice(this.width).some((c) => c.trim() !== '');
    if (extra) {
      this.extraRows += 1;
      cells.slice(this.width).forEach((c, i) => {
        if (c.trim() !== '') fields[`列${this.width + i + 1}`] = c.trim();
      });
      if (this.extraRows <= MAX_PROBLEMS) {
        this.problems.push({
          zh: `第 ${row} 行的单元格比标题多（题名中的逗号未加引号？）`,
          en: `row ${row} has more cells than there are headings (an unquoted comma in a title?)`,
        });
      }
    }
    const record: CatalogRecord = { source: `${this.name} 第 ${row} 行`, fields, files: [] };
    this.records.push(padded.length > 0 ? { ...record, padded } : record);
  }

  private heading(cells: readonly string[]): void {
    const known = cells.filter((c) => c.trim() !== '' && isKnownField(c)).length;
    if (known < MIN_KNOWN_HEADINGS) return;
    const taken = new Set<string>();
    const fields: Column[] = [];
    this.width = cells.length;
    cells.forEach((cell, index) => {
      const written = cell.trim();
      if (written === '') {
        fields.push({ index, field: `列${index + 1}`, unnamed: true });
        return;
      }
      this.columns.push(written);
      let field = canonicalField(written);
      if (taken.has(field)) field = taken.has(written) ? `${written} (${index + 1})` : written;
      taken.add(field);
      fields.push({ index, field });
    });
    this.fields = fields;
  }

  finish(): void {
    if (this.replaced > 0) {
      this.problems.push({
        zh: `目录文件既不是有效的 UTF-8 也不是有效的 GB18030/GBK 编码（${this.replaced} 处无法解码），请以 UTF-8 另存`,
        en: `the catalog is neither valid UTF-8 nor valid GB18030/GBK (${this.replaced} undecodable bytes); save it as UTF-8`,
      });
    }
    this.problems.push(...this.readerProblems);
    if (this.unreadRows > MAX_PROBLEMS) {
      this.problems.push({
        zh: `另有 ${this.unreadRows - MAX_PROBLEMS} 行未能完整读取`,
        en: `${this.unreadRows - MAX_PROBLEMS} more rows could not be read in full`,
      });
    }
    if (this.extraRows > MAX_PROBLEMS) {
      this.problems.push({
        zh: `另有 ${this.extraRows - MAX_PROBLEMS} 行单元格比标题多`,
        en: `${this.extraRows - MAX_PROBLEMS} more rows have more cells than headings`,
      });
    }
  }
}

type Kind = 'xlsx' | 'csv' | 'cfb' | 'empty';

async function sniff(file: string): Promise<Kind> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    if (bytesRead === 0) return 'empty';
    if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'xlsx';
    if (head.equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) return 'cfb';
    return 'csv';
  } finally {
    await fh.close();
  }
}

const problem = (name: string, reason: Message, details?: Record<string, unknown>): Finding => ({
  object: { kind: 'file', ref: name },
  reason,
  ...(details === undefined ? {} : { details }),
});

/**
 * Why a catalog could not be read, in the reader's own terms: the technical reason the table readers
 * put in a refusal's details ("no workbook part (xl/workbook.xml)", "xl/workbook.xml: 1:5: …"), else
 * the error's message (both languages for a YinjiError).
 */
function whyUnreadable(e: unknown): Message {
  if (e instanceof YinjiError) {
    const { part, reason } = e.details;
    if (typeof reason === 'string') {
      const why = typeof part === 'string' && part !== '' ? `${part}: ${reason}` : reason;
      return { zh: why, en: why };
    }
    return { zh: e.zh, en: e.message };
  }
  const why = e instanceof Error ? e.message : String(e);
  return { zh: why, en: why };
}

/**
 * Read a catalog file (on disk at `file`) and link its rows to `packageFiles`
 * (package paths, '/'-separated). The format is told by content, not name:
 * a zip is read as .xlsx, anything else as CSV; an OLE2 file (old .xls, or
 * any password-protected workbook) is reported, not read. The readers are
 * packages/table's, which the catalog importer uses too; a CSV file's
 * encoding is told from all of it, and its rows are numbered as a
 * spreadsheet shows them.
 */
export async function readCatalog(
  file: string,
  packageFiles: readonly string[],
  options: ReadCatalogOptions = {},
): Promise<CatalogView> {
  const name = options.name ?? posix.basename(file.replaceAll('\\', '/'));
  const { signal } = options;
  const builder = new RecordBuilder(name);
  const problems: Finding[] = [];
  const view = (): CatalogView => ({
    sources: [name],
    records: linkRecords(builder.records, packageFiles, name, builder.columns.map(canonicalField)),
    columns: builder.columns,
    problems: [...problems, ...builder.problems.map((m) => problem(name, m))],
  });
  // Name the file as the depositor knows it, not by the center's staging path.
  const unreadable = (why: Message) => {
    const [zh, en] = [why.zh.replaceAll(file, name), why.en.replaceAll(file, name)];
    problems.push(
      problem(name, { zh: `目录文件无法读取：${zh}`, en: `the catalog file cannot be read: ${en}` }, { error: en }),
    );
  };
  /** Feed the rows to the builder; a damaged sheet ends the catalog there, reported as unreadable. */
  const read = async (rows: AsyncIterable<TableRow>, encoding?: TextEncoding): Promise<void> => {
    for await (const row of rows) {
      const { failure } = row;
      if (failure?.kind === 'damaged') {
        const why = failure.reason ?? row.error?.en ?? 'the sheet is damaged';
        unreadable({ zh: why, en: why });
        return;
      }
      builder.add(row, encoding);
    }
  };
  try {
    const kind = await sniff(file);
    if (kind === 'empty') {
      problems.push(problem(name, { zh: '目录文件为空', en: 'the catalog file is empty' }));
    } else if (kind === 'cfb') {
      problems.push(
        problem(name, {
          zh: '目录是旧版 .xls 或加了密码的 Excel 文件，无法读取；请去掉密码并另存为 .xlsx 或 CSV',
          en: 'the catalog is an old .xls or a password-protected workbook; remove the password and save it as .xlsx or CSV',
        }),
      );
    } else if (kind === 'xlsx') {
      await read(readXlsx(file, { signal }));
    } else if (/\.xlsx?$/iu.test(name)) {
      problems.push(
        problem(name, {
          zh: '文件扩展名为 Excel，但内容不是 Excel 工作簿',
          en: 'the file is named as an Excel workbook but is not one',
        }),
      );
    } else {
      const encoding = await detectFileEncoding(file, signal);
      await read(readCsv(file, { encoding, numbering: 'row', signal }), encoding);
    }
  } catch (e) {
    signal?.throwIfAborted();
    unreadable(whyUnreadable(e));
    return view();
  }
  builder.finish();
  if (!builder.headingFound && problems.length === 0) {
    problems.push(
      problem(name, {
        zh: `前 ${HEADING_SCAN_ROWS} 行中没有标题行（至少含档号、题名等两个著录项名称）`,
        en: `no heading row in the first ${HEADING_SCAN_ROWS} rows (one naming at least two fields such as 档号, 题名)`,
      }),
    );
  }
  return view();
}
