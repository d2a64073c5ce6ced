import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import type { FormatReport } from '../types.js';
import { probeFormat } from './index.js';
import { writeFormatFixtures, type FormatFixtureName } from './test-support/format-fixtures.js';

const temp = tempDirs();
let paths: Readonly<Record<FormatFixtureName, string>>;

beforeAll(async () => {
  paths = await writeFormatFixtures(await temp.make());
});
afterAll(temp.cleanup);

type Expected = Partial<
  Pick<FormatReport, 'format' | 'valid' | 'encrypted' | 'pdfa' | 'extensionMismatch' | 'version'>
> & {
  /** Each must match one problem's English text; none means no problems. */
  readonly problems?: readonly RegExp[];
};

/** What the probe must say about each fixture (qpdf off: these are the structural checks alone). */
const EXPECTED: Readonly<Record<FormatFixtureName, Expected>> = {
  'valid.pdf': { format: 'pdf', version: '1.7', valid: true, encrypted: false, extensionMismatch: false },
  'classic.pdf': { format: 'pdf', valid: true, encrypted: false },
  'pdfa.pdf': { format: 'pdf', pdfa: '2b', valid: true, encrypted: false },
  'broken.pdf': { format: 'pdf', valid: false, problems: [/%%EOF/, /startxref/] },
  'encrypted.pdf': { format: 'pdf', version: '1.4', valid: true, encrypted: true },
  'valid.png': { format: 'png', valid: true },
  'bad-crc.png': { format: 'png', valid: false, problems: [/bad CRC in the IDAT chunk/] },
  'valid.jpg': { format: 'jpeg', version: 'baseline', valid: true },
  'truncated.jpg': { format: 'jpeg', valid: false, problems: [/no EOI/] },
  'valid.tif': { format: 'tiff', valid: true },
  'valid.gif': { format: 'gif', version: '89a', valid: true },
  'valid.bmp': { format: 'bmp', valid: true },
  'valid.ofd': { format: 'ofd', version: '1.0', valid: true, encrypted: false },
  'broken.ofd': { format: 'ofd', valid: false, problems: [/Doc_0\/Document\.xml named by DocRoot is missing/] },
  'document.docx': { format: 'docx', valid: true, encrypted: false, extensionMismatch: false },
  'encrypted.docx': { format: 'docx', encrypted: true, extensionMismatch: false },
  'legacy.doc': { format: 'doc', valid: true, encrypted: false },
  'encrypted.doc': { format: 'doc', valid: true, encrypted: true },
  'slides.ppt': { format: 'ppt', valid: true, encrypted: false },
  'encrypted.zip': { format: 'zip', valid: true, encrypted: true },
  'valid.xml': { format: 'xml', valid: true },
  'malformed.xml': { format: 'xml', valid: false, problems: [/not well-formed \(line 2, column \d+\)/] },
  'scan.pdf': { format: 'png', valid: true, extensionMismatch: true },
  'gbk.txt': { format: 'text', version: 'GB18030', valid: true, extensionMismatch: false },
  'empty.txt': { format: 'empty', valid: undefined, encrypted: false, extensionMismatch: false },
};

