import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/index.js';
import { readCatalog } from '../metadata/catalog.js';
import { writeXlsx } from '../metadata/test-support/xlsx.js';
import { viewOf } from '../test-support/view.js';
import type { CatalogRecord, CatalogView, CheckItem, DepositView, Finding, ItemVerdict } from '../types.js';
import { DEFAULT_MANDATORY_FIELDS, METADATA_ITEMS, makeMetadataItems } from './metadata-items.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tmpFile(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'yinji-items-'));
  made.push(dir);
  return join(dir, name);
}

const ITEMS = makeMetadataItems({ clock: fixedClock('2026-01-15T08:00:00Z') });
const item = (key: string): CheckItem => {
  const found = ITEMS.find((i) => i.key === key);
  if (found === undefined) throw new Error(`no item ${key}`);
  return found;
};
const findingsOf = (v: ItemVerdict): readonly Finding[] => {
  if (!('findings' in v)) throw new Error(`expected findings, got ${JSON.stringify(v)}`);
  return v.findings;
};
/** The catalog rows (as numbers) an item's findings name. */
const rowsOf = (v: ItemVerdict): number[] => [
  ...new Set(
    findingsOf(v).flatMap((f) => {
      const rows = (f.details?.rows as string[] | undefined) ?? [f.details?.row as string];
      return rows.map((r) => Number(/第 (\d+) 行/u.exec(r)?.[1]));
    }),
  ),
];
// The check's own time (view.checkedAt) is what "in the future" is judged against.
const withCatalog = (catalog: CatalogView, extra: Partial<DepositView> = {}) =>
  viewOf({ catalog, checkedAt: '2026-01-15T08:00:00.000Z', ...extra });
const catalogOf = (records: Record<string, string>[], columns?: string[]): CatalogView => ({
  sources: ['目录.csv'],
  records: records.map((fields, i) => ({ source: `目录.csv 第 ${i + 2} 行`, fields, files: [] })),
  columns: columns ?? [...new Set(records.flatMap((r) => Object.keys(r)))],
  problems: [],
});

