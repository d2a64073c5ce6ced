import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateData } from './certificate-data.js';
import { resolveCjkFontPath } from './font.js';
import { formatBeijingDate, formatBeijingTime, formatCount, formatGigabytes } from './format.js';
import { moduleRuns, qrMatrix } from './qr-matrix.js';
import { renderCertificate } from './render.js';

const DATA: CertificateData = {
  centerName: '杭州市电子文件和数字档案登记备份中心',
  regno: 'HZ-2026-000123',
  unitName: '杭州市社会保险管理服务中心',
  unitCode: '12330100470100123X',
  title: '2025年度社保业务电子档案（第一批）',
  version: 2,
  itemCount: 12345,
  fileCount: 23456,
  byteCount: 12_345_678_901,
  digestAlgorithm: 'SHA-256',
  rootDigest: 'f70064f32cdc3e80f08fb44398ed1bce72a37a5bbef48149f4fe2d02de3b9c23',
  registeredAt: new Date('2026-11-21T06:05:09Z'),
  timestampTime: new Date('2026-11-21T06:05:10Z'),
  timestampAuthority: '杭州市电子文件和数字档案登记备份中心 TSA',
  logIndex: 41,
  treeSize: 42,
  verifyUrl: 'https://djbf.example.gov.cn/verify?regno=HZ-2026-000123&v=2&root=f70064f32cdc3e80',
  issuedAt: new Date('2026-11-22T01:00:00Z'),
};

let tmp: string;
let pdfPath: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-cert-'));
  pdfPath = join(tmp, 'c.pdf');
  await writeFile(pdfPath, await renderCertificate(DATA));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('registration certificate PDF', () => {
  it('prints the registration in Chinese, readable back from the PDF', () => {
    // pdftotext re-spaces runs of mixed CJK and Latin text: compare with whitespace removed.
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString().replace(/\s+/g, '');
    for (const s of [
      '档案登记证明',
      'HZ-2026-000123',
      '杭州市社会保险管理服务中心',
      '2025年度社保业务电子档案（第一批）',
      '12.346 GB（12,345,678,901 字节）',
      '12,345 件',
      '第 2 版',
      '2026年11月21日 14:05:09（北京时间）',
      'f70064f32cdc3e80f08fb44398ed1bce',
      '签发日期：2026年11月22日',
    ]) {
      expect(text).toContain(s.replace(/\s+/g, ''));
    }
  });

  it('renders to PNG with pdftoppm and stays small (the CJK font is subset)', async () => {
    execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', pdfPath, join(tmp, 'page')]);
    expect((await stat(join(tmp, 'page.png'))).size).toBeGreaterThan(10_000);
    expect((await stat(pdfPath)).size).toBeLessThan(200_000);
  });

  it('draws exactly the QR modules the qrcode library encodes for the verify URL', () => {
    const matrix = qrMatrix(DATA.verifyUrl);
    const reference = QRCode.create(DATA.verifyUrl, { errorCorrectionLevel: 'M' }).modules;
    expect(matrix.size).toBe(reference.size);
    const drawn = new Set(
      moduleRuns(matrix).flatMap((r) => Array.from({ length: r.width }, (_, i) => `${r.row},${r.col + i}`)),
    );
    for (let r = 0; r < reference.size; r++) {
      for (let c = 0; c < reference.size; c++) expect(drawn.has(`${r},${c}`)).toBe(reference.get(r, c) !== 0);
    }
  });

  it('says what to install when no CJK font is found', () => {
    expect(() => resolveCjkFontPath({ env: {}, candidates: ['/nonexistent/font.ttf'] })).toThrow(
      expect.objectContaining({
        code: 'E_FONT_MISSING',
        message: expect.stringContaining('apt-get install fonts-arphic-gbsn00lp'),
      }),
    );
  });

  it('refuses data that would print a wrong certificate', async () => {
    await expect(renderCertificate({ ...DATA, logIndex: 42 })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  });
});

describe('certificate formats', () => {
  it('prints volume in decimal GB to three places, rounding half up', () => {
    expect(formatGigabytes(0)).toBe('0.000');
    expect(formatGigabytes(1_499_999)).toBe('0.001');
    expect(formatGigabytes(1_500_000)).toBe('0.002');
    expect(formatGigabytes(12_345_000_000)).toBe('12.345');
    expect(formatGigabytes(2n ** 60n)).toBe('1152921504.607');
    expect(formatCount(1234567)).toBe('1,234,567');
  });

  it('prints Beijing time whatever the server time zone', () => {
    expect(formatBeijingTime(new Date('2026-12-31T16:30:05Z'))).toBe('2027年01月01日 00:30:05');
    expect(formatBeijingDate(new Date('2026-12-31T15:59:59Z'))).toBe('2026年12月31日');
  });
});
