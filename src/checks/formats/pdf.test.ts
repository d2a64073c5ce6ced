import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import { probeFormat, qpdfAvailable } from './index.js';
import {
  classicPdf,
  encryptedPdfBytes,
  pdfaXmp,
  pdfBytes,
  plainClassicPdfBytes,
} from './test-support/format-fixtures.js';
import { probeBytes, problemsOf } from './test-support/probe-bytes.js';

const temp = tempDirs();
let dir: string;
let hasQpdf = false;
beforeAll(async () => {
  dir = await temp.make();
  hasQpdf = await qpdfAvailable();
});
afterAll(temp.cleanup);

const PAGES = [
  '<< /Type /Catalog /Pages 2 0 R >>',
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
];

describe('PDF structure (ISO 32000-1 §7.5)', () => {
  it('accepts a classic cross-reference table and a cross-reference stream', async () => {
    expect(await probeBytes(dir, plainClassicPdfBytes(), 'a.pdf')).toMatchObject({ valid: true, version: '1.4' });
    expect(await probeBytes(dir, await pdfBytes(), 'b.pdf')).toMatchObject({ valid: true, version: '1.7' });
  });

  it('finds a startxref that points at nothing', async () => {
    const pdf = plainClassicPdfBytes().toString('latin1');
    const moved = pdf.replace(/startxref\n(\d+)/, (_m, n: string) => `startxref\n${Number(n) - 7}`);
    const r = await probeBytes(dir, Buffer.from(moved, 'latin1'), 'moved.pdf');
    expect(r.valid).toBe(false);
    expect(problemsOf(r)).toEqual([expect.stringMatching(/no cross-reference table or stream/)]);
  });

  it('finds a startxref beyond the end of the file', async () => {
    const pdf = plainClassicPdfBytes()
      .toString('latin1')
      .replace(/startxref\n\d+/, 'startxref\n999999');
    expect(problemsOf(await probeBytes(dir, Buffer.from(pdf, 'latin1'), 'far.pdf'))).toEqual([
      expect.stringMatching(/beyond the end of the file/),
    ]);
  });

  it('wants a /Root in the trailer', async () => {
    const r = await probeBytes(dir, classicPdf(PAGES, '/Info 1 0 R'), 'noroot.pdf');
    expect(problemsOf(r)).toEqual([expect.stringMatching(/no \/Root/)]);
  });

  it('wants %%EOF within the last 1024 bytes', async () => {
    const pdf = Buffer.concat([plainClassicPdfBytes(), Buffer.alloc(2000, 0x20)]);
    expect(problemsOf(await probeBytes(dir, pdf, 'padded.pdf'))).toContainEqual(expect.stringMatching(/%%EOF/));
  });

  it('tolerates junk before the header, counting offsets from the header', async () => {
    const pdf = Buffer.concat([Buffer.from('garbage line\n'), plainClassicPdfBytes()]);
    expect(await probeBytes(dir, pdf, 'junk.pdf')).toMatchObject({ format: 'pdf', valid: true });
  });

  it('flags /Encrypt in the trailer, for a table and for a cross-reference stream', async () => {
    expect(await probeBytes(dir, encryptedPdfBytes(), 'enc.pdf')).toMatchObject({ encrypted: true, valid: true });
    expect((await probeBytes(dir, plainClassicPdfBytes(), 'plain.pdf')).encrypted).toBe(false);
    // A cross-reference stream's dictionary is the trailer (§7.5.8.2).
    const xrefStream = Buffer.from(
      '%PDF-1.5\n1 0 obj\n<< /Type /Catalog >>\nendobj\n' +
        '2 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Root 1 0 R /Encrypt 5 0 R /Length 0 >>\nstream\n\nendstream\nendobj\n',
      'latin1',
    );
    const at = xrefStream.indexOf('2 0 obj');
    const pdf = Buffer.concat([xrefStream, Buffer.from(`startxref\n${at}\n%%EOF\n`, 'latin1')]);
    expect(await probeBytes(dir, pdf, 'xs.pdf')).toMatchObject({ encrypted: true, valid: true });
  });

  it('reads PDF/A part and conformance from XMP in element and attribute form', async () => {
    expect(await probeBytes(dir, await pdfBytes({ xmp: pdfaXmp(1, 'A', true) }), 'a1.pdf')).toMatchObject({
      pdfa: '1a',
      name: 'PDF/A-1a',
    });
    expect((await probeBytes(dir, await pdfBytes({ xmp: pdfaXmp(3, 'u') }), 'a3.pdf')).pdfa).toBe('3u');
    expect((await probeBytes(dir, await pdfBytes({ xmp: '<x:xmpmeta/>' }), 'none.pdf')).pdfa).toBeUndefined();
  });

  it('finds the XMP packet past the first chunk of a large file', async () => {
    const filler = `<< /Filler (${'x'.repeat(3 * 1024 * 1024)}) >>`;
    const xmp = `<< /Type /Metadata /Subtype /XML /Length 400 >>\nstream\n${pdfaXmp(2, 'U')}\nendstream`;
    const r = await probeBytes(dir, classicPdf([...PAGES, filler, xmp], '/Root 1 0 R'), 'large.pdf');
    expect(r).toMatchObject({ valid: true, pdfa: '2u' });
  });
});

