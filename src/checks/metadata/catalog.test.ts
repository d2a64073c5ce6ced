import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import type { CatalogRecord } from '../types.js';
import { readCatalog } from './catalog.js';
import { writeXlsx } from './test-support/xlsx.js';

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function fileWith(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'yinji-catalog-'));
  made.push(dir);
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const HEAD = '档号,题名,责任者,日期,保管期限,密级,页数,文号,备注,计算机文件名';

describe('readCatalog: CSV', () => {
  it('reads a GBK (GB18030) catalog and links rows by 计算机文件名', async () => {
    const csv = [
      HEAD,
      'Z109-WS·2011·Y·BGS-0001,关于印发《档案工作规划》的通知,某某县档案局,20110315,永久,公开,3,县档发〔2011〕1号,,正文/0001.pdf',
      'Z109-WS·2011·Y·BGS-0002,会议纪要,某某县档案局,2011-04-02,永久,内部,5,,,正文\\0002.PDF;附件/0002-附件1.pdf',
      'Z109-WS·2011·Y·BGS-0003,工作总结,某某县档案局,2011,永久,,2,,,0003.pdf',
      'Z109-WS·2011·Y·BGS-0004,不存在的文件,某某县档案局,2011,永久,,1,,,缺失/0004.pdf',
    ].join('\r\n');
    const path = await fileWith('目录.csv', iconv.encode(csv, 'gbk'));
    const files = ['正文/0001.pdf', '正文/0002.pdf', '附件/0002-附件1.pdf', '扫描件/0003.pdf', '目录.csv'];
    const view = await readCatalog(path, files);
    expect(view.problems).toEqual([]);
    expect(view.sources).toEqual(['目录.csv']);
    expect(view.columns).toEqual(HEAD.split(','));
    expect(view.records).toHaveLength(4);
    expect(view.records[0]).toMatchObject({
      source: '目录.csv 第 2 行',
      fields: {
        档号: 'Z109-WS·2011·Y·BGS-0001',
        题名: '关于印发《档案工作规划》的通知',
        文号: '县档发〔2011〕1号',
        备注: '',
      },
      files: ['正文/0001.pdf'],
    });
    // "\" and case are forgiven; several files are split on ";".
    expect(view.records[1]?.files).toEqual(['正文/0002.pdf', '附件/0002-附件1.pdf']);
    // A bare name matches the one package file it ends.
    expect(view.records[2]?.files).toEqual(['扫描件/0003.pdf']);
    // A name that resolves to nothing is kept, for the item comparing metadata with files.
    expect(view.records[3]?.files).toEqual(['缺失/0004.pdf']);
  });

  it('reads a UTF-8 BOM catalog: heading variants, title rows, quotes, embedded commas and newlines', async () => {
    const csv =
      '\ufeff归档文件目录,,,,\n' +
      '档号,题  名,文件编号,形成时间,保管期限*,机构（问题）,自定义列\n' +
      'Z109-WS·2011·Y·BGS-0001,"关于""数字档案馆""建设的请示, 附预算",县档发〔2011〕2号,2011-05-06,永久,办公室,甲\n' +
      '"Z109-WS·2011·Y·BGS-0002","多行\r\n题名",,2011-06-01,永久,办公室,乙\n' +
      '\n' +
      ' Z109-WS·2011·Y·BGS-0003 ,末行无换行,,2011-07-01,永久,办公室,';
    const path = await fileWith('catalog.csv', csv);
    const files = [
      'Z109-WS.2011.Y.BGS-0001.pdf',
      'Z109-WS·2011·Y·BGS-0002/正文.ofd',
      'Z109-WS·2011·Y·BGS-0002/附件.ofd',
      'other.pdf',
    ];
    const view = await readCatalog(path, files, { name: 'metadata/catalog.csv' });
    expect(view.problems).toEqual([]);
    expect(view.sources).toEqual(['metadata/catalog.csv']);
    expect(view.columns).toEqual(['档号', '题  名', '文件编号', '形成时间', '保管期限*', '机构（问题）', '自定义列']);
    const [a, b, c] = view.records as CatalogRecord[];
    expect(a?.fields).toEqual({
      档号: 'Z109-WS·2011·Y·BGS-0001',
      题名: '关于"数字档案馆"建设的请示, 附预算',
      文号: '县档发〔2011〕2号',
      日期: '2011-05-06',
      保管期限: '永久',
      机构或问题: '办公室',
      自定义列: '甲',
    });
    expect(a?.source).toBe('metadata/catalog.csv 第 3 行');
    // No 计算机文件名 column: files named after the 档号 ("·" written as "."), or in a folder so named.
    expect(a?.files).toEqual(['Z109-WS.2011.Y.BGS-0001.pdf']);
    expect(b?.fields['题名']).toBe('多行\r\n题名');
    expect(b?.files).toEqual(['Z109-WS·2011·Y·BGS-0002/正文.ofd', 'Z109-WS·2011·Y·BGS-0002/附件.ofd']);
    expect(b?.source).toBe('metadata/catalog.csv 第 4 行');
    // The blank row is skipped; the padded 档号 is trimmed and remembered.
    expect(c?.source).toBe('metadata/catalog.csv 第 6 行');
    expect(c?.fields['档号']).toBe('Z109-WS·2011·Y·BGS-0003');
    expect(c?.padded).toEqual(['档号']);
    expect(c?.files).toEqual([]);
  });

  it('lists only named columns, keeping data found under an unnamed one', async () => {
    const path = await fileWith(
      '目录.csv',
      '档号,,题名,,\nZ109-WS·2011·Y·BGS-0001,无名列的值,题名一,,\nZ109-WS·2011·Y·BGS-0002,,题名二,,\n',
    );
    const view = await readCatalog(path, []);
    expect(view.problems).toEqual([]);
    expect(view.columns).toEqual(['档号', '题名']);
    expect(view.records.map((r) => r.fields)).toEqual([
      { 档号: 'Z109-WS·2011·Y·BGS-0001', 列2: '无名列的值', 题名: '题名一' },
      { 档号: 'Z109-WS·2011·Y·BGS-0002', 题名: '题名二' },
    ]);
  });

  it('reads UTF-16 tab-separated text (Excel "Unicode text")', async () => {
    const text = '档号\t题名\t日期\r\nZ109-WS·2011·Y·BGS-0001\t题名一\t20110101\r\n';
    const path = await fileWith('目录.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const view = await readCatalog(path, []);
    expect(view.problems).toEqual([]);
    expect(view.records[0]?.fields).toEqual({ 档号: 'Z109-WS·2011·Y·BGS-0001', 题名: '题名一', 日期: '20110101' });
  });

  it('reports rows with more cells than headings, an unclosed quote and undecodable bytes', async () => {
    const shifted = await fileWith('目录.csv', '档号,题名\nZ109-WS·2011·Y·BGS-0001,关于甲,乙的通知\n');
    const v1 = await readCatalog(shifted, []);
    expect(v1.problems.map((p) => p.reason.en)).toEqual([
      'row 2 has more cells than there are headings (an unquoted comma in a title?)',
    ]);
    expect(v1.problems[0]?.object).toEqual({ kind: 'file', ref: '目录.csv' });
    expect(v1.records[0]?.fields['列3']).toBe('乙的通知');

    const open = await fileWith('目录.csv', '档号,题名\nZ109-WS·2011·Y·BGS-0001,"没有闭合\n');
    const v2 = await readCatalog(open, []);
    expect(v2.problems.map((p) => p.reason.en)).toEqual([
      'the quoted field in row 2 is never closed; the file may be truncated',
    ]);
    expect(v2.records).toHaveLength(1);

    // Neither UTF-8 nor GB18030: a lone 0xFF byte.
    const bad = Buffer.concat([
      iconv.encode('档号,题名\nZ109-WS·2011·Y·BGS-0001,', 'gbk'),
      Buffer.from([0xff]),
      Buffer.from('\n'),
    ]);
    const v3 = await readCatalog(await fileWith('目录.csv', bad), []);
    expect(v3.problems).toHaveLength(1);
    expect(v3.problems[0]?.reason.zh).toContain('GB18030/GBK');
    expect(v3.records[0]?.fields['题名']).toContain('\ufffd');
  });
});

describe('readCatalog: .xlsx', () => {
  it('reads shared and inline strings, numbers, dates and rich text from the first visible sheet', async () => {
    const path = await fileWith('目录.xlsx', Buffer.alloc(0));
    await writeXlsx(
      path,
      [
        ['档号', '题名', '责任者', '日期', '保管期限', '页数', '成文日期', '计算机文件名', '备注'],
        [
          'Z109-WS·2011·Y·BGS-0001',
          { inline: '关于印发制度的通知' },
          '某某局',
          { date: '2011-03-15' },
          '永久',
          12,
          { date: '2011-03-16', format: 'chinese' },
          'a.pdf',
          { bool: true },
        ],
        [
          'Z109-WS·2011·Y·BGS-0002',
          { runs: ['多', '段'], phonetic: 'duō' },
          '某某局',
          20110401,
          'Y',
          0.1 + 0.2,
          null,
          'b.pdf',
        ],
        [],
        ['Z109-WS·2011·Y·BGS-0003', '第_x000D_行', undefined, undefined, undefined, 3],
      ],
      { hiddenFirstSheet: true },
    );
    const view = await readCatalog(path, ['a.pdf', 'b.pdf', '目录.xlsx']);
    expect(view.problems).toEqual([]);
    expect(view.columns).toEqual([
      '档号',
      '题名',
      '责任者',
      '日期',
      '保管期限',
      '页数',
      '成文日期',
      '计算机文件名',
      '备注',
    ]);
    expect(view.records.map((r) => r.source)).toEqual(['目录.xlsx 第 2 行', '目录.xlsx 第 3 行', '目录.xlsx 第 5 行']);
    const [a, b, c] = view.records;
    expect(a?.fields).toMatchObject({ 题名: '关于印发制度的通知', 日期: '2011-03-15', 页数: '12', 备注: 'TRUE' });
    // Two date columns: 成文日期 is a variant of 日期, so the second keeps its own heading.
    expect(a?.fields['成文日期']).toBe('2011-03-16');
    expect(a?.files).toEqual(['a.pdf']);
    expect(b?.fields).toMatchObject({ 题名: '多段', 日期: '20110401', 保管期限: 'Y', 页数: '0.3', 成文日期: '' });
    expect(c?.fields).toMatchObject({ 题名: '第\r行', 责任者: '', 页数: '3' });
  });

  it('reads prefixed elements, cells without references and the 1904 date system', async () => {
    const path = await fileWith('catalog.xlsx', Buffer.alloc(0));
    await writeXlsx(
      path,
      [
        ['档号', '题名', '日期'],
        ['Z109-WS·2011·Y·BGS-0001', '题名', { date: '2011-12-31' }],
      ],
      { prefixed: true, noRefs: true, date1904: true },
    );
    const view = await readCatalog(path, []);
    expect(view.problems).toEqual([]);
    expect(view.records[0]?.fields).toEqual({ 档号: 'Z109-WS·2011·Y·BGS-0001', 题名: '题名', 日期: '2011-12-31' });
  });

  it('finds the heading row under a title row and reads wide sheets', async () => {
    const path = await fileWith('目录.xlsx', Buffer.alloc(0));
    const wide = Array.from({ length: 40 }, (_, i) => `扩展${i}`);
    await writeXlsx(path, [
      ['某某县档案局归档文件目录'],
      [],
      ['档号', '题名', ...wide],
      ['Z109-WS·2011·Y·BGS-0001', '题名', ...wide.map((w) => `${w}值`)],
    ]);
    const view = await readCatalog(path, []);
    expect(view.problems).toEqual([]);
    expect(view.records[0]?.fields['扩展39']).toBe('扩展39值');
    expect(view.records[0]?.source).toBe('目录.xlsx 第 4 行');
  });
});

describe('readCatalog: problems are findings, never thrown', () => {
  const reasons = async (name: string, content: string | Buffer) =>
    (await readCatalog(await fileWith(name, content), [])).problems.map((p) => p.reason.en);

  it('an empty file, a file with no heading row, a missing file', async () => {
    expect(await reasons('目录.csv', '')).toEqual(['the catalog file is empty']);
    expect(await reasons('目录.csv', '序号,名称\n1,甲\n')).toEqual([
      'no heading row in the first 10 rows (one naming at least two fields such as 档号, 题名)',
    ]);
    const missing = await readCatalog('/nonexistent/目录.csv', []);
    expect(missing.sources).toEqual(['目录.csv']);
    expect(missing.problems[0]?.reason.en).toMatch(/^the catalog file cannot be read: ENOENT/u);
    expect(missing.problems[0]?.reason.en).not.toContain('/nonexistent'); // no server paths in a depositor's report
  });

  it('old .xls and password-protected workbooks, and a CSV named .xlsx', async () => {
    const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
    expect(await reasons('目录.xls', cfb)).toEqual([
      'the catalog is an old .xls or a password-protected workbook; remove the password and save it as .xlsx or CSV',
    ]);
    expect(await reasons('目录.xlsx', '档号,题名\n')).toEqual([
      'the file is named as an Excel workbook but is not one',
    ]);
  });

  it('a broken zip, a zip without a workbook, malformed sheet XML', async () => {
    const broken = await reasons('目录.xlsx', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100)]));
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^the catalog file cannot be read: /u);

    const zipOf = async (parts: Record<string, string>) => {
      const zip = new yazl.ZipFile();
      for (const [n, x] of Object.entries(parts)) zip.addBuffer(Buffer.from(x), n);
      zip.end();
      const chunks: Buffer[] = [];
      for await (const c of zip.outputStream) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    expect(await reasons('目录.xlsx', await zipOf({ 'a.txt': 'x' }))).toEqual([
      'the catalog file cannot be read: no workbook part (xl/workbook.xml)',
    ]);
    const malformed = await reasons(
      '目录.xlsx',
      await zipOf({
        'xl/workbook.xml': '<workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>',
        'xl/worksheets/sheet1.xml': '<worksheet><sheetData><row><c t="s"><v>0</v></row></sheetData></worksheet>',
      }),
    );
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatch(/^the catalog file cannot be read: xl\/worksheets\/sheet1.xml: \d+:\d+: /u);
  });
});
