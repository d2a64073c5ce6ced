import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import { readTable, readXlsx, writeXlsx, type TableRow } from './index.js';
import { formatNumber, isDateFormat, isTimeFormat, serialToDate } from './xlsx-read.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'yinji-table-xlsx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNo = 0;
const tmp = (ext = '.xlsx') => join(dir, `t${++fileNo}${ext}`);

async function collect(rows: AsyncIterable<TableRow>): Promise<TableRow[]> {
  const out: TableRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** A zip of the given parts, as Excel would package them (yazl, deflated). */
async function zipOf(parts: Readonly<Record<string, string>>, path = tmp()): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(parts)) zip.addBuffer(Buffer.from(text, 'utf8'), name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  return path;
}

async function zipEntries(path: string): Promise<Map<string, string>> {
  const zip = await yauzl.openPromise(path);
  const out = new Map<string, string>();
  try {
    for await (const entry of zip.eachEntry()) {
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
    }
  } finally {
    zip.close();
  }
  return out;
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const sheetXml = (rows: string) =>
  `${XML}<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>${rows}</sheetData></worksheet>`;

/** The parts of an Excel-made workbook; `sheets` maps sheet names to the parts their relationships point at. */
function workbookParts(options: {
  sheets: readonly (readonly [name: string, target: string, xml: string])[];
  sharedStrings?: string;
  styles?: string;
  date1904?: boolean;
}): Record<string, string> {
  const parts: Record<string, string> = {
    '[Content_Types].xml': `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`,
    '_rels/.rels': `${XML}<Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  };
  const sheets = options.sheets.map(([name], i) => `<sheet name="${name}" sheetId="${i + 1}" r:id="rIdS${i}"/>`);
  parts['xl/workbook.xml'] =
    `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><workbookPr${options.date1904 ? ' date1904="1"' : ''}/>` +
    `<sheets>${sheets.join('')}</sheets></workbook>`;
  const rels = options.sheets.map(
    ([, target], i) => `<Relationship Id="rIdS${i}" Type="${REL}/worksheet" Target="${target}"/>`,
  );
  if (options.sharedStrings !== undefined) {
    rels.push(`<Relationship Id="rIdSS" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>`);
    parts['xl/sharedStrings.xml'] = options.sharedStrings;
  }
  if (options.styles !== undefined) {
    rels.push(`<Relationship Id="rIdST" Type="${REL}/styles" Target="styles.xml"/>`);
    parts['xl/styles.xml'] = options.styles;
  }
  parts['xl/_rels/workbook.xml.rels'] = `${XML}<Relationships xmlns="${PKG_REL}">${rels.join('')}</Relationships>`;
  for (const [, target, xml] of options.sheets) parts[`xl/${target}`] = xml;
  return parts;
}

const SHARED_STRINGS =
  `${XML}<sst xmlns="${MAIN}" count="4" uniqueCount="4">` +
  '<si><t>档号</t></si>' +
  // Rich text: runs with their own formatting (§18.4.4 r).
  '<si><r><rPr><b/></rPr><t>题</t></r><r><rPr><i/></rPr><t xml:space="preserve">名 </t></r></si>' +
  // A phonetic run (§18.4.6 rPh) that is not part of the text.
  '<si><t>日期</t><rPh sb="0" eb="2"><t>rìqī</t></rPh><phoneticPr fontId="1"/></si>' +
  '<si><t>回车_x000D_换行 &amp; _x005F_x0041_</t></si>' +
  '</sst>';

// cellXfs: 0 General, 1 built-in 14 (date), 2 custom yyyy年m月d日, 3 built-in 2 (0.00), 4 custom "第"0"号", 5 custom with quoted 年.
// The decoy xf in cellStyleXfs must not shift the cellXfs indexes.
const STYLES =
  `${XML}<styleSheet xmlns="${MAIN}">` +
  '<numFmts count="3"><numFmt numFmtId="176" formatCode="yyyy年m月d日"/>' +
  '<numFmt numFmtId="177" formatCode="&quot;第&quot;0&quot;号&quot;"/>' +
  '<numFmt numFmtId="178" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts>' +
  '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>' +
  '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="176"/>' +
  '<xf numFmtId="2"/><xf numFmtId="177"/><xf numFmtId="178"/></cellXfs>' +
  '</styleSheet>';

const DATA_SHEET = sheetXml(
  // Row 1: only A1 and C1.
  '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>' +
    '<row r="2">' +
    '<c r="A2"><v>12.000000</v></c>' +
    '<c r="B2" s="3"><v>3.5</v></c>' +
    '<c r="C2" s="1"><v>43831</v></c>' +
    '<c r="D2" t="b"><v>1</v></c>' +
    '<c r="E2"><f>A2+B2</f><v>15.5</v></c>' +
    '<c r="F2" s="2"><v>44197.5</v></c>' +
    '<c r="G2" t="str"><f>"档"&amp;"案"</f><v>档案</v></c>' +
    '<c r="H2" t="inlineStr"><is><t>内联 &lt;文本&gt;</t></is></c>' +
    '<c r="I2" s="4"><v>7</v></c>' +
    '<c r="J2" t="b"><v>0</v></c>' +
    '<c r="K2"><v>1.5E-3</v></c>' +
    '<c r="L2" s="5"><v>45352</v></c>' +
    '<c r="M2" t="e"><v>#N/A</v></c>' +
    '<c r="N2" s="1"/>' + // styled but empty: adds nothing
    '</row>' +
    // Row 5 after a gap; cells without r follow the one before.
    '<row r="5"><c r="B5" t="s"><v>2</v></c><c s="1"><v>60</v></c><c t="s"><v>3</v></c></row>' +
    // A row of formatting only is skipped, as an empty CSV line is.
    '<row r="6" customHeight="1" ht="30"/>',
);

/** A sheet at the conventional path that the relationships do not make the first sheet. */
const DECOY_SHEET = sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>说明页</t></is></c></row>');

async function excelWorkbook(date1904 = false): Promise<string> {
  return zipOf(
    workbookParts({
      sheets: [
        ['目录', 'worksheets/data.xml', DATA_SHEET],
        ['说明', 'worksheets/sheet1.xml', DECOY_SHEET],
      ],
      sharedStrings: SHARED_STRINGS,
      styles: STYLES,
      date1904,
    }),
  );
}

describe('readXlsx: a workbook as Excel writes it', () => {
  it('reads every kind of cell from the sheet the relationships point at', async () => {
    const rows = await collect(readXlsx(await excelWorkbook()));
    expect(rows).toEqual([
      { line: 1, cells: ['档号', '', '题名 '] },
      {
        line: 2,
        cells: [
          '12',
          '3.5',
          '2020-01-01',
          'TRUE',
          '15.5',
          '2021-01-01 12:00:00',
          '档案',
          '内联 <文本>',
          '7',
          'FALSE',
          '0.0015',
          '2024-03-01',
          '#N/A',
        ],
      },
      { line: 5, cells: ['', '日期', '1900-02-29', '回车\r换行 & _x0041_'] },
    ]);
  });

  it('honours the 1904 date system', async () => {
    const rows = await collect(readXlsx(await excelWorkbook(true)));
    expect(rows[1]?.cells?.[2]).toBe('2024-01-02'); // 43831 days after 1904-01-01
    expect(rows[2]?.cells?.[2]).toBe('1904-03-01');
  });

  it('chooses another sheet by name or 0-based index, and refuses one that is not there', async () => {
    const path = await excelWorkbook();
    const decoy = [{ line: 1, cells: ['说明页'] }];
    expect(await collect(readXlsx(path, { sheet: '说明' }))).toEqual(decoy);
    expect(await collect(readXlsx(path, { sheet: 1 }))).toEqual(decoy);
    expect((await collect(readXlsx(path, { sheet: 0 })))[0]?.cells?.[0]).toBe('档号');
    const missing = collect(readXlsx(path, { sheet: '附件' }));
    await expect(missing).rejects.toBeInstanceOf(InvalidInputError);
    await expect(missing).rejects.toMatchObject({ zh: expect.stringContaining('目录、说明') });
    await expect(collect(readXlsx(path, { sheet: 2 }))).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('passes over a hidden first sheet by default', async () => {
    const parts = workbookParts({
      sheets: [
        ['隐藏', 'worksheets/sheet1.xml', DECOY_SHEET],
        [
          '目录',
          'worksheets/sheet2.xml',
          sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>可见</t></is></c></row>'),
        ],
      ],
    });
    parts['xl/workbook.xml'] = (parts['xl/workbook.xml'] ?? '').replace('name="隐藏"', 'name="隐藏" state="hidden"');
    expect(await collect(readXlsx(await zipOf(parts)))).toEqual([{ line: 1, cells: ['可见'] }]);
  });

  it('falls back to xl/worksheets/sheet1.xml when the relationship is missing', async () => {
    const parts = workbookParts({ sheets: [['目录', 'worksheets/sheet1.xml', DECOY_SHEET]] });
    parts['xl/_rels/workbook.xml.rels'] = `${XML}<Relationships xmlns="${PKG_REL}"/>`;
    expect(await collect(readXlsx(await zipOf(parts)))).toEqual([{ line: 1, cells: ['说明页'] }]);
  });

  it('marks a row with a cell over 32,767 characters and reads on', async () => {
    const long = '长'.repeat(40_000);
    const sheet = sheetXml(
      '<row r="1"><c r="A1" t="inlineStr"><is><t>题名</t></is></c></row>' +
        `<row r="2"><c r="A2" t="inlineStr"><is><t>${long}</t></is></c></row>` +
        '<row r="3"><c r="A3" t="s"><v>99</v></c></row>' + // no such shared string
        '<row r="4"><c r="A4" t="inlineStr"><is><t>好</t></is></c></row>',
    );
    const rows = await collect(
      readXlsx(await zipOf(workbookParts({ sheets: [['目录', 'worksheets/sheet1.xml', sheet]] }))),
    );
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(rows[1]).toMatchObject({ line: 2, error: { zh: expect.stringContaining('32767') } });
    expect(rows[1]?.cells).toBeUndefined();
    expect(rows[2]).toMatchObject({ line: 3, error: { zh: expect.stringContaining('共享字符串') } });
    expect(rows[3]).toEqual({ line: 4, cells: ['好'] });
  });

  it('says what was wrong with a row and gives its cells as far as they were read', async () => {
    const sheet = sheetXml(
      `<row r="1"><c r="A1" t="inlineStr"><is><t>${'长'.repeat(40_000)}</t></is></c><c r="B1" t="inlineStr"><is><t>后</t></is></c></row>` +
        '<row r="2"><c r="A2" t="inlineStr"><is><t>前</t></is></c><c r="B2" t="s"><v>99</v></c><c r="C2"><v>3</v></c></row>' +
        '<row r="3"><c r="A3" t="inlineStr"><is><t>列内</t></is></c><c r="XFE3" t="inlineStr"><is><t>列外</t></is></c></row>',
    );
    const rows = await collect(
      readXlsx(await zipOf(workbookParts({ sheets: [['目录', 'worksheets/sheet1.xml', sheet]] }))),
    );
    expect(rows.map((r) => [r.line, r.failure?.kind])).toEqual([
      [1, 'cell-too-long'],
      [2, 'missing-shared-string'],
      [3, 'too-many-columns'],
    ]);
    expect(rows[0]?.failure?.cells).toEqual(['长'.repeat(32_767), '后']);
    expect(rows[1]?.failure?.cells).toEqual(['前', '', '3']);
    expect(rows[2]?.failure?.cells).toEqual(['列内']);
  });
});

describe('readXlsx: values', () => {
  it.each<[number, boolean, string | undefined]>([
    [1, false, '1900-01-01'],
    [59, false, '1900-02-28'],
    [60, false, '1900-02-29'],
    [61, false, '1900-03-01'],
    [43831, false, '2020-01-01'],
    [43831.75, false, '2020-01-01 18:00:00'],
    [43831.99999999, false, '2020-01-02'],
    [0.5, false, '12:00:00'],
    [0, true, '1904-01-01'],
    [40617, false, '2011-03-15'],
    [40617.5, false, '2011-03-15 12:00:00'],
    [45351, false, '2024-02-29'], // a real leap day, past the fictitious one
    [39155, true, '2011-03-15'],
    [16710, true, '1949-10-01'],
    [2_958_465, false, '9999-12-31'],
    [2_958_466, false, undefined],
    [-1, false, undefined],
  ])('serial %d (1904: %s) → %s', (serial, date1904, expected) => {
    expect(serialToDate(serial, date1904)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['yyyy年m月d日', true],
    ['yyyy"年"m"月"d"日"', true],
    ['[$-804]yyyy-mm-dd', true],
    ['[DBNum1][$-804]yyyy"年"m"月"', true],
    ['0.00', false],
    ['"第"0"号"', false],
    ['#,##0"元";[Red]-#,##0"元"', false],
    ['yyyy-mm-dd hh:mm', true],
    ['[h]:mm:ss', false],
    ['h:mm', false],
    ['mm:ss.0', false],
    ['\\d0', false],
    ['@', false],
    ['yyyy-mm-dd', true],
    ['[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy', true],
    ['[Red]0.00', false],
    ['General', false],
  ])('format %s is a date: %s', (code, expected) => {
    expect(isDateFormat(code)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['h:mm:ss', true],
    ['h:mm AM/PM', true],
    ['hh"时"mm"分"', true],
    ['mm:ss.0', true],
    ['[h]:mm:ss', false], // elapsed time runs past 24 hours: not a time of day
    ['[mm]:ss', false],
    ['yyyy-mm-dd', false],
    ['0.00"s"', false],
    ['\\s0', false],
    ['General', false],
    ['@', false],
  ])('format %s is a time of day: %s', (code, expected) => {
    expect(isTimeFormat(code)).toBe(expected);
  });

  it.each<[string, string]>([
    ['12.000000', '12'],
    ['0.30000000000000004', '0.3'], // 0.1 + 0.2: Excel keeps and shows 15 significant digits
    ['1.0000000000000002', '1'],
    ['-2.5E-7', '-2.5e-7'],
    ['123456789012345', '123456789012345'],
    [' ', ''],
    ['abc', 'abc'],
  ])('number %s is shown as %s', (raw, shown) => {
    expect(formatNumber(raw)).toBe(shown);
  });

  it('shows a custom time-of-day format as a time and a long binary fraction as Excel does', async () => {
    const styles =
      `${XML}<styleSheet xmlns="${MAIN}"><numFmts count="2"><numFmt numFmtId="176" formatCode="h:mm:ss"/>` +
      '<numFmt numFmtId="177" formatCode="[h]:mm:ss"/></numFmts>' +
      '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="176"/><xf numFmtId="177"/></cellXfs></styleSheet>';
    const sheet = sheetXml(
      '<row r="1"><c r="A1" s="1"><v>0.75</v></c><c r="B1" s="2"><v>1.5</v></c><c r="C1"><v>0.30000000000000004</v></c></row>',
    );
    const path = await zipOf(workbookParts({ sheets: [['目录', 'worksheets/sheet1.xml', sheet]], styles }));
    expect(await collect(readXlsx(path))).toEqual([{ line: 1, cells: ['18:00:00', '1.5', '0.3'] }]);
  });
});

describe('writeXlsx → readXlsx', () => {
  const ROWS = [
    ['档号', '题名', '备注', '日期'],
    ['0012', '关于开展档案执法检查的通知', '', '2020-03-15'],
    ['J001-WS·2020-Y-BGS-0013', 'A & B <c> "引号" \'单引号\'', '中间为空', ''],
    ['0013', '控制\u0001字符\u0008被删除\uFFFE', '换行\n第二行\r\n第三行', ' 前后空格 '],
    ['-12', '=SUM(A1)', '_x0041_ 不是转义', '\uD800孤立代理对\uDC00被删除 🙂'],
  ];

  it('round-trips Chinese text, leading zeros, empty cells and special characters', async () => {
    const path = tmp();
    await writeXlsx(ROWS, path);
    const rows = await collect(readXlsx(path));
    expect(rows).toEqual([
      { line: 1, cells: ROWS[0] },
      { line: 2, cells: ROWS[1] },
      { line: 3, cells: ['J001-WS·2020-Y-BGS-0013', 'A & B <c> "引号" \'单引号\'', '中间为空'] },
      { line: 4, cells: ['0013', '控制字符被删除', '换行\n第二行\r\n第三行', ' 前后空格 '] },
      { line: 5, cells: ['-12', '=SUM(A1)', '_x0041_ 不是转义', '孤立代理对被删除 🙂'] },
    ]);
    expect(await readdir(dir)).not.toContain(`${basename(path)}.tmp`);
  });

  it('writes the parts Excel, WPS and LibreOffice expect, with a bold frozen header and text cells', async () => {
    const path = tmp();
    await writeXlsx(ROWS, path, { sheetName: '文书档案' });
    const parts = await zipEntries(path);
    expect([...parts.keys()].sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'docProps/app.xml',
      'docProps/core.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
    ]);
    expect(parts.get('xl/workbook.xml')).toContain('<sheet name="文书档案" sheetId="1" r:id="rId1"/>');
    expect(parts.get('xl/styles.xml')).toMatch(/<font><b\/>/u);
    const sheet = parts.get('xl/worksheets/sheet1.xml') ?? '';
    expect(sheet).toContain('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>');
    expect(sheet).toContain('<c r="A1" s="1" t="inlineStr"><is><t>档号</t></is></c>');
    expect(sheet).toContain('<c r="A2" t="inlineStr"><is><t>0012</t></is></c>');
    expect(sheet).toContain('&amp; B &lt;c&gt; &quot;引号&quot; &apos;单引号&apos;');
    expect(sheet).not.toMatch(/[\u0001\u0008]/u);
    expect(await collect(readXlsx(path, { sheet: '文书档案' }))).toHaveLength(5);
  });

  it('streams 6,000 rows from an async source and reads them back in order', async () => {
    async function* rows() {
      yield ['档号', '题名', '页数'];
      for (let i = 1; i <= 6_000; i++)
        yield [`J001-WS·2020-Y-BGS-${String(i).padStart(4, '0')}`, `第${i}件`, String(i % 9)];
    }
    const path = tmp();
    await writeXlsx(rows(), path);
    let count = 0;
    let last: TableRow | undefined;
    for await (const row of readTable(path)) {
      count += 1;
      expect(row.line).toBe(count);
      last = row;
    }
    expect(count).toBe(6_001);
    expect(last).toEqual({ line: 6_001, cells: ['J001-WS·2020-Y-BGS-6000', '第6000件', String(6_000 % 9)] });
  });

  it('refuses what Excel cannot hold and leaves no file behind', async () => {
    const path = tmp();
    const tooLong = writeXlsx([['题名'], ['长'.repeat(32_768)]], path);
    await expect(tooLong).rejects.toBeInstanceOf(InvalidInputError);
    await expect(tooLong).rejects.toMatchObject({ zh: expect.stringContaining('32767') });
    await expect(writeXlsx([['a']], path, { sheetName: 'a/b' })).rejects.toBeInstanceOf(InvalidInputError);
    const names = await readdir(dir);
    expect(names).not.toContain(basename(path));
    expect(names).not.toContain(`${basename(path)}.tmp`);
  });

  it('removes the temporary file and rethrows when the rows fail midway', async () => {
    const path = tmp();
    let returned = false;
    async function* failing() {
      try {
        for (let i = 0; i < 20_000; i++) yield [`第${i}行`, '内容'.repeat(20)];
        throw new Error('database went away');
      } finally {
        returned = true;
      }
    }
    await expect(writeXlsx(failing(), path)).rejects.toThrow('database went away');
    expect(returned).toBe(true);
    const names = await readdir(dir);
    expect(names).not.toContain(basename(path));
    expect(names).not.toContain(`${basename(path)}.tmp`);
  });
  it('stops pulling rows when the file cannot be written', async () => {
    let started = false;
    let finished = false;
    function* endless() {
      started = true;
      try {
        for (let i = 0; ; i++) yield [`第${i}行`];
      } finally {
        finished = true;
      }
    }
    const path = join(dir, 'no-such-dir', 'out.xlsx');
    await expect(writeXlsx(endless(), path)).rejects.toMatchObject({ code: 'ENOENT' });
    // Either the rows were never asked for, or their iterator was closed: nothing keeps pulling.
    expect(started === finished).toBe(true);
  });
});

describe('readXlsx: files that are not (good) workbooks', () => {
  it('refuses an old .xls (CFB) file, saying to save as .xlsx', async () => {
    const cfb = Buffer.alloc(1024);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(cfb);
    for (const ext of ['.xlsx', '.xls']) {
      const path = tmp(ext);
      await writeFile(path, cfb);
      const read = collect(ext === '.xls' ? readTable(path) : readXlsx(path));
      await expect(read).rejects.toBeInstanceOf(InvalidInputError);
      await expect(read).rejects.toMatchObject({
        zh: expect.stringContaining('.xlsx'),
        message: expect.stringContaining('.xlsx'),
      });
    }
  });

  it('refuses a file that is not a zip, and an HTML table named .xlsx', async () => {
    const text = tmp();
    await writeFile(text, '档号,题名\n0012,通知\n');
    await expect(collect(readXlsx(text))).rejects.toBeInstanceOf(InvalidInputError);
    const html = tmp();
    await writeFile(html, '<html><body><table><tr><td>档号</td></tr></table></body></html>');
    await expect(collect(readXlsx(html))).rejects.toMatchObject({ zh: expect.stringContaining('HTML') });
    await expect(collect(readXlsx(join(dir, 'missing.xlsx')))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a zip without a workbook', async () => {
    const path = await zipOf({ 'hello.txt': '你好', 'word/document.xml': '<w:document/>' });
    const read = collect(readXlsx(path));
    await expect(read).rejects.toBeInstanceOf(InvalidInputError);
    await expect(read).rejects.toMatchObject({ zh: expect.stringContaining('xl/workbook.xml') });
    // The technical fact too, for a report that quotes it (the four-properties check).
    await expect(read).rejects.toMatchObject({ details: { reason: 'no workbook part (xl/workbook.xml)' } });
  });

  it('yields the complete rows of a sheet cut off in the middle of row 40, then one error row', async () => {
    let rows = '';
    for (let r = 1; r <= 100; r++) {
      rows += `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>第${r}行</t></is></c><c r="B${r}"><v>${r}</v></c></row>`;
    }
    const full = sheetXml(rows);
    const cut = full.slice(0, full.indexOf('<row r="40">') + '<row r="40"><c r="A40" t="inlineStr"><is><t>第'.length);
    const path = await zipOf(workbookParts({ sheets: [['目录', 'worksheets/sheet1.xml', cut]] }));
    const read = await collect(readXlsx(path));
    expect(read).toHaveLength(40);
    expect(read.slice(0, 39)).toEqual(
      Array.from({ length: 39 }, (_, i) => ({ line: i + 1, cells: [`第${i + 1}行`, String(i + 1)] })),
    );
    expect(read[39]).toMatchObject({
      line: 40,
      error: { zh: expect.stringContaining('第 40 行'), en: expect.any(String) },
      // The part and the parser's own words ("1:5432: unexpected end."), with no cells.
      failure: { kind: 'damaged', reason: expect.stringMatching(/^xl\/worksheets\/sheet1\.xml: \d+:\d+: /u) },
    });
    expect(read[39]?.failure?.cells).toBeUndefined();
  });

  it('yields the rows before corrupt deflate data, then one error row', async () => {
    const path = tmp();
    const source = Array.from({ length: 20_000 }, (_, i) => [`第${i + 1}行`, `J001-${i * 7919}`]);
    await writeXlsx(source, path);
    const { start, size } = await entryData(path, 'xl/worksheets/sheet1.xml');
    const file = await open(path, 'r+');
    await file.write(Buffer.alloc(64, 0xff), 0, 64, start + Math.floor(size / 2));
    await file.close();
    const read = await collect(readXlsx(path));
    const last = read.at(-1);
    expect(last?.error).toBeDefined();
    const good = read.slice(0, -1);
    expect(good.length).toBeGreaterThan(100);
    expect(good.length).toBeLessThan(source.length);
    expect(good).toEqual(source.slice(0, good.length).map((cells, i) => ({ line: i + 1, cells })));
    expect(last?.line).toBe(good.length + 1);
  });

  it('refuses an entry declared larger than 1 GiB before inflating it', async () => {
    const path = tmp();
    await writeXlsx([['a'], ['b']], path);
    await patchDeclaredSize(path, 'xl/worksheets/sheet1.xml', 0x4000_0001);
    const read = collect(readXlsx(path));
    await expect(read).rejects.toBeInstanceOf(InvalidInputError);
    await expect(read).rejects.toMatchObject({ details: { size: 0x4000_0001 } });
  });

  it('refuses shared strings over 256 MiB, which would be held in memory', async () => {
    const path = await excelWorkbook();
    await patchDeclaredSize(path, 'xl/sharedStrings.xml', 256 * 1024 * 1024 + 1);
    const read = collect(readXlsx(path));
    await expect(read).rejects.toBeInstanceOf(InvalidInputError);
    await expect(read).rejects.toMatchObject({ details: { part: 'xl/sharedStrings.xml', limit: 256 * 1024 * 1024 } });
  });

  it('stops reading an entry that inflates to more than it declares', async () => {
    const path = tmp();
    await writeXlsx(
      Array.from({ length: 2_000 }, (_, i) => [`第${i}行`]),
      path,
    );
    await patchDeclaredSize(path, 'xl/worksheets/sheet1.xml', 100);
    const read = await collect(readXlsx(path));
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ line: 1, error: expect.any(Object) });
  });

  it('stops when the signal is aborted', async () => {
    const path = await excelWorkbook();
    const controller = new AbortController();
    controller.abort();
    await expect(collect(readXlsx(path, { signal: controller.signal }))).rejects.toThrow();
  });
});

/** Where an entry's compressed bytes are in the file. */
async function entryData(path: string, name: string): Promise<{ start: number; size: number }> {
  const zip = await yauzl.openPromise(path);
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== name) continue;
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      return { start: fileDataStart, size: entry.compressedSize };
    }
  } finally {
    zip.close();
  }
  throw new Error(`${name} not in ${path}`);
}

/** Rewrite the uncompressed size an entry's central directory header declares (APPNOTE 4.3.12, offset 24). */
async function patchDeclaredSize(path: string, name: string, size: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size: length } = await file.stat();
    const bytes = Buffer.alloc(length);
    await file.read(bytes, 0, length, 0);
    const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]); // central directory file header
    for (let at = bytes.indexOf(signature); at >= 0; at = bytes.indexOf(signature, at + 4)) {
      const nameLength = bytes.readUInt16LE(at + 28);
      if (bytes.toString('utf8', at + 46, at + 46 + nameLength) !== name) continue;
      const patch = Buffer.alloc(4);
      patch.writeUInt32LE(size);
      await file.write(patch, 0, 4, at + 24);
      return;
    }
    throw new Error(`${name} not in ${path}`);
  } finally {
    await file.close();
  }
}
