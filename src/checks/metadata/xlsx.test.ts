import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from './csv.js';
import { writeXlsx, excelSerial } from './test-support/xlsx.js';
import { isDateFormat, readXlsx, serialToIso } from './xlsx.js';

let dir: string | undefined;
const tmp = async (name: string) => {
  dir ??= await mkdtemp(join(tmpdir(), 'yinji-xlsx-'));
  return join(dir, name);
};
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('serialToIso', () => {
  it.each<[number, boolean, string]>([
    [1, false, '1900-01-01'],
    [59, false, '1900-02-28'],
    [60, false, '1900-02-29'], // Excel's fictitious day, kept so it is reported as a bad date
    [61, false, '1900-03-01'],
    [40617, false, '2011-03-15'],
    [40617.5, false, '2011-03-15 12:00:00'],
    [0.75, false, '18:00:00'],
    [0, true, '1904-01-01'],
    [39155, true, '2011-03-15'],
  ])('%d (1904: %s) → %s', (serial, date1904, iso) => {
    expect(serialToIso(serial, date1904)).toBe(iso);
  });

  it('agrees with the test writer', () => {
    expect(serialToIso(excelSerial('2024-02-29'))).toBe('2024-02-29');
    expect(serialToIso(excelSerial('1949-10-01', true), true)).toBe('1949-10-01');
  });
});

describe('isDateFormat', () => {
  it.each<[string, boolean]>([
    ['yyyy-mm-dd', true],
    ['yyyy"年"m"月"d"日"', true],
    ['[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy', true],
    ['[DBNum1][$-804]yyyy"年"m"月"d"日"', true],
    ['h:mm:ss', true],
    ['0.00', false],
    ['#,##0"元"', false],
    ['"第"0"页"', false],
    ['[Red]0.00', false],
    ['General', false],
    ['@', false],
  ])('%s → %s', (code, expected) => {
    expect(isDateFormat(code)).toBe(expected);
  });
});

describe('streaming', () => {
  it('reads a 20,000-row sheet row by row', async () => {
    const rows = [['档号', '题名', '日期']];
    for (let i = 1; i <= 20_000; i++)
      rows.push([`Z109-WS·2011·Y·BGS-${String(i).padStart(5, '0')}`, `题名${i}`, '2011-01-01']);
    const path = await tmp('big.xlsx');
    await writeXlsx(path, rows);
    let count = 0;
    let last: readonly string[] = [];
    const r = await readXlsx(path, (_row, cells) => {
      count += 1;
      last = cells;
    });
    expect(r).toEqual({ sheet: '目录', rows: 20_001, problems: [] });
    expect(count).toBe(20_001);
    expect(last).toEqual(['Z109-WS·2011·Y·BGS-20000', '题名20000', '2011-01-01']);
  });

  it('decodes GB18030 and CRLF split across read chunks', async () => {
    const line = '档号一,"题名，含逗号\r\n和换行",二\r\n';
    const text = line.repeat(20_000); // several 64 KiB chunks, boundaries falling anywhere
    const path = await tmp('big.csv');
    await writeFile(path, iconv.encode(text, 'gb18030'));
    const rows: string[][] = [];
    const r = await readCsv(path, (_row, cells) => rows.push([...cells]));
    expect(r).toMatchObject({ encoding: 'gb18030', delimiter: ',', rows: 20_000, problems: [] });
    expect(rows.every((c) => c.length === 3 && c[1] === '题名，含逗号\r\n和换行' && c[2] === '二')).toBe(true);
  });

  it('reads UTF-8 with a BOM as UTF-8 and a lone CR as a line end', async () => {
    const path = await tmp('cr.csv');
    await writeFile(path, '\ufeffa,b\rc,d\r');
    const rows: string[][] = [];
    const r = await readCsv(path, (_row, cells) => rows.push([...cells]));
    expect(r.encoding).toBe('utf-8');
    expect(rows).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});