describe('PDF with qpdf --check', () => {
  it('runs qpdf when asked and present, and agrees on sound files', async (ctx) => {
    if (!hasQpdf) return ctx.skip('qpdf is not installed (apt-get install qpdf)');
    for (const bytes of [await pdfBytes(), plainClassicPdfBytes(), await pdfBytes({ xmp: pdfaXmp(2, 'B') })]) {
      expect(await probeBytes(dir, bytes, 'q.pdf', { qpdf: 'auto' })).toMatchObject({ valid: true, problems: [] });
    }
  });

  it('reports what only qpdf sees: a stream that does not decode', async (ctx) => {
    if (!hasQpdf) return ctx.skip('qpdf is not installed (apt-get install qpdf)');
    const bad = classicPdf(
      [
        ...PAGES.slice(0, 2),
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Contents 4 0 R >>',
        '<< /Length 8 /Filter /FlateDecode >>\nstream\nnot-zlib\nendstream',
      ],
      '/Root 1 0 R',
    );
    expect((await probeBytes(dir, bad, 'flate.pdf')).valid).toBe(true); // structure alone looks fine
    const r = await probeBytes(dir, bad, 'flate.pdf', { qpdf: 'auto' });
    expect(r.valid).toBe(false);
    expect(problemsOf(r)[0]).toMatch(/^qpdf --check found an error: .*flate/i);
    expect(problemsOf(r).join()).not.toContain(dir); // staging paths stay out of messages
  });

  it('reads linearized files, whose first cross-reference section is at the start', async (ctx) => {
    if (!hasQpdf) return ctx.skip('qpdf is not installed (apt-get install qpdf)');
    const plain = join(dir, 'lin-src.pdf');
    const lin = join(dir, 'lin.pdf');
    await writeFile(plain, await pdfBytes({ xmp: pdfaXmp(1, 'B'), classicXref: true }));
    await promisify(execFile)('qpdf', ['--linearize', '--', plain, lin]);
    expect(await probeFormat(lin, 'lin.pdf', { qpdf: 'off' })).toMatchObject({ valid: true, pdfa: '1b', problems: [] });
  });

  it('does not call a password-protected PDF broken', async (ctx) => {
    if (!hasQpdf) return ctx.skip('qpdf is not installed (apt-get install qpdf)');
    expect(await probeBytes(dir, encryptedPdfBytes(), 'pw.pdf', { qpdf: 'auto' })).toMatchObject({
      encrypted: true,
      valid: true,
    });
    // And a real one, encrypted by qpdf itself (AES-256, user password).
    const plain = join(dir, 'plain-src.pdf');
    const enc = join(dir, 'qpdf-enc.pdf');
    await writeFile(plain, await pdfBytes());
    await promisify(execFile)('qpdf', ['--encrypt', 'user', 'owner', '256', '--', plain, enc]);
    expect(await probeFormat(enc, 'enc.pdf', { qpdf: 'auto' })).toMatchObject({ encrypted: true, valid: true });
  });
});
