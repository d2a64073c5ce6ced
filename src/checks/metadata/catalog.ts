/**
 * The catalog file (目录) a unit sends with its records: find it, read it
 * (CSV or .xlsx), map its Chinese headings to canonical field names, and
 * link each row to the package files it describes. Reading never throws:
 * whatever cannot be read becomes a Finding in CatalogView.problems (item
 * 3-2 "catalog data readable" reports them).
 */
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Message } from '../../core/index.js';
import type { CatalogRecord, CatalogView, Finding } from '../types.js';
import { readCsv, type RowSink } from './csv.js';
import { canonicalField, isKnownField } from './fields.js';
import { linkRecords } from './link.js';
import { readXlsx } from './xlsx.js';

export { findCatalogFile, findCatalogFiles } from './link.js';

export interface ReadCatalogOptions {
  /** The catalog's path inside the package: used in `sources`, row references and relative links. Default its base name. */
  readonly name?: string;
  readonly signal?: AbortSignal;
}

/** The heading row is the first of the first rows with at least two known headings (title rows above it are skipped). */
const HEADING_SCAN_ROWS = 10;
const MIN_KNOWN_HEADINGS = 2;
/** Row problems kept before they are summarised (a shifted column breaks every row alike). */
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
  private scanned = 0;
  private extraRows = 0;

  constructor(private readonly name: string) {}

  get headingFound(): boolean {
    return this.fields !== undefined;
  }

  readonly row: RowSink = (row, cells) => {
    if (this.fields === undefined) {
      if (this.scanned++ < HEADING_SCAN_ROWS) this.heading(cells);
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
  };

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
 * Read a catalog file (on disk at `file`) and link its rows to `packageFiles`
 * (package paths, '/'-separated). The format is told by content, not name:
 * a zip is read as .xlsx, anything else as CSV; an OLE2 file (old .xls, or
 * any password-protected workbook) is reported, not read.
 */
export async function readCatalog(
  file: string,
  packageFiles: readonly string[],
  options: ReadCatalogOptions = {},
): Promise<CatalogView> {
  const name = options.name ?? posix.basename(file.replaceAll('\\', '/'));
  const builder = new RecordBuilder(name);
  const problems: Finding[] = [];
  const view = (): CatalogView => ({
    sources: [name],
    records: linkRecords(builder.records, packageFiles, name, builder.columns.map(canonicalField)),
    columns: builder.columns,
    problems: [...problems, ...builder.problems.map((m) => problem(name, m))],
  });
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
      const r = await readXlsx(file, builder.row, options.signal);
      builder.problems.push(...r.problems);
    } else if (/\.xlsx?$/iu.test(name)) {
      problems.push(
        problem(name, {
          zh: '文件扩展名为 Excel，但内容不是 Excel 工作簿',
          en: 'the file is named as an Excel workbook but is not one',
        }),
      );
    } else {
      const r = await readCsv(file, builder.row, options.signal);
      builder.problems.push(...r.problems);
    }
  } catch (e) {
    options.signal?.throwIfAborted();
    // Name the file as the depositor knows it, not by the center's staging path.
    const why = (e instanceof Error ? e.message : String(e)).replaceAll(file, name);
    problems.push(
      problem(name, { zh: `目录文件无法读取：${why}`, en: `the catalog file cannot be read: ${why}` }, { error: why }),
    );
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
