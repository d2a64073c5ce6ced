import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import { CSV_CHUNK_BYTES } from './csv.js';
import { detectEncoding, detectFileEncoding, readCsv, readTable, writeCsv, type TableRow } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'yinji-table-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNo = 0;
async function file(content: string | Buffer, ext = '.csv'): Promise<string> {
  const path = join(dir, `t${++fileNo}${ext}`);
  await writeFile(path, content);
  return path;
}

async function collect(rows: AsyncIterable<TableRow>): Promise<TableRow[]> {
  const out: TableRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

const lines = (rows: readonly TableRow[]) => rows.map((r) => r.line);
const cells = (rows: readonly TableRow[]) => rows.map((r) => r.cells);

const HEADER = ['档号', '题名', '责任者', '日期'];
const CATALOG = [
  HEADER,
  ['J001-WS·2020-Y-BGS-0012', '关于开展档案执法检查的通知', '浙江省档案局', '2020-03-15'],
  ['J001-WS·2020-Y-BGS-0013', '关于印发《档案工作规范》的通知', '办公室', '2020-04-01'],
];
const CATALOG_TEXT = CATALOG.map((r) => r.join(',')).join('\r\n') + '\r\n';

describe('detectEncoding', () => {
  it('trusts a BOM first', () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('utf-8');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x61, 0x00]))).toBe('utf-16le');
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0x00, 0x61]))).toBe('utf-16be');
    expect(detectEncoding(Buffer.from([0x84, 0x31, 0x95, 0x33]))).toBe('gb18030');
  });

  it('accepts UTF-8 cut in the middle of a character at the end of the head', () => {
    const bytes = Buffer.from('档号,题名', 'utf8');
    for (let cut = 1; cut <= bytes.length; cut++) expect(detectEncoding(bytes.subarray(0, cut))).toBe('utf-8');
  });

  it('takes anything that is not valid UTF-8 as GB18030', () => {
    expect(detectEncoding(iconv.encode(CATALOG_TEXT, 'gbk'))).toBe('gb18030');
    expect(detectEncoding(new Uint8Array())).toBe('utf-8');
    expect(detectEncoding(Buffer.from('plain ASCII'))).toBe('utf-8');
  });
});

describe('detectFileEncoding', () => {
  it('looks at the whole file: GBK after 64 KiB of ASCII is GB18030, not the UTF-8 the head suggests', async () => {
    const filler = Array.from({ length: 1000 }, (_, i) => `A${String(i).padStart(4, '0')},${'x'.repeat(60)}`);
    const bytes = iconv.encode(['code,title', ...filler, 'B0001,关于档案移交的报告'].join('\n'), 'gbk');
    expect(detectEncoding(bytes.subarray(0, CSV_CHUNK_BYTES))).toBe('utf-8');
    const path = await file(bytes);
    expect(await detectFileEncoding(path)).toBe('gb18030');
    const rows = await collect(readCsv(path, { encoding: await detectFileEncoding(path) }));
    expect(rows.at(-1)).toEqual({ line: 1002, cells: ['B0001', '关于档案移交的报告'] });
  });

  it('trusts a BOM, takes valid UTF-8 as UTF-8, and a character cut off at the end as not UTF-8', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('档号\t题名', 'utf-16le')]);
    expect(await detectFileEncoding(await file(le))).toBe('utf-16le');
    expect(await detectFileEncoding(await file(`\ufeff${CATALOG_TEXT}`))).toBe('utf-8');
    expect(await detectFileEncoding(await file(CATALOG_TEXT.repeat(3000)))).toBe('utf-8');
    expect(await detectFileEncoding(await file(''))).toBe('utf-8');
    const cut = Buffer.from('档号,题名', 'utf8');
    expect(await detectFileEncoding(await file(cut.subarray(0, cut.length - 1)))).toBe('gb18030');
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(detectFileEncoding(await file(CATALOG_TEXT), controller.signal)).rejects.toThrow();
  });
});

