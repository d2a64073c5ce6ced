import { expect, it } from 'vitest';
import { describeEachDialect } from '../db/database.suite.js';
import type { Database } from '../db/index.js';
import { buildFields, entryIndex, toNewEntry } from './fields.js';
import { searchCatalog, type SearchRequest } from './search.js';

const ENTRIES = [
  {
    archivalCode: 'J003-WS·2019-D30-RSK-0042',
    title: '关于印发《临安区2019年城乡居民医疗保险实施办法》的通知',
    responsible: '临安区人力资源和社会保障局',
    documentNumber: '临人社发〔2019〕42号',
    openStatus: '开放',
    text: '为做好城乡居民医疗保险工作，根据省有关规定，结合我区实际，制定本办法。',
  },
  {
    archivalCode: 'J003-WS·2019-D30-RSK-0043',
    title: '关于做好2019年就业创业补贴申领工作的通知',
    responsible: '临安区人力资源和社会保障局',
    openStatus: '开放',
    text: '各乡镇街道：就业创业补贴按季度申领。联系人：王建国。',
  },
  {
    archivalCode: 'J001-WS·2020-Y-BGS-0007',
    title: '区政府常务会议纪要（第七次）',
    responsible: '临安区人民政府办公室',
    openStatus: '控制',
    text: '会议研究了机密人事调整事项，出席：李秘书长。',
  },
  {
    archivalCode: 'J001-WS·2021-Y-BGS-0001',
    title: '关于城乡居民医疗保险基金运行情况的报告',
    responsible: '临安区人民政府办公室',
    openStatus: '控制',
    text: '医疗保险基金收支平衡，结余可支付月数为十个月。',
  },
] as const;

async function load(db: Database): Promise<number[]> {
  const rows = ENTRIES.map(({ text, ...raw }) => {
    const built = buildFields(raw, 'controlled');
    if (!('fields' in built)) throw new Error(JSON.stringify(built.problems));
    const entry = toNewEntry(built.fields, 'U1', 'import');
    return { entry, index: entryIndex(entry, text) };
  });
  const { ids } = await db.catalog.upsert(rows);
  for (const [i, id] of ids.entries()) {
    await db.catalog.putText(id, ENTRIES[i]!.text, 'text', rows[i]!.index);
  }
  return ids;
}

