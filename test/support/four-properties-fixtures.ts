/**
 * The fixture set of issue 4: one good package, and bad packages that each
 * break exactly one rule of the four-properties check (四性检测), with the
 * item id that must fail. Built deterministically from code (content bytes
 * from the format and EEP fixture builders) rather than kept as binary files,
 * so every fixture says in one place what it breaks; the EICAR test file is
 * assembled at run time so no scanner quarantines the repository.
 *
 * A package is a folder, as a unit hands it over: the records under 文书/, and
 * 目录.csv, the catalog with the Chinese headings archivists use, linking each
 * row to its file by 计算机文件名 and declaring each file's MD5.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import iconv from 'iconv-lite';
import { buildEep, rsaIdentity, type FixtureRecord } from '../../src/checks/eep/test-support/eep-fixtures.js';
import {
  encryptedPdfBytes,
  jpegBytes,
  pdfBytes,
  pdfaXmp,
  pngBytes,
} from '../../src/checks/formats/test-support/format-fixtures.js';
import { eicarBytes } from '../../src/checks/virus/test-support/clamd.js';

export interface Fixture {
  /** Folder or .eep file to deposit. */
  readonly path: string;
  /** The item ids that must fail under the strict profile; [] for a good package. */
  readonly failing: readonly string[];
  readonly breaks: string;
}

interface Row {
  档号: string;
  题名: string;
  文号: string;
  file: string;
  content: Buffer;
  md5?: string;
}

const HEADINGS = ['档号', '题名', '责任者', '日期', '保管期限', '密级', '页数', '文号', '计算机文件名', 'MD5'];

async function baseRows(): Promise<Row[]> {
  const pdfa = await pdfBytes({ xmp: pdfaXmp(2, 'B') });
  return [
    {
      档号: 'Z109-WS·2025·Y-0001',
      题名: '关于开展电子文件登记备份工作的通知',
      文号: '杭档〔2025〕1号',
      file: '文书/0001.pdf',
      content: pdfa,
    },
    {
      档号: 'Z109-WS·2025·Y-0002',
      题名: '登记备份现场照片',
      文号: '杭档〔2025〕2号',
      file: '文书/0002.jpg',
      content: jpegBytes(),
    },
    {
      档号: 'Z109-WS·2025·Y-0003',
      题名: '登记备份工作方案',
      文号: '杭档〔2025〕3号',
      file: '文书/0003.xml',
      content: Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<方案><标题>登记备份工作方案</标题></方案>\n'),
    },
  ];
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

async function writePackage(
  dir: string,
  rows: readonly Row[],
  options: { omitFile?: string; encoding?: 'utf8' | 'gbk' } = {},
): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const r of rows) {
    if (r.file === options.omitFile) continue;
    await mkdir(dirname(join(dir, r.file)), { recursive: true });
    await writeFile(join(dir, r.file), r.content);
  }
  const lines = [
    HEADINGS.join(','),
    ...rows.map((r) =>
      [r.档号, r.题名, '杭州市档案局', '20250301', '永久', '公开', '1', r.文号, r.file, r.md5 ?? md5(r.content)].join(
        ',',
      ),
    ),
  ];
  const csv = lines.join('\r\n') + '\r\n';
  await writeFile(join(dir, '目录.csv'), options.encoding === 'gbk' ? iconv.encode(csv, 'gbk') : csv);
  return dir;
}

/** Build every fixture under `root`; returns them by name. */
export async function writeFourPropertiesFixtures(root: string): Promise<Record<string, Fixture>> {
  const rows = await baseRows();
  const variant = (i: number, change: Partial<Row>): Row[] => rows.map((r, k) => (k === i ? { ...r, ...change } : r));
  const out: Record<string, Fixture> = {};
  const add = async (name: string, breaks: string, failing: string[], build: (dir: string) => Promise<string>) => {
    out[name] = { path: await build(join(root, name)), failing, breaks };
  };

  await add('good', 'nothing', [], (d) => writePackage(d, rows));
  await add('gbk-catalog', 'nothing: the catalog is GBK-encoded, as Chinese Excel saves CSV', [], (d) =>
    writePackage(d, rows, { encoding: 'gbk' }),
  );
  await add('wrong-digest', 'the MD5 declared for one file is wrong', ['YJ-1-1'], (d) =>
    writePackage(d, variant(1, { md5: '0'.repeat(32) })),
  );
  await add('missing-file', 'a file the catalog names is not in the package', ['YJ-1-11'], (d) =>
    writePackage(d, rows, { omitFile: rows[2]!.file }),
  );
  await add('bad-archival-code', 'one 档号 is not a DA/T 13 code', ['YJ-1-7'], (d) =>
    writePackage(d, variant(2, { 档号: 'Z109/WS/2025/Y/3' })),
  );
  await add('gap-in-item-numbers', 'item numbers jump from 0002 to 0004', ['YJ-2-6'], (d) =>
    writePackage(d, variant(2, { 档号: 'Z109-WS·2025·Y-0004' })),
  );
  await add('duplicate', 'one document is catalogued twice (same 文号 and 题名)', ['YJ-1-8'], (d) =>
    writePackage(d, variant(2, { 题名: rows[1]!.题名, 文号: rows[1]!.文号 })),
  );
  const broken = rows[0]!.content.subarray(0, Math.floor(rows[0]!.content.length * 0.6));
  await add('broken-pdf', 'a PDF cut short', ['YJ-3-4'], (d) => writePackage(d, variant(0, { content: broken })));
  await add('fake-extension', 'a PNG named .jpg', ['YJ-1-10'], (d) =>
    writePackage(d, variant(1, { content: pngBytes() })),
  );
  await add('encrypted-pdf', 'a password-protected PDF', ['YJ-3-8'], (d) =>
    writePackage(d, variant(0, { content: encryptedPdfBytes() })),
  );
  await add('eicar', 'a file carrying the EICAR test virus', ['YJ-4-2'], (d) =>
    writePackage(d, [
      ...rows,
      {
        档号: 'Z109-WS·2025·Y-0004',
        题名: '附件说明',
        文号: '杭档〔2025〕4号',
        file: '文书/0004.txt',
        content: eicarBytes(),
      },
    ]),
  );

  // EEP (DA/T 48): a signed package, the same changed after signing, and one cut short.
  const identity = await rsaIdentity();
  const record: FixtureRecord = {
    fields: {
      档号: 'Z109-WS·2025·Y-0001',
      全宗号: 'Z109',
      年度: '2025',
      保管期限: '永久',
      题名: '关于开展电子文件登记备份工作的通知',
      责任者: '杭州市档案局',
      日期: '20250301',
      密级: '公开',
    },
    documents: [{ name: '正文.pdf', content: rows[0]!.content, format: 'PDF' }],
  };
  const eep = buildEep([record], [identity]);
  const writeEep = async (name: string, xml: string): Promise<string> => {
    const file = join(root, `${name}.eep`);
    await writeFile(file, xml);
    return file;
  };
  await add('good-eep', 'nothing: a signed EEP package', [], () => writeEep('good-eep', eep.xml));
  await add('signature-not-matching', 'the EEP was changed after it was signed', ['YJ-1-1'], () =>
    writeEep('signature-not-matching', eep.xml.replace('登记备份工作的通知', '登记备份工作的决定')),
  );
  await add('malformed-eep', 'the EEP XML is cut short', ['YJ-3-1'], () =>
    writeEep('malformed-eep', eep.xml.slice(0, eep.xml.indexOf('<编码数据') + 200)),
  );
  return out;
}
