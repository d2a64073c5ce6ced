import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import yazl from 'yazl';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../db/database.suite.js';
import { readTable } from '../packages/table/index.js';
import { exportCatalog } from './export.js';
import { importCatalog } from './import.js';
import { searchCatalog } from './search.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'yinji-catalog-import-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const CSV = [
  '档号,题名,责任者,日期,保管期限,页数,开放状态',
  'J001-WS·2020-Y-BGS-0001,关于印发社会保险基金管理办法的通知,临安区人力资源和社会保障局,20200501,永久,3,开放',
  'J001-WS·2020-Y-BGS-0002,,临安区财政局,2020-05-02,永久,2,开放', // no title
  'J001-WS·2020-Y-BGS-0003,防汛防台工作总结,临安区水利局,2020-13-40,永久,2,开放', // no such date
  'J001-WS·2020-Y-BGS-0004,老旧小区改造方案,临安区住房和城乡建设局,2020年6月1日,定期30年,十,控制', // pages
  'J001-WS·2020-Y-BGS-0005,垃圾分类实施意见,临安区综合行政执法局,2020/7/1,D10,5,',
  'J001-WS·2020-Y-BGS-0001,重复档号的条目,某局,2020,永久,1,开放', // repeats row 2
].join('\r\n');

/** A workbook whose sheet XML breaks off inside row 4 (a truncated upload). */
async function truncatedXlsx(path: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const rels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`;
  zip.addBuffer(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
    ),
    '[Content_Types].xml',
  );
  zip.addBuffer(
    Buffer.from(
      `${rels}<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    '_rels/.rels',
  );
  zip.addBuffer(
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="目录" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    'xl/workbook.xml',
  );
  zip.addBuffer(
    Buffer.from(
      `${rels}<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ),
    'xl/_rels/workbook.xml.rels',
  );
  const cell = (ref: string, text: string): string => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
  const sheet =
    `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
    `<row r="1">${cell('A1', '档号')}${cell('B1', '题名')}${cell('C1', '开放状态')}</row>` +
    `<row r="2">${cell('A2', 'J002-WS·2021-Y-0001')}${cell('B2', '档案数字化项目验收报告')}${cell('C2', '开放')}</row>` +
    `<row r="3">${cell('A3', 'J002-WS·2021-Y-0002')}${cell('B3', '')}${cell('C3', '开放')}</row>` +
    `<row r="4">${cell('A4', 'J002-WS·2021-Y-0003')}<c r="B4" t="inlineStr"><is><t>会议纪`;
  zip.addBuffer(Buffer.from(sheet), 'xl/worksheets/sheet1.xml');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  await writeFile(path, Buffer.concat(chunks));
}

describeEachDialect('catalog import', (t) => {
  it('imports a GBK-encoded CSV row by row: bad rows reported with their row numbers, good rows kept', async () => {
    const file = join(dir, '目录.csv');
    await writeFile(file, iconv.encode(CSV, 'gbk'));
    const report = await importCatalog(t.db().catalog, file, { unitCode: 'U1' });
    expect(report).toMatchObject({ rows: 6, imported: 2, updated: 0, rejected: 4 });
    expect(report.problems.map((p) => [p.line, p.field])).toEqual([
      [3, 'title'],
      [4, 'date'],
      [5, 'pages'],
      [7, 'archivalCode'],
    ]);
    expect(report.problems[3]!.message.zh).toContain('第 2 行重复');
    const all = await t.db().catalog.list({}, { kind: 'all' }, 0, 100);
    expect(all.map((e) => e.archivalCode)).toEqual(['J001-WS·2020-Y-BGS-0001', 'J001-WS·2020-Y-BGS-0005']);
    const byCode = new Map(all.map((e) => [e.archivalCode, e]));
    expect(byCode.get('J001-WS·2020-Y-BGS-0001')).toMatchObject({
      title: '关于印发社会保险基金管理办法的通知',
      date: '2020-05-01',
      fonds: 'J001',
      category: 'WS',
      year: 2020,
      itemNumber: '0001',
      retention: '永久',
      pages: 3,
      openStatus: 'open',
    });
    // No open status given: controlled, so nothing becomes public by omission; D10 is 定期10年.
    expect(byCode.get('J001-WS·2020-Y-BGS-0005')).toMatchObject({ openStatus: 'controlled', retention: '定期10年' });
    const found = await searchCatalog(t.db().catalog, { query: '社会保险基金', access: { kind: 'open' } });
    expect(found.hits.map((h) => h.archivalCode)).toEqual(['J001-WS·2020-Y-BGS-0001']);
  });

  it('keeps the rows of an xlsx cut off in the middle, reports the break, and updates on re-import', async () => {
    const file = join(dir, '目录.xlsx');
    await truncatedXlsx(file);
    const report = await importCatalog(t.db().catalog, file, { unitCode: 'U2' });
    expect(report).toMatchObject({ rows: 3, imported: 1, rejected: 2 });
    expect(report.problems.map((p) => p.line)).toEqual([3, 4]);
    expect(report.problems[1]!.message.en).toMatch(/./);

    // Export, and import the export again: same entries, updated in place.
    const out = join(dir, 'export.xlsx');
    expect(await exportCatalog(t.db().catalog, out, { format: 'xlsx', access: { kind: 'all' } })).toBe(1);
    const rows = [];
    for await (const r of readTable(out)) rows.push(r.cells);
    expect(rows[1]?.slice(0, 6)).toEqual([
      'J002-WS·2021-Y-0001',
      'J002',
      'WS',
      '2021',
      '0001',
      '档案数字化项目验收报告',
    ]);
    const again = await importCatalog(t.db().catalog, out, { unitCode: 'U2' });
    expect(again).toMatchObject({ rows: 1, imported: 0, updated: 1, rejected: 0 });
    expect(await t.db().catalog.count()).toBe(1);
  });

  it('refuses a sheet without a title column, saying which headings it found', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, '编号,名称\n1,文件\n');
    await expect(importCatalog(t.db().catalog, file, { unitCode: 'U1' })).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
      zh: expect.stringContaining('编号、名称') as string,
    });
    const mapped = await importCatalog(t.db().catalog, file, { unitCode: 'U1', mapping: { 名称: 'title' } });
    expect(mapped).toMatchObject({ imported: 1 });
  });
});