describe('readCsv: encodings', () => {
  it('reads UTF-8 without a BOM', async () => {
    const rows = await collect(readCsv(await file(CATALOG_TEXT)));
    expect(cells(rows)).toEqual(CATALOG);
    expect(lines(rows)).toEqual([1, 2, 3]);
  });

  it('reads UTF-8 with a BOM, which is not part of the first cell', async () => {
    const rows = await collect(readCsv(await file(`\ufeff${CATALOG_TEXT}`)));
    expect(rows[0]?.cells?.[0]).toBe('档号');
    expect(cells(rows)).toEqual(CATALOG);
  });

  it('reads GBK, as Chinese Excel saves "CSV"', async () => {
    const rows = await collect(readCsv(await file(iconv.encode(CATALOG_TEXT, 'gbk'))));
    expect(cells(rows)).toEqual(CATALOG);
  });

  it('reads UTF-16LE and UTF-16BE with a BOM (Excel "Unicode text")', async () => {
    const tsv = CATALOG.map((r) => r.join('\t')).join('\r\n');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(tsv, 'utf-16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(tsv, 'utf-16be')]);
    expect(cells(await collect(readCsv(await file(le, '.txt'))))).toEqual(CATALOG);
    expect(cells(await collect(readCsv(await file(be, '.txt'))))).toEqual(CATALOG);
  });

  it('lets `encoding` override the guess, and flags rows that do not decode', async () => {
    // 70 KB of ASCII first: the 64 KiB head is valid UTF-8, the GBK rows come later.
    const filler = Array.from({ length: 1000 }, (_, i) => `A${String(i).padStart(4, '0')},${'x'.repeat(60)}`);
    const text = ['code,title', ...filler, 'B0001,关于档案移交的报告'].join('\n');
    const path = await file(iconv.encode(text, 'gbk'));
    const guessed = await collect(readCsv(path));
    expect(guessed).toHaveLength(1002);
    expect(guessed.at(-1)).toMatchObject({ line: 1002, error: { zh: expect.stringContaining('UTF-8 CSV') } });
    const told = await collect(readCsv(path, { encoding: 'gb18030' }));
    expect(told.at(-1)).toEqual({ line: 1002, cells: ['B0001', '关于档案移交的报告'] });
  });

  it.each<['utf-8' | 'gbk']>([['utf-8'], ['gbk']])(
    'decodes %s characters split across read chunks of a multi-megabyte file',
    async (encoding) => {
      const expected: string[][] = [HEADER];
      for (let i = 1; i <= 80_000; i++) {
        expected.push([
          `J001-${String(i).padStart(6, '0')}`,
          `第${i}号：关于档案数字化的请示（${'档'.repeat(i % 7)}）`,
        ]);
      }
      const bytes = iconv.encode(expected.map((r) => r.join(',')).join('\r\n'), encoding);
      expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
      // The test only proves something if chunk boundaries fall inside characters. Decoding from the
      // last LF before a boundary is exact: 0x0A is never part of a multi-byte GBK or UTF-8 character.
      const boundaries = Array.from(
        { length: Math.floor(bytes.length / CSV_CHUNK_BYTES) },
        (_, i) => (i + 1) * CSV_CHUNK_BYTES,
      );
      const cutsCharacter = (b: number) =>
        iconv.decode(bytes.subarray(bytes.lastIndexOf(0x0a, b - 1) + 1, b), encoding).endsWith('\ufffd');
      expect(boundaries.filter(cutsCharacter).length).toBeGreaterThan(5);

      const rows = await collect(readCsv(await file(bytes)));
      expect(rows.filter((r) => r.error !== undefined)).toEqual([]);
      expect(cells(rows)).toEqual(expected);
      expect(rows.at(-1)?.line).toBe(80_001);
    },
  );
});

describe('readCsv: syntax', () => {
  it('reads quoted commas, doubled quotes and line breaks, numbering rows by their first line', async () => {
    const text = [
      '档号,题名,备注',
      'A1,"题名，含逗号, and a comma","他说""同意"""',
      'A2,"第一行\r\n第二行\n第三行",x',
      'A3,after,y',
      'A4,"",""""',
    ].join('\r\n');
    const rows = await collect(readCsv(await file(text)));
    expect(rows).toEqual([
      { line: 1, cells: ['档号', '题名', '备注'] },
      { line: 2, cells: ['A1', '题名，含逗号, and a comma', '他说"同意"'] },
      { line: 3, cells: ['A2', '第一行\r\n第二行\n第三行', 'x'] },
      { line: 6, cells: ['A3', 'after', 'y'] },
      { line: 7, cells: ['A4', '', '"'] },
    ]);
  });

  it('accepts LF, CRLF and lone CR line ends, and keeps stray quotes in unquoted fields', async () => {
    const rows = await collect(readCsv(await file('a,b\nc,d\r\ne,f\rg,5"寸"\n')));
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['c', 'd'] },
      { line: 3, cells: ['e', 'f'] },
      { line: 4, cells: ['g', '5"寸"'] },
    ]);
  });

  it('skips empty lines but keeps counting them, including a trailing one', async () => {
    const rows = await collect(readCsv(await file('档号,题名\n\n\r\nA1,题名一\n\nA2,\n,\n\n')));
    expect(rows).toEqual([
      { line: 1, cells: ['档号', '题名'] },
      { line: 4, cells: ['A1', '题名一'] },
      { line: 6, cells: ['A2', ''] },
      { line: 7, cells: ['', ''] },
    ]);
  });

  it('reads a tab-separated file when the first line has tabs and no commas', async () => {
    const rows = await collect(readCsv(await file('档号\t题名\nA1\t题名，含逗号, too\nA2\t"引号\t内"\n', '.tsv')));
    expect(cells(rows)).toEqual([
      ['档号', '题名'],
      ['A1', '题名，含逗号, too'],
      ['A2', '引号\t内'],
    ]);
    // A comma on the first line means CSV even if there are tabs too.
    expect(cells(await collect(readCsv(await file('a\tb,c\n'))))).toEqual([['a\tb', 'c']]);
  });

  it('yields the good rows, then an error row for a quote left open at the end of the file', async () => {
    const rows = await collect(readCsv(await file('档号,题名\nA1,好\nA2,"没有闭合\nA3,还在引号里\n')));
    expect(rows.slice(0, 2)).toEqual([
      { line: 1, cells: ['档号', '题名'] },
      { line: 2, cells: ['A1', '好'] },
    ]);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ line: 3, error: { zh: expect.stringContaining('引号'), en: expect.any(String) } });
    expect(rows[2]?.cells).toBeUndefined();
  });

  it('reports a cell over 32,767 characters on its row and reads on', async () => {
    const rows = await collect(readCsv(await file(`a,b\n1,${'长'.repeat(40_000)}\n2,ok\n`)));
    expect(rows[1]).toMatchObject({ line: 2, error: { zh: expect.stringContaining('32767') } });
    expect(rows[2]).toEqual({ line: 3, cells: ['2', 'ok'] });
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(readCsv(await file(CATALOG_TEXT), { signal: controller.signal }))).rejects.toThrow();
  });

  it('numbers rows as a spreadsheet shows them with numbering: row', async () => {
    const text = '档号,题名\r\nA1,"第一行\r\n第二行\n第三行"\r\n\r\nA2,x\nA3,"y\r"\rA4,z';
    const path = await file(text);
    const byLine = await collect(readCsv(path));
    const byRow = await collect(readCsv(path, { numbering: 'row' }));
    expect(cells(byRow)).toEqual(cells(byLine));
    expect(lines(byLine)).toEqual([1, 2, 6, 7, 9]);
    // The quoted line breaks stay in one row; the empty line is a row of its own.
    expect(lines(byRow)).toEqual([1, 2, 4, 5, 6]);
    const open = await collect(readCsv(await file('a,b\n\nc,"open\nstill'), { numbering: 'row' }));
    expect(open.at(-1)).toMatchObject({ line: 3, error: { zh: expect.stringContaining('第 3 行') } });
  });

  it('decodes GB18030 and CRLF inside quotes split across read chunks, numbering lines or rows', async () => {
    const text = '档号一,"题名，含逗号\r\n和换行",二\r\n'.repeat(20_000); // several 64 KiB chunks, boundaries falling anywhere
    const path = await file(iconv.encode(text, 'gb18030'));
    for (const numbering of ['line', 'row'] as const) {
      const rows = await collect(readCsv(path, { encoding: 'gb18030', numbering }));
      expect(rows).toHaveLength(20_000);
      expect(
        rows.every((r) => r.cells?.length === 3 && r.cells[1] === '题名，含逗号\r\n和换行' && r.cells[2] === '二'),
      ).toBe(true);
      expect(rows.every((r, i) => r.line === (numbering === 'line' ? 2 * i + 1 : i + 1))).toBe(true);
    }
  });

  it('says what was wrong with a row and gives its cells as far as they were read', async () => {
    const long = '长'.repeat(40_000);
    const bad = Buffer.concat([
      iconv.encode(`档号,题名\nA1,${long},尾\nA2,`, 'gbk'),
      Buffer.from([0xff]),
      iconv.encode(`,好\n${'x,'.repeat(16_384)}x\nA4,"没有闭合\n下一行`, 'gbk'),
    ]);
    const rows = await collect(readCsv(await file(bad), { encoding: 'gb18030' }));
    expect(rows.map((r) => [r.line, r.failure?.kind, r.cells])).toEqual([
      [1, undefined, ['档号', '题名']],
      [2, 'cell-too-long', undefined],
      [3, 'undecodable', undefined],
      [4, 'too-many-columns', undefined],
      [5, 'unclosed-quote', undefined],
    ]);
    expect(rows[1]?.failure?.cells).toEqual(['A1', '长'.repeat(32_767), '尾']);
    expect(rows[2]?.failure?.cells).toEqual(['A2', '\ufffd', '好']);
    expect(rows[3]?.failure?.cells).toHaveLength(16_384);
    expect(rows[4]?.failure?.cells).toEqual(['A4', '没有闭合\n下一行']);
    expect(rows.every((r) => r.failure === undefined || r.error !== undefined)).toBe(true);
  });
});

