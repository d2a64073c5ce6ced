import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { InvalidInputError } from '../core/index.js';
import type { CatalogAccess, CatalogEntryRecord, CatalogFilters, CatalogRepository } from '../db/index.js';
import { writeCsv, writeXlsx } from '../packages/table/index.js';
import { FIELD_HEADINGS, FIELD_ORDER } from './fields.js';

export type ExportFormat = 'csv' | 'xlsx';

const PAGE = 1000;
const EXTRA_HEADINGS = ['单位代码', '登记号', '文件路径'];

/** The sheet an export writes: the headings an import understands, so an export can be edited and imported again. */
function cellsOf(e: CatalogEntryRecord): string[] {
  const value = (f: (typeof FIELD_ORDER)[number]): string => {
    if (f === 'openStatus') return e.openStatus === 'open' ? '开放' : '控制';
    const v = e[f];
    return v === null || v === undefined ? '' : String(v);
  };
  return [...FIELD_ORDER.map(value), e.unitCode, e.regno ?? '', e.filePath ?? ''];
}

async function* sheet(
  repo: CatalogRepository,
  filters: CatalogFilters,
  access: CatalogAccess,
): AsyncGenerator<string[]> {
  yield [...FIELD_ORDER.map((f) => FIELD_HEADINGS[f]), ...EXTRA_HEADINGS];
  for (let after = 0; ;) {
    const page = await repo.list(filters, access, after, PAGE);
    for (const e of page) yield cellsOf(e);
    if (page.length < PAGE) return;
    after = page.at(-1)!.id;
  }
}

/** Write the entries `access` may see and `filters` select to `path` as CSV (UTF-8 with BOM) or .xlsx; returns the count. */
export async function exportCatalog(
  repo: CatalogRepository,
  path: string,
  options: { format: ExportFormat; filters?: CatalogFilters; access: CatalogAccess },
): Promise<number> {
  let count = -1; // the heading row
  const counted = async function* (rows: AsyncGenerator<string[]>): AsyncGenerator<string[]> {
    for await (const r of rows) {
      count++;
      yield r;
    }
  };
  const rows = counted(sheet(repo, options.filters ?? {}, options.access));
  if (options.format === 'xlsx') {
    await writeXlsx(rows, path);
  } else if (options.format === 'csv') {
    const tmp = `${path}.tmp`;
    const out = createWriteStream(tmp, { flags: 'wx' });
    try {
      await writeCsv(rows, out); // ends `out`
      await finished(out);
      await rename(tmp, path);
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
  } else {
    throw new InvalidInputError({ zh: '导出格式应为 csv 或 xlsx', en: 'export format must be csv or xlsx' });
  }
  return count;
}
