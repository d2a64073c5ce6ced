/**
 * Migration 012 leaves SQLite's search index empty (a contentless FTS5 table
 * cannot be given a column); the center rebuilds it from the entries the
 * next time it opens, with the tags the access rule is searched by.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CATALOG_REINDEX_SETTING } from '../db/index.js';
import { Center } from './center.js';
import { importUnitCatalog, searchCenterCatalog } from './catalog.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-catalog-reindex-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

it('rebuilds an emptied search index when it opens, once, keeping controlled entries from the public', async () => {
  const dataDir = join(tmp, 'center');
  const dbFile = join(tmp, 'center.db');
  const config = { database: `sqlite:${dbFile}` };
  const csv = join(tmp, 'catalog.csv');
  await writeFile(
    csv,
    '档号,题名,开放状态\nJ001-WS·2020-Y-0001,城乡居民医疗保险通知,开放\nJ001-WS·2020-Y-0002,医疗保险基金审计报告,控制\n',
  );
  const find = async (center: Center, kind: 'open' | 'all'): Promise<number> =>
    (await searchCenterCatalog(center, { query: '医疗保险', access: { kind } })).total;

  let center = await Center.open({ dataDir, config });
  await importUnitCatalog(center, { file: csv, unit: 'U1' });
  expect(await find(center, 'all')).toBe(2);
  await center.close();

  // What 012_catalog_tags leaves behind on a center that had entries.
  const raw = new BetterSqlite3(dbFile);
  raw.prepare(`insert into catalog_fts (catalog_fts) values ('delete-all')`).run();
  raw.prepare(`insert into center_settings (name, value) values (?, 'needed')`).run(CATALOG_REINDEX_SETTING);
  raw.close();

  center = await Center.open({ dataDir, config });
  try {
    expect(await find(center, 'all')).toBe(2);
    expect(await find(center, 'open')).toBe(1);
    expect(await center.db.settings.get(CATALOG_REINDEX_SETTING)).toBe('done');
  } finally {
    await center.close();
  }
});