describe('readTable', () => {
  it('reads .csv, .txt and .tsv as CSV', async () => {
    for (const ext of ['.csv', '.TXT', '.tsv']) {
      expect(cells(await collect(readTable(await file(CATALOG_TEXT, ext))))).toEqual(CATALOG);
    }
  });

  it('refuses .xls and unknown extensions with a bilingual InvalidInputError', async () => {
    const xls = collect(readTable(await file('whatever', '.xls')));
    await expect(xls).rejects.toBeInstanceOf(InvalidInputError);
    await expect(xls).rejects.toMatchObject({ zh: expect.stringContaining('.xlsx') });
    const doc = collect(readTable(await file('whatever', '.doc')));
    await expect(doc).rejects.toBeInstanceOf(InvalidInputError);
    await expect(doc).rejects.toMatchObject({ zh: expect.stringContaining('.doc') });
  });
});

async function csvBytes(rows: readonly (readonly string[])[]): Promise<Buffer> {
  const path = join(dir, `w${++fileNo}.csv`);
  await writeCsv(rows, createWriteStream(path));
  return readFile(path);
}

describe('writeCsv', () => {
  it('writes a UTF-8 BOM, CRLF line ends and RFC 4180 quoting', async () => {
    const bytes = await csvBytes([
      ['档号', '题名'],
      ['a,b', '他说"好"'],
      ['一\n二', '三\r四'],
      [' 前空格', '后空格 '],
      ['', 'x'],
      [''],
    ]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe(
      '档号,题名\r\n"a,b","他说""好"""\r\n"一\n二","三\r四"\r\n" 前空格","后空格 "\r\n,x\r\n""\r\n',
    );
  });

  it('defuses formula injection but leaves plain numbers alone', async () => {
    const row = [
      '=HYPERLINK("http://x")',
      '+1+1',
      '-2+3',
      '@SUM(A1)',
      '\tTAB',
      '\rCR',
      '-12',
      '+3.5',
      '-1e3',
      '-',
      '0012',
    ];
    const text = (await csvBytes([row])).subarray(3).toString('utf8');
    expect(text).toBe(`"'=HYPERLINK(""http://x"")",'+1+1,'-2+3,'@SUM(A1),"'\tTAB","'\rCR",-12,+3.5,-1e3,'-,0012\r\n`);
  });

  it('reads back with readCsv exactly as written', async () => {
    const rows = [
      HEADER,
      ['J001-WS·2020-Y-BGS-0012', '关于"档案法"的说明，第一部分', '浙江省档案局;办公室', '2020-03-15'],
      ['0012', '第一行\r\n第二行', '', ' 空格 '],
      ['', '', '', ''],
      [''],
      ['尾行', 'x\ty', 'é🙂', '-12'],
    ];
    const path = join(dir, 'roundtrip.csv');
    await writeCsv(rows, createWriteStream(path));
    const back = await collect(readCsv(path));
    expect(cells(back)).toEqual(rows);
    expect(lines(back)).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('waits for a slow destination (backpressure) and writes every row in order', async () => {
    const chunks: Buffer[] = [];
    let waits = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        setTimeout(done, 1);
      },
    });
    slow.on('drain', () => (waits += 1));
    async function* many() {
      for (let i = 0; i < 20_000; i++) yield [`A${i}`, `题名${i}`];
    }
    await writeCsv(many(), slow);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(waits).toBeGreaterThan(0);
    expect(text.split('\r\n')).toHaveLength(20_001);
    expect(text.endsWith('A19999,题名19999\r\n')).toBe(true);
  });

  it('rejects when the destination fails', async () => {
    const broken = new Writable({
      write(_chunk, _enc, done) {
        done(new Error('disk on fire'));
      },
    });
    await expect(writeCsv([['a'], ['b']], broken)).rejects.toThrow('disk on fire');
  });
});
