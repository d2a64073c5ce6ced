import { Migrator, sql } from 'kysely';
import { expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { KyselyDatabase } from './database.js';
import { openDatabase } from './open-database.js';
import { migrationProvider } from './migrations/index.js';
import { CATALOG_REINDEX_SETTING } from './migrations/012-catalog-tags.js';
import type { CatalogAccess, CatalogFilters } from './repositories/catalog.js';
import { describeEachDialect } from './database.suite.js';
import {
  PG_EXACT_COUNT,
  RANK_WINDOW,
  toFts5,
  toFts5Tags,
  toTsquery,
  toTsqueryTags,
  toTsvector,
  type IndexTokens,
  type NewCatalogEntry,
} from './repositories/catalog.js';

/** Han bigrams, as catalog/analyze.ts cuts text (db/ may not import it). */
const bigrams = (s: string): string[] => [...s].slice(0, -1).map((c, i) => c + [...s][i + 1]!);

function entry(over: Partial<NewCatalogEntry>): NewCatalogEntry {
  return {
    unitCode: 'U1',
    archivalCode: '',
    fonds: 'J001',
    category: 'WS',
    year: 2020,
    itemNumber: '',
    title: '',
    responsible: '',
    date: '',
    documentNumber: '',
    orgOrIssue: '',
    retention: '永久',
    classification: '',
    pages: null,
    keywords: '',
    notes: '',
    openStatus: 'open',
    regno: null,
    filePath: null,
    source: 'import',
    ...over,
  };
}

const index = (title: string, over: Partial<IndexTokens> = {}): IndexTokens => ({
  title: bigrams(title),
  code: [],
  party: [],
  body: [],
  ...over,
});

it('writes the match for each dialect without a parser: tokens quoted, columns scoped, prefixes and gaps', () => {
  const e = {
    kind: 'all' as const,
    parts: [
      { kind: 'phrase' as const, tokens: ['社保', '保基'], column: 'title' as const },
      { kind: 'phrase' as const, tokens: ['ws', '2020'], prefix: true },
      { kind: 'near' as const, left: ['医疗'], right: ['保险'], gap: 2 },
    ],
  };
  expect(toFts5(e)).toBe('(title : "社保 保基" AND "ws 2020" * AND NEAR("医疗" "保险", 2))');
  expect(toTsquery(e)).toBe("(('社保':A <-> '保基':A) & ('ws' <-> '2020':*) & (('医疗') <3> ('保险')))");
  expect(toTsvector({ title: ['社保', '保基'], code: ['社保'], party: [], body: [] })).toBe("'社保':1A,67B '保基':2A");
  // Anything but letters and digits never reaches the query text.
  expect(() => toFts5({ kind: 'phrase', tokens: ['a" OR "b'] })).toThrow(/invalid search token/);
  expect(() => toTsquery({ kind: 'phrase', tokens: ["x' | 'y"] })).toThrow(/invalid search token/);
});

it('writes the access rule and filters as tags, or leaves them to the entries when tags cannot say them', () => {
  expect(toFts5Tags({}, { kind: 'all' })).toBe('');
  expect(toFts5Tags({ fonds: 'J001', yearFrom: 2020, yearTo: 2021 }, { kind: 'open-or-unit', unitCode: '单位' })).toBe(
    'tags : (("zo1" OR "zue58d95e4bd8d") AND "zf4a303031" AND ("zy2020" OR "zy2021"))',
  );
  expect(
    toTsqueryTags({ fonds: 'J001', yearFrom: 2020, yearTo: 2021 }, { kind: 'open-or-unit', unitCode: '单位' }),
  ).toBe("('#zo1' | '#zue58d95e4bd8d') & '#zf4a303031' & ('#zy2020' | '#zy2021')");
  expect(toFts5Tags({ yearFrom: 2020 }, { kind: 'open' })).toBeUndefined();
  expect(toFts5Tags({ regno: 'R-1' }, { kind: 'all' })).toBeUndefined();
});

const upgrades = withTestDatabases();
for (const dialect of TEST_DIALECTS) {
  it(`upgrades the search index to tags on ${dialect}: rebuilt on SQLite, extended in place on PostgreSQL`, async () => {
    for (const withEntry of [true, false]) {
      const db = await openDatabase({ url: await upgrades.fresh(dialect) });
      try {
        if (!(db instanceof KyselyDatabase)) throw new Error('not a KyselyDatabase');
        const k = db.kysely;
        const migrator = new Migrator({ db: k, provider: migrationProvider(dialect) });
        expect((await migrator.migrateTo('011_catalog_holders')).error).toBeUndefined();
        if (withEntry) {
          for (const [n, status] of [
            [1, 'open'],
            [2, 'controlled'],
          ] as const) {
            await sql`insert into catalog_entries (unit_code, archival_code, fonds, category, item_number, title,
              responsible, date, document_number, org_or_issue, retention, classification, keywords, notes, open_status,
              source, created_at, updated_at) values ('U1', '', '', '', '', '通知', '', '', '', '', '', '', '', '',
              ${status}, 'import', '', '')`.execute(k);
            if (dialect === 'sqlite') {
              await sql`insert into catalog_fts (rowid, title, code, party, body) values (${n}, '通知', '', '', '')`.execute(
                k,
              );
            } else {
              await sql`insert into catalog_vectors (entry_id, vector) values (${n}, '通知:1A'::tsvector)`.execute(k);
            }
          }
        }
        await db.migrate();
        const find = async (access: CatalogAccess): Promise<number> =>
          (
            await db.catalog.search(
              { match: { kind: 'phrase', tokens: ['通知'] }, filters: {}, access },
              { limit: 10, offset: 0 },
            )
          ).total;
        if (dialect === 'sqlite') {
          expect(await db.settings.get(CATALOG_REINDEX_SETTING)).toBe(withEntry ? 'needed' : undefined);
          expect(await find({ kind: 'all' })).toBe(0); // until the center rebuilds it (center/catalog.ts)
        } else {
          expect(await db.settings.get(CATALOG_REINDEX_SETTING)).toBeUndefined();
          expect(await find({ kind: 'all' })).toBe(withEntry ? 2 : 0);
          expect(await find({ kind: 'open' })).toBe(withEntry ? 1 : 0);
        }
      } finally {
        await db.close();
      }
    }
  });
}

describeEachDialect('catalog', (t) => {
  it('matches phrases, ranks the title above the full text, filters, and keeps controlled entries from the public', async () => {
    const db = t.db();
    const { ids } = await db.catalog.upsert([
      {
        entry: entry({ title: '关于社会保险基金管理的通知', archivalCode: 'J001-WS·2020-Y-0001' }),
        index: index('社会保险基金管理'),
      },
      {
        entry: entry({ title: '年度工作总结', archivalCode: 'J001-WS·2020-Y-0002', year: 2021 }),
        index: index('年度工作总结', { body: bigrams('社会保险基金管理情况良好') }),
      },
      {
        entry: entry({ title: '社会保险基金审计报告', openStatus: 'controlled', archivalCode: 'J001-WS·2020-Y-0003' }),
        index: index('社会保险基金审计报告'),
      },
      { entry: entry({ title: '社会救助', archivalCode: 'J001-WS·2020-Y-0004' }), index: index('社会救助') },
    ]);
    expect(ids).toHaveLength(4);
    const match = { kind: 'phrase' as const, tokens: bigrams('保险基金') };
    const all = await db.catalog.search({ match, filters: {}, access: { kind: 'all' } }, { limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.hits.map((h) => h.id).slice(-1)).toEqual([ids[1]]); // full text only: last
    expect(all.hits[0]!.score).toBeGreaterThan(all.hits.at(-1)!.score);

    const open = await db.catalog.search({ match, filters: {}, access: { kind: 'open' } }, { limit: 10, offset: 0 });
    expect(open.hits.map((h) => h.id).sort()).toEqual([ids[0], ids[1]].sort());
    const { facets, approximate } = await db.catalog.facets({ match, filters: {}, access: { kind: 'open' } }, 10);
    expect(approximate).toBe(false);
    expect(facets.openStatus).toEqual([{ value: 'open', count: 2 }]);
    expect(facets.year).toEqual([
      { value: '2020', count: 1 },
      { value: '2021', count: 1 },
    ]);
    const unit = await db.catalog.search(
      { match, filters: {}, access: { kind: 'open-or-unit', unitCode: 'U1' } },
      { limit: 10, offset: 0 },
    );
    expect(unit.total).toBe(3);

    const filtered = await db.catalog.search(
      { match, filters: { yearFrom: 2021 }, access: { kind: 'all' } },
      { limit: 10, offset: 0 },
    );
    expect(filtered.hits.map((h) => h.id)).toEqual([ids[1]]);
    const titleOnly = await db.catalog.search(
      { match: { ...match, column: 'title' }, filters: {}, access: { kind: 'all' } },
      { limit: 10, offset: 0 },
    );
    expect(titleOnly.total).toBe(2);
    // Not a phrase: 会保 and 救助 both occur, but never as "会保 保救".
    const none = await db.catalog.search(
      { match: { kind: 'phrase', tokens: ['会保', '保救'] }, filters: {}, access: { kind: 'all' } },
      { limit: 10, offset: 0 },
    );
    expect(none.total).toBe(0);
    const page2 = await db.catalog.search({ match, filters: {}, access: { kind: 'all' } }, { limit: 2, offset: 2 });
    expect(page2.hits.map((h) => h.id)).toEqual([all.hits[2]!.id]);
  });

  it('updates the entry of the same unit and 档号 on re-import, with its index', async () => {
    const db = t.db();
    const first = await db.catalog.upsert([
      { entry: entry({ title: '旧题名', archivalCode: 'J001-WS·2020-Y-0009' }), index: index('旧题名称') },
      { entry: entry({ title: '无档号条目' }), index: index('无档号条目') },
    ]);
    const again = await db.catalog.upsert([
      { entry: entry({ title: '新题名', archivalCode: 'J001-WS·2020-Y-0009' }), index: index('新题名称') },
      { entry: entry({ title: '无档号条目' }), index: index('无档号条目') },
      {
        entry: entry({ unitCode: 'U2', title: '他单位', archivalCode: 'J001-WS·2020-Y-0009' }),
        index: index('他单位'),
      },
    ]);
    expect(again).toMatchObject({ inserted: 2, updated: 1 });
    expect(again.ids[0]).toBe(first.ids[0]);
    expect(new Set([...first.ids, ...again.ids]).size).toBe(4);
    const [got] = await db.catalog.getByIds([first.ids[0]!]);
    expect(got?.title).toBe('新题名');
    const search = (s: string) =>
      db.catalog.search(
        { match: { kind: 'phrase', tokens: bigrams(s) }, filters: {}, access: { kind: 'all' } },
        { limit: 10, offset: 0 },
      );
    expect((await search('旧题')).total).toBe(0);
    expect((await search('新题')).hits.map((h) => h.id)).toEqual([first.ids[0]]);
    expect(await db.catalog.count()).toBe(4);
  });

  it('indexes extracted text and finds by prefix and near-phrase', async () => {
    const db = t.db();
    const { ids } = await db.catalog.upsert([
      {
        entry: entry({ title: '通知', archivalCode: 'J001-WS·2020-Y-0042' }),
        index: index('通知', { code: ['j001', 'ws', '2020', 'y', '0042'] }),
      },
    ]);
    await db.catalog.putText(
      ids[0]!,
      '城乡居民医疗保险',
      'text',
      index('通知', { code: ['j001', 'ws', '2020', 'y', '0042'], body: bigrams('城乡居民医疗保险') }),
    );
    expect((await db.catalog.texts(ids)).get(ids[0]!)).toBe('城乡居民医疗保险');
    const find = async (match: Parameters<typeof db.catalog.search>[0]['match']) =>
      (await db.catalog.search({ match, filters: {}, access: { kind: 'all' } }, { limit: 10, offset: 0 })).total;
    expect(await find({ kind: 'phrase', tokens: ['ws', '2020', 'y', '004'], prefix: true })).toBe(1);
    expect(await find({ kind: 'phrase', tokens: ['ws', '2020', 'y', '004'] })).toBe(0);
    // 城乡居民医x保险: the typo'd character and both bigrams holding it are skipped.
    expect(await find({ kind: 'near', left: bigrams('城乡居民医'), right: bigrams('保险'), gap: 2 })).toBe(1);
    expect(await find({ kind: 'phrase', tokens: bigrams('医疗'), column: 'body' })).toBe(1);
    expect(await find({ kind: 'phrase', tokens: bigrams('医疗'), column: 'title' })).toBe(0);
  });

  it('gives the same matches, counts and facets as the rule and filters say, for every kind of searcher', async () => {
    const db = t.db();
    const made = Array.from({ length: 72 }, (_, i) =>
      entry({
        unitCode: ['U1', 'U2', '单位3'][i % 3]!,
        fonds: ['J001', 'J002'][i % 2]!,
        category: ['WS', 'KJ', 'ZP', 'SX'][i % 4]!,
        year: i % 5 === 4 ? null : 2018 + (i % 5),
        retention: ['永久', '定期30年'][Math.floor(i / 2) % 2]!,
        classification: i % 7 === 0 ? '秘密' : '',
        openStatus: i % 6 < 4 ? 'open' : 'controlled',
        title: i % 9 === 8 ? '会议纪要' : '社会保险通知',
      }),
    );
    const { ids } = await db.catalog.upsert(made.map((e) => ({ entry: e, index: index(e.title) })));
    const match = { kind: 'phrase' as const, tokens: bigrams('保险通知') };
    const cases: Array<[CatalogFilters, CatalogAccess]> = [
      [{}, { kind: 'all' }],
      [{}, { kind: 'open' }],
      [{}, { kind: 'open-or-unit', unitCode: '单位3' }],
      [{ fonds: 'J002', category: 'KJ' }, { kind: 'open' }],
      [{ yearFrom: 2019, yearTo: 2020, retention: '永久' }, { kind: 'all' }],
      [{ yearFrom: 2021 }, { kind: 'open-or-unit', unitCode: 'U2' }],
      [{ classification: '秘密', openStatus: 'controlled' }, { kind: 'all' }],
      [{ unitCode: 'U1', openStatus: 'open' }, { kind: 'open' }],
    ];
    for (const [filters, access] of cases) {
      const want = made.flatMap((e, i) => {
        const visible =
          access.kind === 'all' ||
          e.openStatus === 'open' ||
          (access.kind === 'open-or-unit' && e.unitCode === access.unitCode);
        const y = e.year ?? -1;
        const ok =
          visible &&
          e.title.includes('保险通知') &&
          (filters.fonds === undefined || e.fonds === filters.fonds) &&
          (filters.category === undefined || e.category === filters.category) &&
          (filters.unitCode === undefined || e.unitCode === filters.unitCode) &&
          (filters.retention === undefined || e.retention === filters.retention) &&
          (filters.classification === undefined || e.classification === filters.classification) &&
          (filters.openStatus === undefined || e.openStatus === filters.openStatus) &&
          (filters.yearFrom === undefined || (e.year !== null && y >= filters.yearFrom)) &&
          (filters.yearTo === undefined || (e.year !== null && y <= filters.yearTo));
        return ok ? [ids[i]!] : [];
      });
      const label = JSON.stringify([filters, access]);
      const got = await db.catalog.search({ match, filters, access }, { limit: 100, offset: 0 });
      expect(got.total, label).toBe(want.length);
      expect(got.rankedWithin, label).toBeUndefined();
      expect(
        got.hits.map((h) => h.id).sort((a, b) => a - b),
        label,
      ).toEqual(want);
      const { facets } = await db.catalog.facets({ match, filters, access }, 20);
      const units = new Map<string, number>();
      for (const id of want) {
        const u = made[ids.indexOf(id)]!.unitCode;
        units.set(u, (units.get(u) ?? 0) + 1);
      }
      expect(new Map(facets.unitCode.map((f) => [f.value, f.count])), label).toEqual(units);
    }

    // The tags follow the entry: closed again by a re-import, it leaves the public's results at once.
    const publicHits = async (): Promise<number[]> =>
      (await db.catalog.search({ match, filters: {}, access: { kind: 'open' } }, { limit: 100, offset: 0 })).hits.map(
        (h) => h.id,
      );
    const opened = made.findIndex(
      (e) => e.openStatus === 'open' && e.title.includes('保险通知') && e.archivalCode === '',
    );
    await db.catalog.upsert([
      { entry: { ...made[opened]!, archivalCode: 'J001-WS·2020-Y-7777' }, index: index(made[opened]!.title) },
    ]);
    const [recoded] = await db.catalog.list({}, { kind: 'all' }, ids.at(-1)!, 1);
    expect(await publicHits()).toContain(recoded!.id);
    await db.catalog.upsert([
      {
        entry: { ...made[opened]!, archivalCode: 'J001-WS·2020-Y-7777', openStatus: 'controlled' },
        index: index(made[opened]!.title),
      },
    ]);
    expect(await publicHits()).not.toContain(recoded!.id);
    // A query cannot reach the tags column: "zo1" is in every open entry's tags, in no text.
    const tagWord = await db.catalog.search(
      { match: { kind: 'phrase', tokens: ['zo1'] }, filters: {}, access: { kind: 'all' } },
      { limit: 10, offset: 0 },
    );
    expect(tagWord.total).toBe(0);
  });

  it(`ranks among the newest ${RANK_WINDOW.toLocaleString('en')} matches when more match, and counts them all`, async () => {
    const db = t.db();
    // The 30 oldest entries say the word twice and would rank first; 10,020 newer ones say it once.
    const rows = Array.from({ length: RANK_WINDOW + 50 }, (_, i) => {
      const title = i < 30 ? '年度报表 年度报表' : '年度报表 工作';
      return { entry: entry({ title, fonds: i < 40 ? 'J009' : 'J001' }), index: index(title.replace(' ', '')) };
    });
    const { ids } = await db.catalog.upsert(rows);
    const match = { kind: 'phrase' as const, tokens: bigrams('年度报表') };
    const wide = await db.catalog.search({ match, filters: {}, access: { kind: 'all' } }, { limit: 10, offset: 0 });
    expect(wide.total).toBe(RANK_WINDOW + 50);
    expect(wide.rankedWithin).toBe(RANK_WINDOW);
    const newest = [...ids].sort((a, b) => b - a).slice(0, RANK_WINDOW);
    const floor = Math.min(...newest);
    expect(wide.hits).toHaveLength(10);
    for (const h of wide.hits) expect(h.id).toBeGreaterThanOrEqual(floor);
    // Narrowed below the window, the strongest matches come first again.
    const narrow = await db.catalog.search(
      { match, filters: { fonds: 'J009' }, access: { kind: 'all' } },
      { limit: 30, offset: 0 },
    );
    expect(narrow.total).toBe(40);
    expect(narrow.rankedWithin).toBeUndefined();
    expect(narrow.hits.map((h) => h.id).sort((a, b) => a - b)).toEqual(ids.slice(0, 30));
  });

  it(`counts exactly on SQLite, and estimates from a page sample on PostgreSQL above ${PG_EXACT_COUNT.toLocaleString('en')} matches`, async () => {
    const db = t.db();
    const n = PG_EXACT_COUNT + 4000;
    const rows = Array.from({ length: n }, (_, i) => ({
      // Not periodic, so no sampling stride can line up with it: about a third controlled.
      entry: entry({ title: '会议纪要', openStatus: Math.sin(i) < -0.5 ? 'controlled' : 'open' }),
      index: index('会议纪要'),
    }));
    await db.catalog.upsert(rows);
    const opened = rows.filter((r) => r.entry.openStatus === 'open').length;
    const query = {
      match: { kind: 'phrase' as const, tokens: bigrams('会议纪要') },
      filters: {},
      access: { kind: 'all' as const },
    };
    const found = await db.catalog.search(query, { limit: 10, offset: 0 });
    const { facets, approximate } = await db.catalog.facets(query, 10, found.total);
    expect(approximate).toBe(true);
    const open = facets.openStatus.find((f) => f.value === 'open')!.count;
    if (t.dialect === 'sqlite') {
      expect(found.total).toBe(n);
      expect(found.totalEstimated).toBeUndefined();
    } else {
      expect(found.totalEstimated).toBe(true);
      expect(Math.abs(found.total - n) / n).toBeLessThan(0.1);
    }
    expect(Math.abs(open - opened) / n).toBeLessThan(0.1);
    // Narrowed below the threshold, PostgreSQL counts exactly again.
    const few = await db.catalog.search(
      { ...query, access: { kind: 'open' }, filters: { openStatus: 'controlled' } },
      { limit: 10, offset: 0 },
    );
    expect(few).toMatchObject({ total: 0 });
    const controlled = await db.catalog.search(
      { ...query, filters: { openStatus: 'controlled' } },
      { limit: 10, offset: 0 },
    );
    expect(controlled.total).toBe(n - opened);
    expect(controlled.totalEstimated).toBeUndefined();
  });

  it('estimates facets from a sample of 2,000 when more entries match, and counts exactly below that', async () => {
    const db = t.db();
    // In "档号 order": the first 2,000 are all J001, so a sample of the first matches would be skewed.
    const rows = Array.from({ length: 6000 }, (_, i) => ({
      entry: entry({ title: '年度报表', fonds: i < 2000 ? 'J001' : 'J002', year: 2000 + (i % 2) }),
      index: index('年度报表'),
    }));
    await db.catalog.upsert(rows);
    const match = { kind: 'phrase' as const, tokens: bigrams('年度报表') };
    const many = await db.catalog.facets({ match, filters: {}, access: { kind: 'all' } }, 10);
    expect(many.approximate).toBe(true);
    const fonds = new Map(many.facets.fonds.map((f) => [f.value, f.count]));
    expect(Math.abs(fonds.get('J001')! - 2000)).toBeLessThan(300);
    expect(Math.abs(fonds.get('J002')! - 4000)).toBeLessThan(300);
    const few = await db.catalog.facets(
      { match, filters: { yearFrom: 2001, fonds: 'J001' }, access: { kind: 'all' } },
      10,
    );
    expect(few).toMatchObject({
      approximate: false,
      facets: { fonds: [{ value: 'J001', count: 1000 }], year: [{ value: '2001', count: 1000 }] },
    });
  });
});
