import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, PageSizes, StandardFonts, degrees, rgb } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YinjiError } from '../core/index.js';
import { watermarkPdf } from './watermark.js';
import type { WatermarkResult } from './watermark.js';

// Real qpdf, pdftotext and pdftoppm (Debian qpdf, poppler-utils); nothing is mocked.

const LINES = ['印记 利用副本 仅供利用', '张三 (zhangsan) 2026-12-07 16:30 UTC', '利用申请 #12'];
const [A4W, A4H] = PageSizes.A4;

let tmp: string;
let original: string;
let originalSha: string;
let marked: string;
let result: WatermarkResult;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-watermark-test-'));
  original = join(tmp, 'original.pdf');
  await writeFile(original, await samplePdf());
  originalSha = sha256(await readFile(original));
  marked = join(tmp, 'out', 'copy.pdf');
  await mkdir(join(tmp, 'out'));
  result = await watermarkPdf(original, marked, { lines: LINES });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A4 portrait, A4 landscape, and A4 portrait shown turned by /Rotate 90; a black frame and a line of text each. */
async function samplePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = doc.embedStandardFont(StandardFonts.Helvetica);
  const sizes: [number, number][] = [
    [A4W, A4H],
    [A4H, A4W],
    [A4W, A4H],
  ];
  sizes.forEach(([w, h], i) => {
    const page = doc.addPage([w, h]);
    page.drawRectangle({ x: 20, y: 20, width: w - 40, height: h - 40, borderColor: rgb(0, 0, 0), borderWidth: 2 });
    page.drawText(`Original page ${i + 1} quarterly ledger`, { x: 50, y: h - 80, size: 16, font });
    if (i === 2) page.setRotation(degrees(90));
  });
  return doc.save();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function pageText(file: string, page: number): string {
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), file, '-']).toString();
}

interface Raster {
  readonly width: number;
  readonly height: number;
  /** Whether pixel (x, y) is not white (any channel below 245). */
  readonly inked: (x: number, y: number) => boolean;
}

/** Render one page with pdftoppm to PPM (P6: "P6 W H 255", then RGB bytes) and decode it. */
function render(file: string, page: number): Raster {
  const prefix = join(tmp, `r-${Math.random().toString(36).slice(2)}`);
  execFileSync('pdftoppm', ['-r', '50', '-f', String(page), '-l', String(page), '-singlefile', file, prefix]);
  const ppm = readFileSync(`${prefix}.ppm`);
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  if (header === null) throw new Error('not a PPM');
  const [width, height] = [Number(header[1]), Number(header[2])];
  const data = ppm.subarray(header[0].length);
  const inked = (x: number, y: number): boolean => {
    const at = (y * width + x) * 3;
    return data[at]! < 245 || data[at + 1]! < 245 || data[at + 2]! < 245;
  };
  return { width, height, inked };
}

async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.part'));
}

async function refusal(promise: Promise<unknown>): Promise<YinjiError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(YinjiError);
  return err as YinjiError;
}

