import { basename } from 'node:path';
import { InvalidInputError, type Message } from '../core/index.js';
import type { CatalogRepository, CatalogUpsert } from '../db/index.js';
import { readTable, type TableRow } from '../packages/table/index.js';
import type { OpenStatus } from './entry.js';
import { saveEntries } from './save.js';
import {
  FIELD_HEADINGS,
  buildFields,
  entryIndex,
  fieldForHeading,
  headingKey,
  toNewEntry,
  type FieldName,
} from './fields.js';

export interface ImportOptions {
  readonly unitCode: string;
  /** The unit's saved heading → field mapping; headings not in it are matched by the known aliases. */
  readonly mapping?: Readonly<Record<string, string>>;
  /** Open status of rows that do not state one (default 控制: nothing becomes public unless someone said so). */
  readonly defaultOpenStatus?: OpenStatus;
  readonly signal?: AbortSignal;
  readonly onProgress?: (rowsRead: number) => void;
}

export interface ImportProblem {
  /** The row number as the spreadsheet shows it. */
  readonly line: number;
  readonly field?: FieldName;
  readonly message: Message;
}

export interface ImportReport {
  readonly file: string;
  /** Data rows read (the heading row and empty rows not counted). */
  readonly rows: number;
  readonly imported: number;
  readonly updated: number;
  readonly rejected: number;
  /** The first MAX_PROBLEMS problems, in row order. */
  readonly problems: readonly ImportProblem[];
  /** How each heading was understood; null = ignored. */
  readonly columns: ReadonlyArray<{ heading: string; field: FieldName | null }>;
}

/** Rows per transaction: each commit costs an fsync and often a WAL checkpoint (1,000 a batch: 5,800/s; 5,000: 8,500/s). */
const BATCH = 5000;
const MAX_PROBLEMS = 1000;

/**
 * Bulk import of a unit's catalog from CSV (UTF-8, GBK/GB18030, UTF-16) or
 * .xlsx. Each row is checked on its own: a bad row is reported with its row
 * number and why, and every good row is kept. A row with the 档号 of an
 * entry the unit already has updates it, so a corrected sheet can simply be
 * imported again. Streams: memory holds one batch and the set of 档号 seen.
 */
export async function importCatalog(
  repo: CatalogRepository,
  path: string,
  options: ImportOptions,
): Promise<ImportReport> {
  const problems: ImportProblem[] = [];
  let rejected = 0;
  const problem = (p: ImportProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  let header: { columns: Array<FieldName | undefined>; headings: string[] } | undefined;
  let rows = 0;
  let imported = 0;
  let updated = 0;
  const codes = new Map<string, number>();
  let batch: CatalogUpsert[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const r = await saveEntries(repo, batch);
    imported += r.inserted;
    updated += r.updated;
    batch = [];
  };

  for await (const row of readTable(path, { signal: options.signal })) {
    if (row.error !== undefined) {
      rows++;
      rejected++;
      problem({ line: row.line, message: row.error });
      continue;
    }
    const cells = row.cells ?? [];
    if (cells.every((c) => c.trim() === '')) continue;
    if (header === undefined) {
      header = readHeader(cells, options.mapping ?? {});
      continue;
    }
    rows++;
    const accepted = acceptRow(row, header.columns, options, codes);
    if ('problems' in accepted) {
      rejected++;
      accepted.problems.forEach(problem);
      continue;
    }
    batch.push(accepted.upsert);
    if (batch.length >= BATCH) {
      await flush();
      options.onProgress?.(rows);
    }
  }
  await flush();
  options.onProgress?.(rows);
  if (header === undefined) {
    throw new InvalidInputError({ zh: '文件中没有任何数据行', en: 'the file holds no rows' });
  }
  return {
    file: basename(path),
    rows,
    imported,
    updated,
    rejected,
    problems,
    columns: header.headings.map((heading, i) => ({ heading, field: header.columns[i] ?? null })),
  };
}

function readHeader(cells: readonly string[], mapping: Readonly<Record<string, string>>) {
  const headings = cells.map((c) => c.trim());
  const columns = headings.map((h) => (h === '' ? undefined : fieldForHeading(h, mapping)));
  const seen = new Set<FieldName>();
  columns.forEach((f, i) => {
    if (f === undefined) return;
    // Two columns for one field: the first one counts, so the result does not depend on guessing.
    if (seen.has(f)) columns[i] = undefined;
    seen.add(f);
  });
  if (!seen.has('title')) {
    throw new InvalidInputError(
      {
        zh: `第一行应为列名，且须有"题名"列；找到的列名：${headings.filter((h) => h !== '').join('、') || '（无）'}。请修改列名，或用 --map "原列名=title" 指定`,
        en: `the first row must hold the headings, including a title column (题名); found: ${headings.join(', ')}. Rename it, or map it with --map "heading=title"`,
      },
      { details: { headings, known: Object.values(FIELD_HEADINGS) } },
    );
  }
  return { columns, headings };
}

function acceptRow(
  row: TableRow,
  columns: ReadonlyArray<FieldName | undefined>,
  options: ImportOptions,
  codes: Map<string, number>,
): { upsert: CatalogUpsert } | { problems: ImportProblem[] } {
  const raw: Partial<Record<FieldName, string>> = {};
  (row.cells ?? []).forEach((cell, i) => {
    const f = columns[i];
    if (f !== undefined) raw[f] = cell;
  });
  const built = buildFields(raw, options.defaultOpenStatus ?? 'controlled');
  if ('problems' in built) {
    return { problems: built.problems.map((p) => ({ line: row.line, field: p.field, message: p.message })) };
  }
  const code = built.fields.archivalCode;
  if (code !== undefined) {
    const key = headingKey(code);
    const first = codes.get(key);
    if (first !== undefined) {
      return {
        problems: [
          {
            line: row.line,
            field: 'archivalCode',
            message: {
              zh: `档号 ${code} 与第 ${first} 行重复，本行未导入`,
              en: `archival code ${code} repeats row ${first}; this row was not imported`,
            },
          },
        ],
      };
    }
    codes.set(key, row.line);
  }
  const entry = toNewEntry(built.fields, options.unitCode, 'import');
  return { upsert: { entry, index: entryIndex(entry) } };
}