const HEAD = ['档号', '题名', '责任者', '日期', '保管期限', '密级', '页数', '文号', '年度'];
const good = (n: number, over: Partial<Record<string, string>> = {}): string[] => {
  const row: Record<string, string> = {
    档号: `Z109-WS·2011·Y·BGS-${String(n).padStart(4, '0')}`,
    题名: `关于第${n}项工作的通知`,
    责任者: '某某县档案局',
    日期: '20110315',
    保管期限: '永久',
    密级: '公开',
    页数: '3',
    文号: `县档发〔2011〕${n}号`,
    年度: '2011',
    ...over,
  };
  return HEAD.map((h) => row[h] ?? '');
};
const csvLine = (cells: string[]) =>
  cells.map((c) => (/[",\n\r]/u.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',');

/** One catalog, each bad row breaking one rule (row numbers as a spreadsheet shows them). */
const ROWS: string[][] = [
  good(1), // row 2
  good(2), // row 3
  good(3, { 档号: 'Z109-WS•2011•Y•BGS-0003' }), // row 4: look-alike separator
  good(5), // row 5: 0004 is missing
  good(5, { 题名: '重复档号的另一份文件', 文号: '' }), // row 6: same 档号 as row 5
  good(6, { 责任者: '' }), // row 7: mandatory field empty
  good(7, { 日期: '20300101' }), // row 8: in the future (and not the year of 年度)
  good(8, { 密级: '秘密' }), // row 9: classified
  good(9, { 保管期限: '长久' }), // row 10: not a retention period
  good(10, { 日期: '2011.03.15' }), // row 11: not a date format
  good(11, { 题名: '含有控制字符\u0007的题名' }), // row 12
  good(12, { 题名: '长'.repeat(501) }), // row 13: too long
  good(13, { 文号: '县档发〔2011〕1号', 题名: '关于第1项工作的通知' }), // row 14: same 文号+题名 as row 2
  good(14, { 年度: '2012' }), // row 15: 年度 differs from 日期 and 档号
];

const EXPECTED: Record<string, number[]> = {
  'field-length': [13],
  'field-type': [11],
  'field-domain': [10],
  'field-reasonable': [8, 15],
  'illegal-characters': [12],
  'archival-code': [4, 15],
  'no-duplicates': [5, 6, 2, 14],
  'metadata-elements': [],
  'mandatory-fields': [7],
  'item-sequence': [5, 6],
  'catalog-readable': [],
  classification: [9],
};

async function runAll(path: string, packageFiles: string[] = []): Promise<Record<string, number[]>> {
  const catalog = await readCatalog(path, packageFiles);
  expect(catalog.problems).toEqual([]);
  const view = withCatalog(catalog);
  return Object.fromEntries(ITEMS.map((i) => [i.key, rowsOf(i.run(view))]));
}

describe('metadata items on a whole catalog: each fails on exactly its rows', () => {
  it('from a GBK CSV', async () => {
    const path = await tmpFile('目录.csv');
    await writeFile(path, iconv.encode([HEAD, ...ROWS].map(csvLine).join('\r\n'), 'gbk'));
    expect(await runAll(path)).toEqual(EXPECTED);
  });

  it('from a UTF-8 BOM CSV', async () => {
    const path = await tmpFile('目录.csv');
    await writeFile(path, `\ufeff${[HEAD, ...ROWS].map(csvLine).join('\n')}\n`);
    expect(await runAll(path)).toEqual(EXPECTED);
  });

  it('from an .xlsx with real date cells', async () => {
    const path = await tmpFile('目录.xlsx');
    const dateCol = HEAD.indexOf('日期');
    const rows = ROWS.map((r) =>
      r.map((c, i) =>
        i === dateCol && /^\d{8}$/u.test(c) ? { date: `${c.slice(0, 4)}-${c.slice(4, 6)}-${c.slice(6)}` } : c,
      ),
    );
    await writeXlsx(path, [HEAD, ...rows]);
    expect(await runAll(path)).toEqual(EXPECTED);
  });
});

describe('metadata items one by one', () => {
  it('do not apply when the package has no catalog', () => {
    for (const i of METADATA_ITEMS) expect(i.run(viewOf())).toHaveProperty('notApplicable');
  });

  it('are numbered as DA/T 70 and the brief say', () => {
    expect(METADATA_ITEMS.map((i) => `${i.property}-${i.number} ${i.key} ${i.stages.join('')}`)).toEqual([
      '1-2 field-length GDYJBC',
      '1-3 field-type GDYJBC',
      '1-4 field-domain GDYJBC',
      '1-5 field-reasonable GDYJBC',
      '1-6 illegal-characters GDYJBC',
      '1-7 archival-code GDYJBC',
      '1-8 no-duplicates GDYJBC',
      '2-3 metadata-elements GDYJBC',
      '2-4 mandatory-fields GDYJBC',
      '2-6 item-sequence GDYJBC',
      '3-2 catalog-readable GDYJBC',
      '4-4 classification GDYJ',
    ]);
    for (const i of METADATA_ITEMS) expect(i.title.zh).toMatch(/\p{Script=Han}/u);
    expect(DEFAULT_MANDATORY_FIELDS).toEqual(['档号', '题名', '责任者', '日期', '保管期限']);
  });

  it('field-type accepts the three date forms and a time, refuses others and impossible dates', () => {
    const dates = [
      '20110315',
      '2011-03-15',
      '2011',
      '2011-03-15 08:30',
      '2011-03-15T08:30:00',
      '2011/3/15',
      '2011年3月15日',
      '20110230',
      '2011-3-5',
    ];
    const v = item('field-type').run(withCatalog(catalogOf(dates.map((d) => ({ 日期: d })))));
    expect(findingsOf(v).map((f) => f.details?.value)).toEqual(['2011/3/15', '2011年3月15日', '20110230', '2011-3-5']);
    const n = item('field-type').run(withCatalog(catalogOf([{ 页数: '3页', 件号: '0001', 年度: '11' }])));
    expect(findingsOf(n).map((f) => f.details?.field)).toEqual(['页数', '年度']);
  });

  it('field-domain: retention names and codes, obsolete periods, secrecy marks, record classes', () => {
    const v = item('field-domain').run(
      withCatalog(
        catalogOf([
          { 保管期限: 'D30', 密级: '机密★10年', 门类代码: 'WS' },
          { 保管期限: '定期10年', 密级: '', 门类代码: '文书' },
          { 保管期限: '长期', 密级: '普通', 门类代码: 'AB' },
        ]),
      ),
    );
    const f = findingsOf(v);
    expect(f.map((x) => [x.details?.row, x.details?.field])).toEqual([
      ['目录.csv 第 4 行', '保管期限'],
      ['目录.csv 第 4 行', '密级'],
      ['目录.csv 第 4 行', '门类代码'],
    ]);
    expect(f[0]?.reason.zh).toContain('2006 年前');
    expect(f[0]?.details?.obsolete).toBe(true);
  });

  it('field-reasonable: before 1900, a page count of 0, 日期 against the 档号 when 年度 is absent', () => {
    const v = item('field-reasonable').run(
      withCatalog(
        catalogOf([
          { 日期: '18990101' },
          { 页数: '0' },
          { 日期: '20100101', 档号: 'Z109-WS·2011·Y-0001' },
          { 日期: '20260116' }, // tomorrow in UTC, today in Beijing: allowed
          { 日期: '20260117' },
        ]),
      ),
    );
    expect(rowsOf(v)).toEqual([2, 3, 4, 6]);
  });

  it('illegal-characters: U+FFFD, private use, zero-width; line breaks only outside 备注; padding is a warning', () => {
    const records: CatalogRecord[] = [
      { source: '目录.csv 第 2 行', fields: { 题名: '乱码\ufffd\ufffd' }, files: [] },
      { source: '目录.csv 第 3 行', fields: { 责任者: '造字\ue000' }, files: [] },
      { source: '目录.csv 第 4 行', fields: { 题名: '零宽\u200b空格' }, files: [] },
      { source: '目录.csv 第 5 行', fields: { 备注: '第一行\r\n第二行', 题名: '题名\n换行' }, files: [] },
      { source: '目录.csv 第 6 行', fields: { 题名: '正常的题名（含全角括号）《书名号》' }, files: [] },
      { source: '目录.csv 第 7 行', fields: { 题名: '读者未去空格 ' }, files: [] },
      { source: '目录.csv 第 8 行', fields: { 题名: '已去空格' }, files: [], padded: ['题名'] },
    ];
    const f = findingsOf(item('illegal-characters').run(withCatalog({ ...catalogOf([]), records })));
    expect(f.map((x) => [x.details?.row, x.details?.field])).toEqual([
      ['目录.csv 第 2 行', '题名'],
      ['目录.csv 第 3 行', '责任者'],
      ['目录.csv 第 4 行', '题名'],
      ['目录.csv 第 5 行', '题名'],
      ['目录.csv 第 7 行', '题名'],
      ['目录.csv 第 8 行', '题名'],
    ]);
    expect(f[0]?.details?.characters).toEqual(['U+FFFD']);
    expect(f[5]?.reason.en).toMatch(/^warning: /u);
  });

  it('archival-code: parse problems and disagreement with the 全宗号, 保管期限 and 件号 columns', () => {
    const v = item('archival-code').run(
      withCatalog(
        catalogOf([
          { 档号: 'Z109-WS·2011·Y·BGS-0001', 全宗号: 'Z109', 保管期限: 'Y', 件号: '1' },
          { 档号: 'Z109-WS·2011·Y·BGS-0002', 全宗号: 'Z110', 保管期限: '定期30年', 件号: '3' },
          { 档号: 'Z109-XX·2011·Y·BGS-0003', 全宗号: 'Z109', 保管期限: '永久', 件号: '3' },
          { 档号: '', 全宗号: 'Z109', 保管期限: '永久', 件号: '4' },
        ]),
      ),
    );
    const f = findingsOf(v);
    expect(f.map((x) => [x.object.ref, x.details?.field ?? x.details?.problems])).toEqual([
      ['Z109-WS·2011·Y·BGS-0002', '全宗号'],
      ['Z109-WS·2011·Y·BGS-0002', '保管期限'],
      ['Z109-WS·2011·Y·BGS-0002', '件号'],
      ['Z109-XX·2011·Y·BGS-0003', ['record-class']],
    ]);
    expect(f[3]?.reason.zh).toMatch(/^档号 “Z109-XX·2011·Y·BGS-0003” 不规范：门类代码 “XX”/u);
    expect(item('archival-code').run(withCatalog(catalogOf([{ 题名: '无档号列' }])))).toHaveProperty('notApplicable');
  });

  it('archival-code follows the center grammar', () => {
    const items = makeMetadataItems({ clock: fixedClock('2026-01-01T00:00:00Z'), grammar: { department: 'none' } });
    const ac = items.find((i) => i.key === 'archival-code') as CheckItem;
    const v = ac.run(withCatalog(catalogOf([{ 档号: 'Z109-WS·2011·Y-0001' }, { 档号: 'Z109-WS·2011·Y·BGS-0002' }])));
    expect(rowsOf(v)).toEqual([3]);
  });

  it('item-sequence: a series not starting at 0001, gaps named, separate series counted apart, volumes apart', () => {
    const codes = [
      'Z109-WS·2011·Y·BGS-0003',
      'Z109-WS·2011·Y·BGS-0004',
      'Z109-WS·2011·Y·BGS-0009',
      'Z109-WS·2011·Y·RSK-0001', // another department: its own series
      'Z109-WS·2011·D30·BGS-0001', // another retention: its own series
      'Z109-KJ·2011·Y-0001-0001',
      'Z109-KJ·2011·Y-0002-0001', // a new volume starts again at 1
      'Z109-KJ·2011·Y-0002-0002',
      'not a code', // left to archival-code
    ];
    const f = findingsOf(item('item-sequence').run(withCatalog(catalogOf(codes.map((档号) => ({ 档号 }))))));
    expect(f.map((x) => [x.object.ref, x.reason.en])).toEqual([
      ['Z109-WS·2011·Y·BGS-0003', 'item numbers of Z109-WS·2011·Y·BGS do not start at 0001: 0001–0002 missing'],
      ['Z109-WS·2011·Y·BGS-0009', 'item numbers of Z109-WS·2011·Y·BGS have a gap: 0005–0008 missing'],
    ]);
    expect(f[1]?.details).toMatchObject({ series: 'Z109-WS·2011·Y·BGS', missingFrom: 5, missingTo: 8 });
  });

  it('item-sequence without 档号: series from the 全宗号, 年度, 保管期限 and 件号 columns', () => {
    const rows = ['1', '2', '4'].map((件号) => ({ 全宗号: 'Z109', 年度: '2011', 保管期限: '永久', 件号 }));
    const f = findingsOf(item('item-sequence').run(withCatalog(catalogOf(rows))));
    expect(f.map((x) => x.reason.zh)).toEqual(['Z109-2011·Y 的件号不连续：缺 0003']);
  });

  it('no-duplicates: look-alike spellings of one 档号 are the same record', () => {
    const v = item('no-duplicates').run(
      withCatalog(
        catalogOf([
          { 档号: 'Z109-WS·2011·Y·BGS-0001' },
          { 档号: 'Z109-WS•2011•Y•BGS-0001' },
          { 档号: 'Z109-WS·2011·Y·BGS-0002' },
        ]),
      ),
    );
    expect(findingsOf(v).map((f) => f.details?.rows)).toEqual([['目录.csv 第 2 行', '目录.csv 第 3 行']]);
  });

  it('metadata-elements and mandatory-fields: a missing column is reported once, not on every row', () => {
    const catalog = catalogOf(
      [
        // Fields by canonical name; columns as written.
        { 档号: 'Z109-WS·2011·Y-0001', 题名: '甲', 文号: '', 日期: '2011', 保管期限: '永久' },
        { 档号: 'Z109-WS·2011·Y-0002', 题名: '', 文号: '', 日期: '2011', 保管期限: '永久' },
      ],
      ['档号', '题名', '文件编号', '形成时间', '保管期限'],
    );
    const elements = findingsOf(item('metadata-elements').run(withCatalog(catalog)));
    expect(elements.map((f) => [f.object, f.details?.field])).toEqual([[{ kind: 'file', ref: '目录.csv' }, '责任者']]);
    const mandatory = findingsOf(item('mandatory-fields').run(withCatalog(catalog)));
    expect(mandatory.map((f) => [f.object.ref, f.details?.missing])).toEqual([['Z109-WS·2011·Y-0002', ['题名']]]);
    const strict = viewOf({ catalog, settings: { ...viewOf().settings, mandatoryFields: ['档号', '文号'] } });
    expect(findingsOf(item('metadata-elements').run(strict))).toEqual([]);
    expect(rowsOf(item('mandatory-fields').run(strict))).toEqual([2, 3]);
  });

  it('catalog-readable reports the reader problems; metadata-elements does not pile on', () => {
    const problem: Finding = { object: { kind: 'file', ref: '目录.xlsx' }, reason: { zh: '坏', en: 'bad' } };
    const catalog: CatalogView = { sources: ['目录.xlsx'], records: [], columns: [], problems: [problem] };
    expect(item('catalog-readable').run(withCatalog(catalog))).toEqual({ findings: [problem] });
    expect(item('metadata-elements').run(withCatalog(catalog))).toHaveProperty('notApplicable');
  });

  it('classification: refused unless the center is an accredited classified system', () => {
    const catalog = catalogOf([{ 密级: '绝密' }, { 密级: '机密★5年' }, { 密级: '内部' }, { 密级: '' }]);
    const f = findingsOf(item('classification').run(withCatalog(catalog)));
    expect(rowsOf({ findings: f })).toEqual([2, 3]);
    expect(f[0]?.reason.zh).toContain('涉密信息系统');
    expect(f[0]?.reason.en).toContain('accredited classified system');
    const accredited = viewOf({ catalog, settings: { ...viewOf().settings, classifiedSystem: true } });
    expect(item('classification').run(accredited)).toEqual({ findings: [] });
  });

  it('field-length counts characters, not bytes or UTF-16 units', () => {
    const title = '𠀀'.repeat(500); // 500 characters outside the BMP: 1000 UTF-16 units
    const v = item('field-length').run(
      withCatalog(catalogOf([{ 题名: title }, { 题名: `${title}字` }, { 档号: 'Z'.repeat(51) }])),
    );
    expect(findingsOf(v).map((f) => [f.details?.row, f.details?.length, f.details?.max])).toEqual([
      ['目录.csv 第 3 行', 501, 500],
      ['目录.csv 第 4 行', 51, 50],
    ]);
  });
});