describe('watermarkPdf', () => {
  it('keeps every page and leaves the original untouched', async () => {
    expect(result.pages).toBe(3);
    expect(result.warnings).toEqual([]);
    expect(execFileSync('qpdf', ['--show-npages', marked]).toString().trim()).toBe('3');
    expect(sha256(await readFile(original))).toBe(originalSha);
    expect(await leftovers(join(tmp, 'out'))).toEqual([]);
  });

  it('names the user and the time in the text of every page, and keeps the page text readable', () => {
    for (const page of [1, 2, 3]) {
      const text = pageText(marked, page);
      // pdftotext re-spaces mixed CJK and Latin text: compare without whitespace.
      const flat = text.replace(/\s+/g, '');
      for (const s of ['张三', '(zhangsan)', '2026-12-0716:30UTC', '利用申请#12', '印记利用副本']) {
        expect(flat, `page ${page}`).toContain(s);
      }
      // The diagonal tiles are outlines, not text: the document's own line comes out whole.
      expect(text).toContain(`Original page ${page} quarterly ledger`);
      expect(pageText(original, page)).toContain(`Original page ${page} quarterly ledger`);
    }
  });

  it('is visible across each page without hiding it', () => {
    for (const page of [1, 2, 3]) {
      const before = render(original, page);
      const after = render(marked, page);
      expect([after.width, after.height]).toEqual([before.width, before.height]);
      const { width, height } = before;
      // Count pixels that the watermark inked, per cell of a 3 × 3 grid.
      const cells = Array.from({ length: 9 }, () => 0);
      let added = 0;
      let kept = 0;
      let wasInked = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (before.inked(x, y)) {
            wasInked++;
            if (after.inked(x, y)) kept++;
          } else if (after.inked(x, y)) {
            added++;
            cells[Math.min(2, Math.floor((3 * y) / height)) * 3 + Math.min(2, Math.floor((3 * x) / width))]!++;
          }
        }
      }
      const area = width * height;
      expect(added / area, `page ${page}`).toBeGreaterThan(0.02);
      expect(added / area, `page ${page}`).toBeLessThan(0.5);
      expect(kept).toBe(wasInked);
      // Portrait pages are covered edge to edge; qpdf fits the A4 watermark into the middle of a landscape page.
      const covered = page === 1 ? cells : [cells[1]!, cells[4]!, cells[7]!];
      for (const n of covered) expect(n, `page ${page} cells ${cells.join(',')}`).toBeGreaterThan(20);
    }
  });

  const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
  it.skipIf(!existsSync(dejavu))(
    'falls back to text for characters the font has no outline for (needs fonts-dejavu-core)',
    async () => {
      // DejaVu Sans has the Latin outlines but no Chinese: those pieces are drawn as text, not dropped.
      const out = join(tmp, 'dejavu-copy.pdf');
      const res = await watermarkPdf(original, out, { lines: LINES, fontPath: dejavu });
      expect(res.pages).toBe(3);
      expect(pageText(out, 1).replace(/\s+/g, '')).toContain('(zhangsan)2026-12-0716:30UTC');
      const before = render(original, 1);
      const after = render(out, 1);
      let added = 0;
      for (let y = 0; y < before.height; y++) {
        for (let x = 0; x < before.width; x++) if (!before.inked(x, y) && after.inked(x, y)) added++;
      }
      expect(added / (before.width * before.height)).toBeGreaterThan(0.02);
    },
  );

  it('watermarks a PDF with only an owner password (permissions, no password to open)', async () => {
    const enc = join(tmp, 'owner-only.pdf');
    execFileSync('qpdf', ['--encrypt', '', 'owner-secret', '256', '--', original, enc]);
    const out = join(tmp, 'owner-only-copy.pdf');
    const res = await watermarkPdf(enc, out, { lines: LINES });
    expect(res.pages).toBe(3);
    expect(pageText(out, 2).replace(/\s+/g, '')).toContain('(zhangsan)');
  });

  it('refuses a PDF with a password to open it, in Chinese, leaving nothing behind', async () => {
    const enc = join(tmp, 'user-password.pdf');
    execFileSync('qpdf', ['--encrypt', 'user-secret', 'owner-secret', '256', '--', original, enc]);
    const out = join(tmp, 'out', 'locked-copy.pdf');
    const err = await refusal(watermarkPdf(enc, out, { lines: LINES }));
    expect(err.code).toBe('E_WATERMARK');
    expect(err.zh).toContain('打开密码');
    expect(err.zh).toContain('请联系档案馆');
    expect(err.details).toMatchObject({ reason: 'password', file: 'user-password.pdf', exitCode: 2 });
    expect(String(err.details.stderr)).not.toContain(tmp);
    expect(existsSync(out)).toBe(false);
    expect(await leftovers(join(tmp, 'out'))).toEqual([]);
  });

  it('repairs a truncated PDF or refuses it, never leaving a partial copy', async () => {
    const whole = await readFile(original);
    const damaged = join(tmp, 'truncated.pdf');
    await writeFile(damaged, whole.subarray(0, Math.floor(whole.length / 2)));
    const out = join(tmp, 'out', 'truncated-copy.pdf');
    const outcome = await watermarkPdf(damaged, out, { lines: LINES }).then(
      (res) => ({ res }),
      (err: unknown) => ({ err }),
    );
    if ('res' in outcome) {
      expect(outcome.res.warnings.length).toBeGreaterThan(0);
      expect(execFileSync('qpdf', ['--show-npages', out]).toString().trim()).toBe(String(outcome.res.pages));
    } else {
      expect(outcome.err).toMatchObject({ code: 'E_WATERMARK' });
      expect(existsSync(out)).toBe(false);
    }
    expect(await leftovers(join(tmp, 'out'))).toEqual([]);
  });

  it('repairs a PDF whose cross-reference table is broken, and reports the warnings', async () => {
    const doc = await PDFDocument.load(await readFile(original));
    const text = Buffer.from(await doc.save({ useObjectStreams: false })).toString('latin1');
    const broken = join(tmp, 'bad-xref.pdf');
    // Point startxref into the middle of the file: qpdf reconstructs the table by scanning the objects.
    await writeFile(broken, Buffer.from(text.replace(/startxref\s+\d+/, 'startxref\n123'), 'latin1'));
    const out = join(tmp, 'out', 'bad-xref-copy.pdf');
    const res = await watermarkPdf(broken, out, { lines: LINES });
    expect(res.pages).toBe(3);
    expect(res.warnings.join('\n')).toMatch(/bad-xref\.pdf: .*(damaged|reconstruct)/);
    expect(res.warnings.join('\n')).not.toContain(tmp);
    expect(pageText(out, 1).replace(/\s+/g, '')).toContain('(zhangsan)');
  });

  it('refuses a file that is not a PDF', async () => {
    const notPdf = join(tmp, 'minutes.pdf');
    await writeFile(notPdf, '会议纪要\n这不是 PDF 文件。\n');
    const out = join(tmp, 'out', 'minutes-copy.pdf');
    const err = await refusal(watermarkPdf(notPdf, out, { lines: LINES }));
    expect(err).toMatchObject({ code: 'E_WATERMARK', details: { reason: 'not-pdf' } });
    expect(err.zh).toContain('不是 PDF');
    expect(existsSync(out)).toBe(false);
    expect(await leftovers(join(tmp, 'out'))).toEqual([]);
  });

  it('never writes over the input, by the same path or a hard link to it', async () => {
    const copy = join(tmp, 'linked.pdf');
    await link(original, copy);
    await expect(watermarkPdf(original, original, { lines: LINES })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(watermarkPdf(original, copy, { lines: LINES })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    expect(sha256(await readFile(original))).toBe(originalSha);
  });

  it('rejects empty or oversized watermark text', async () => {
    const out = join(tmp, 'never.pdf');
    for (const lines of [[], ['  '], ['x'.repeat(121)], Array.from({ length: 9 }, () => 'x')]) {
      await expect(watermarkPdf(original, out, { lines })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    }
    expect(existsSync(out)).toBe(false);
  });

  it('says so when qpdf cannot be run', async () => {
    const out = join(tmp, 'out', 'no-qpdf.pdf');
    const err = await refusal(watermarkPdf(original, out, { lines: LINES, qpdf: join(tmp, 'no-such-qpdf') }));
    expect(err).toMatchObject({ code: 'E_WATERMARK', details: { reason: 'start' } });
    expect(err.zh).toContain('apt-get install qpdf');
    expect(existsSync(out)).toBe(false);
    expect(await leftovers(join(tmp, 'out'))).toEqual([]);
  });

  describe('on a long document', () => {
    let big: string;
    beforeAll(async () => {
      // Enough pages that qpdf runs for about a second.
      const doc = await PDFDocument.create();
      const font = doc.embedStandardFont(StandardFonts.Helvetica);
      for (let i = 1; i <= 1500; i++) doc.addPage(PageSizes.A4).drawText(`page ${i}`, { x: 50, y: 780, font });
      big = join(tmp, 'long.pdf');
      await writeFile(big, await doc.save());
    });

    it('kills qpdf on abort and leaves no output', async () => {
      const dir = join(tmp, 'abort');
      await mkdir(dir);
      const out = join(dir, 'copy.pdf');
      const abort = new AbortController();
      // Abort while qpdf is writing: the temp file is claimed just before qpdf starts, which then runs for ~1 s.
      const poll = setInterval(() => {
        void leftovers(dir).then((parts) => {
          if (parts.length === 0 || abort.signal.aborted) return;
          clearInterval(poll);
          setTimeout(() => abort.abort(), 100);
        });
      }, 5);
      const started = Date.now();
      try {
        await expect(watermarkPdf(big, out, { lines: LINES, signal: abort.signal })).rejects.toMatchObject({
          name: 'AbortError',
        });
      } finally {
        clearInterval(poll);
      }
      expect(abort.signal.aborted).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await readdir(dir)).toEqual([]);
    });

    it('rejects at once when already aborted', async () => {
      const out = join(tmp, 'out', 'pre-aborted.pdf');
      await expect(watermarkPdf(big, out, { lines: LINES, signal: AbortSignal.abort() })).rejects.toMatchObject({
        name: 'AbortError',
      });
      expect(existsSync(out)).toBe(false);
    });

    it('gives up after the timeout with E_WATERMARK and leaves no output', async () => {
      const dir = join(tmp, 'timeout');
      await mkdir(dir);
      const out = join(dir, 'copy.pdf');
      const err = await refusal(watermarkPdf(big, out, { lines: LINES, timeoutMs: 50 }));
      expect(err).toMatchObject({ code: 'E_WATERMARK', details: { reason: 'timeout' } });
      expect(await readdir(dir)).toEqual([]);
      expect((await stat(big)).size).toBeGreaterThan(0);
    });
  });
});