describe('probeFormat on the generated fixtures', () => {
  for (const [name, expected] of Object.entries(EXPECTED) as [FormatFixtureName, Expected][]) {
    it(name, async () => {
      const r = await probeFormat(paths[name], name, { qpdf: 'off' });
      const { problems, valid, ...facts } = expected;
      expect(r).toMatchObject(facts);
      if ('valid' in expected) expect(r.valid).toBe(valid);
      if (!('pdfa' in expected)) expect(r.pdfa).toBeUndefined();
      if (!('extensionMismatch' in expected)) expect(r.extensionMismatch).toBe(false);
      if (!('encrypted' in expected)) expect(r.encrypted).toBe(false);
      const texts = r.problems.map((p) => p.en);
      expect(texts).toHaveLength(problems?.length ?? 0);
      (problems ?? []).forEach((re, i) => expect(texts[i]).toMatch(re));
      for (const p of r.problems) expect(p.zh).toMatch(/[\u4e00-\u9fff]/); // every problem also in Chinese
    });
  }

  it('names and media types come with the format', async () => {
    expect(await probeFormat(paths['pdfa.pdf'], 'pdfa.pdf', { qpdf: 'off' })).toMatchObject({
      name: 'PDF/A-2b',
      mime: 'application/pdf',
      version: '1.7',
    });
    expect(await probeFormat(paths['valid.pdf'], 'x.pdf', { qpdf: 'off' })).toMatchObject({ name: 'PDF 1.7' });
    expect(await probeFormat(paths['valid.ofd'], 'x.ofd')).toMatchObject({
      name: 'OFD (GB/T 33190)',
      mime: 'application/ofd',
    });
    expect(await probeFormat(paths['gbk.txt'], 'x.txt')).toMatchObject({
      name: 'Plain text (GB18030)',
      mime: 'text/plain',
    });
    expect(await probeFormat(paths['empty.txt'], 'x.txt')).toMatchObject({ problems: [], mime: 'application/x-empty' });
  });

  it('identifies by content whatever the name says', async () => {
    expect(await probeFormat(paths['valid.png'], 'photo.JPG')).toMatchObject({
      format: 'png',
      extensionMismatch: true,
    });
    expect(await probeFormat(paths['document.docx'], 'report.doc')).toMatchObject({
      format: 'docx',
      extensionMismatch: true,
    });
    expect(await probeFormat(paths['legacy.doc'], 'report.docx')).toMatchObject({
      format: 'doc',
      extensionMismatch: true,
    });
    expect(await probeFormat(paths['valid.ofd'], 'scan.pdf')).toMatchObject({ format: 'ofd', extensionMismatch: true });
    expect(await probeFormat(paths['encrypted.docx'], 'secret.bin')).toMatchObject({
      format: 'ooxml',
      encrypted: true,
    });
    expect(await probeFormat(paths['encrypted.docx'], 'secret.zip')).toMatchObject({
      format: 'ooxml',
      extensionMismatch: true,
    });
  });

  it('takes equivalent extensions and text-ish names as matching', async () => {
    for (const name of ['a.jpg', 'a.jpeg', 'a.JPE', 'a.jfif'])
      expect((await probeFormat(paths['valid.jpg'], name)).extensionMismatch).toBe(false);
    for (const name of ['a.tif', 'a.TIFF'])
      expect((await probeFormat(paths['valid.tif'], name)).extensionMismatch).toBe(false);
    for (const name of ['a.txt', 'a.xml', 'dir/a.svg'])
      expect((await probeFormat(paths['valid.xml'], name)).extensionMismatch).toBe(false);
    for (const name of ['a.csv', 'a.log', 'README', 'a.unknownext', 'a.'])
      expect((await probeFormat(paths['gbk.txt'], name)).extensionMismatch).toBe(false);
    expect((await probeFormat(paths['gbk.txt'], 'a.xml')).extensionMismatch).toBe(true); // text, but no XML
    expect((await probeFormat(paths['document.docx'], 'a.zip')).extensionMismatch).toBe(false); // a docx is a zip
    expect((await probeFormat(paths['empty.txt'], 'a.pdf')).extensionMismatch).toBe(false); // an empty file promises nothing
  });

  it('reports an unknown binary under a known extension as a mismatch, under an unknown one not', async () => {
    const dir = await temp.make();
    const file = join(dir, 'blob');
    await writeFile(file, Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x00, 0x10]));
    expect(await probeFormat(file, 'scan.pdf')).toMatchObject({
      format: 'unknown',
      extensionMismatch: true,
      problems: [],
    });
    expect(await probeFormat(file, 'data.bin')).toMatchObject({ format: 'unknown', extensionMismatch: false });
    expect((await probeFormat(file, 'data.bin')).valid).toBeUndefined();
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(probeFormat(paths['valid.pdf'], 'a.pdf', { signal: controller.signal })).rejects.toThrow();
  });

  it('throws on a file that does not exist (an I/O error is not a format problem)', async () => {
    await expect(probeFormat(join(paths['valid.pdf'], '..', 'missing.pdf'), 'missing.pdf')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
