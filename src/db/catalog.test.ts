import { expect, it } from 'vitest';
import { describeEachDialect } from './database.suite.js';
import { toFts5, toTsquery, toTsvector, type IndexTokens, type NewCatalogEntry } from './repositories/catalog.js';

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

  it('estimates facets from a sample of 5,000 when more entries match, and counts exactly below that', async () => {
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