describeEachDialect('catalog search', (t) => {
  const search = async (query: string, over: Partial<SearchRequest> = {}) =>
    searchCatalog(t.db().catalog, { query, access: { kind: 'all' }, ...over });
  const codes = (r: Awaited<ReturnType<typeof search>>) => r.hits.map((h) => h.archivalCode);

  it('finds fragments typed without spaces, in simplified or traditional characters, and ranks title matches first', async () => {
    await load(t.db());
    const r = await search('医疗保险');
    expect(r.stage).toBe('exact');
    // Title matches (RSK-0042, BGS-0001) before the entry where only the full text matches: none here, all titles.
    expect(codes(r).sort()).toEqual(['J001-WS·2021-Y-BGS-0001', 'J003-WS·2019-D30-RSK-0042']);
    expect(r.hits[0]!.titleHtml).toContain('<mark>医疗保险</mark>');
    const trad = await search('醫療保險實施辦法');
    expect(codes(trad)).toEqual(['J003-WS·2019-D30-RSK-0042']);
    expect(trad.hits[0]!.titleHtml).toContain('<mark>医疗保险实施办法</mark>');
    // Found in the full text only: the snippet shows where.
    const body = await search('按季度申领');
    expect(codes(body)).toEqual(['J003-WS·2019-D30-RSK-0043']);
    expect(body.hits[0]!.snippet).toContain('<mark>按季度申领</mark>');
  });

  it('reads words in any order, one wrong character, 档号 fragments, 文号 and fields', async () => {
    await load(t.db());
    const words = await search('临安区医疗保险办法');
    expect(words.stage).toBe('words');
    expect(codes(words)).toEqual(['J003-WS·2019-D30-RSK-0042']);
    const typo = await search('城乡居民医了保险'); // 疗 → 了
    expect(typo.stage).not.toBe('exact');
    expect(codes(typo).sort()).toEqual(['J001-WS·2021-Y-BGS-0001', 'J003-WS·2019-D30-RSK-0042']);
    expect(codes(await search('2019-D30-RSK-004')).sort()).toEqual([
      'J003-WS·2019-D30-RSK-0042',
      'J003-WS·2019-D30-RSK-0043',
    ]);
    expect(codes(await search('RSK-0043'))).toEqual(['J003-WS·2019-D30-RSK-0043']);
    expect(codes(await search('人社发〔2019〕42'))).toEqual(['J003-WS·2019-D30-RSK-0042']);
    expect(codes(await search('题名:会议纪要'))).toEqual(['J001-WS·2020-Y-BGS-0007']);
    expect((await search('题名：王建国')).total).toBe(0); // only in the full text
    expect(codes(await search('全文:王建国'))).toEqual(['J003-WS·2019-D30-RSK-0043']);
    // Quoted: exactly as written, no looser readings.
    expect((await search('"临安区医疗保险办法"')).total).toBe(0);
    expect(codes(await search('医疗保险 year', { filters: { yearFrom: 2021 } }))).toEqual([]);
    expect(codes(await search('医疗保险', { filters: { yearFrom: 2021 } }))).toEqual(['J001-WS·2021-Y-BGS-0001']);
    expect(codes(await search('', { filters: { fonds: 'J001' } }))).toEqual([
      'J001-WS·2020-Y-BGS-0007',
      'J001-WS·2021-Y-BGS-0001',
    ]);
  });

  it('never shows the public a controlled entry: not in hits, counts, facets or snippets', async () => {
    await load(t.db());
    const pub = { access: { kind: 'open' as const } };
    for (const q of ['会议纪要', '机密人事', '李秘书长', 'BGS-0007', '医疗保险基金', '人民政府办公室', '']) {
      const r = await search(q, pub);
      expect(r.hits.every((h) => h.openStatus === 'open')).toBe(true);
      const shown = JSON.stringify({ hits: r.hits, facets: r.facets, total: r.total });
      for (const secret of ['会议纪要', '机密', '李秘书长', 'BGS-0007', '基金运行', '结余', '控制', 'controlled']) {
        expect(shown).not.toContain(secret);
      }
      const counts = Object.values(r.facets ?? {}).flatMap((f) => f.map((v) => v.count));
      expect(counts.every((c) => c <= r.total)).toBe(true);
    }
    const both = await search('医疗保险', pub);
    expect(both.total).toBe(1);
    expect(both.facets?.openStatus).toEqual([{ value: 'open', count: 1 }]);
    expect(both.facets?.year).toEqual([{ value: '2019', count: 1 }]);
    // Staff see both, and the unit that deposited them sees its own.
    expect((await search('医疗保险')).total).toBe(2);
    expect((await search('医疗保险', { access: { kind: 'open-or-unit', unitCode: 'U1' } })).total).toBe(2);
    expect((await search('医疗保险', { access: { kind: 'open-or-unit', unitCode: 'U2' } })).total).toBe(1);
  });

  it('pages through many hits and refuses a page size or depth out of range', async () => {
    const db = t.db();
    const rows = Array.from({ length: 45 }, (_, i) => {
      const built = buildFields({ title: `档案数字化项目验收报告第${i + 1}号`, openStatus: '开放' }, 'controlled');
      if (!('fields' in built)) throw new Error('bad');
      const entry = toNewEntry(built.fields, 'U1', 'import');
      return { entry, index: entryIndex(entry) };
    });
    await db.catalog.upsert(rows);
    const seen = new Set<number>();
    for (let offset = 0; offset < 45; offset += 20) {
      const r = await search('数字化项目', { limit: 20, offset });
      expect(r.total).toBe(45);
      r.hits.forEach((h) => seen.add(h.id));
    }
    expect(seen.size).toBe(45);
    await expect(search('数字化', { limit: 0 })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(search('数字化', { offset: 10_001 })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(search('数'.repeat(201))).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    // 200 characters: no reading with one wrong character (the run is too long), the words still find them.
    expect(await search('数字化项目'.repeat(40))).toMatchObject({ stage: 'words', total: 45 });
  });
});

it('plans a fragment with one wrong character as the parts around it, two bigrams apart', async () => {
  const { planQuery } = await import('./query.js');
  const plan = planQuery('城乡居民医了保险');
  const typo = plan.stages.find((s) => s.stage === 'typo');
  expect(JSON.stringify(typo?.match)).toContain(
    JSON.stringify({ kind: 'near', left: ['城乡', '乡居', '居民', '民医'], right: ['保险'], gap: 2 }),
  );
  // Both sides of the wrong character, then words, then one side alone.
  expect(plan.stages.map((s) => s.stage)).toEqual(['exact', 'typo', 'words', 'typo']);
  expect(planQuery('"城乡居民医了保险"').stages.map((s) => s.stage)).toEqual(['exact']);
  expect(planQuery('  ，。 ').stages).toEqual([]);
});
