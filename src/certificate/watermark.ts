import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import type { Font } from '@pdf-lib/fontkit';
import {
  PDFDocument,
  PDFName,
  PageSizes,
  StandardFonts,
  degrees,
  grayscale,
  popGraphicsState,
  pushGraphicsState,
  setGraphicsState,
} from 'pdf-lib';
import type { PDFFont, PDFPage } from 'pdf-lib';
import { InvalidInputError, YinjiError } from '../core/index.js';
import type { Message } from '../core/index.js';
import { loadCjkFont, resolveCjkFontPath } from './font.js';
import { makeFontSet, splitRuns } from './text-layout.js';
import type { FontSet } from './text-layout.js';

export interface WatermarkOptions {
  /** Lines of the watermark, e.g. ['印记 利用副本 仅供利用', '张三 (zhangsan) 2026-12-07 16:30 UTC', '利用申请 #12']. */
  readonly lines: readonly string[];
  /** A TrueType CJK font (default: resolveCjkFontPath() from ./font.js). */
  readonly fontPath?: string;
  readonly signal?: AbortSignal;
  /** The qpdf executable (default 'qpdf'). */
  readonly qpdf?: string;
  /** Kill qpdf after this long (default: 60 s plus 1 s per MB of input). */
  readonly timeoutMs?: number;
}

export interface WatermarkResult {
  /** Pages of the watermarked copy. */
  readonly pages: number;
  /** qpdf's warnings (exit status 3): the input was damaged and qpdf repaired it. Empty for a sound PDF. */
  readonly warnings: readonly string[];
}

const MAX_LINES = 8;
const MAX_LINE_CHARS = 120;
/** The watermark is designed on an A4 portrait page (pt)… */
const [DESIGN_W, DESIGN_H] = PageSizes.A4;
/**
 * …and written 17× larger, 14400 units tall, the largest page PDF 32000-1
 * Annex C.2 (Table C.1) allows. qpdf shrinks an overlay page to fit each
 * target page's TrimBox but never enlarges it (QPDFJob calls
 * QPDFPageObjectHelper::placeFormXObject with allow_expand=false; a 100 pt
 * overlay stays 100 pt on A4, seen here), so a large overlay scales with
 * every page, from A5 to an A0 drawing or a scan whose MediaBox is in pixels.
 */
const UPSCALE = 14400 / DESIGN_H;
const ANGLE = 35;
const TILE_SIZE = 17;
/** Grey at 28 % coverage: the thin strokes of a Song face stay readable, the page under them too. */
const TILE_OPACITY = 0.28;
const TILE_GREY = grayscale(0.3);
const FOOTER_SIZE = 7;
const FOOTER_OPACITY = 0.6;

/**
 * Write a copy of the PDF at `input` to `output` with a visible watermark on
 * every page: `lines` tiled diagonally in translucent grey, and once more as
 * a line of text along the bottom edge so that the copy's text (pdftotext,
 * search, copy) names its user.
 *
 * The input is only read, never loaded whole: a one-page watermark PDF is
 * made with pdf-lib and qpdf overlays it page by page (qpdf manual,
 * "Overlay and Underlay Options"). qpdf fits the watermark inside each
 * page's TrimBox keeping its A4 proportions (centred, so on a landscape page
 * it covers the middle 71 % of the width) and undoes the page's /Rotate so
 * that it reads upright as displayed. Encryption with only an owner password
 * is kept on the copy, with its permissions; digital signatures of the input
 * do not verify on the copy.
 *
 * `output` appears only complete (temp file in its directory, fsync,
 * rename). Throws YinjiError E_WATERMARK when the file cannot be watermarked
 * (a password to open it, damaged beyond qpdf's repair, not a PDF, qpdf
 * missing or too slow); on any failure or abort no output or temp file is
 * left behind.
 */
export async function watermarkPdf(input: string, output: string, options: WatermarkOptions): Promise<WatermarkResult> {
  const lines = checkLines(options.lines);
  const { signal } = options;
  const src = resolve(input);
  const dest = resolve(output);
  await refuseSameFile(src, dest);
  signal?.throwIfAborted();
  const info = await stat(src);
  if (!info.isFile()) throw watermarkError('not-pdf', src);
  const run = {
    qpdf: options.qpdf ?? 'qpdf',
    timeoutMs: options.timeoutMs ?? 60_000 + Math.ceil(info.size / 1_000_000) * 1_000,
    ...(signal === undefined ? {} : { signal }),
  };
  const fontPath = resolveCjkFontPath(options.fontPath === undefined ? {} : { fontPath: options.fontPath });

  const work = await mkdtemp(join(tmpdir(), 'yinji-watermark-'));
  const part = join(dirname(dest), `.${basename(dest)}.${randomBytes(6).toString('hex')}.part`);
  let claimed = false;
  try {
    const overlay = join(work, 'watermark.pdf');
    await writeFile(overlay, await makeWatermarkPage(lines, fontPath), signal === undefined ? {} : { signal });
    // Claim the temp name (and surface a missing or read-only output directory as itself) before qpdf runs.
    await (await open(part, 'wx')).close();
    claimed = true;
    // The input comes first and is absolute, so qpdf cannot take it for an option.
    // Exit status 0 clean, 3 warnings only (qpdf repaired the input), 2 errors (qpdf manual, "Exit Status").
    const res = await runQpdf([src, '--overlay', overlay, '--repeat=1', '--', part], run);
    if (res.code !== 0 && res.code !== 3) throw classify(res, src);
    const count = await runQpdf(['--show-npages', part], run);
    const pages = Number(count.stdout.trim());
    if (count.code !== 0 || !Number.isInteger(pages) || pages < 1) throw watermarkError('damaged', src, count);
    await fsync(part);
    signal?.throwIfAborted();
    await rename(part, dest);
    return { pages, warnings: res.code === 3 ? warningLines(res.stderr, src) : [] };
  } catch (err) {
    if (claimed) await rm(part, { force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function fsync(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function checkLines(lines: readonly string[]): readonly string[] {
  const clean = lines.map((l) => l.replace(/\s+/gu, ' ').trim()).filter((l) => l !== '');
  if (clean.length === 0 || clean.length > MAX_LINES || clean.some((l) => Array.from(l).length > MAX_LINE_CHARS)) {
    throw new InvalidInputError({
      zh: `水印须有 1 至 ${MAX_LINES} 行文字，每行不超过 ${MAX_LINE_CHARS} 个字符`,
      en: `a watermark needs 1 to ${MAX_LINES} lines of text, each at most ${MAX_LINE_CHARS} characters`,
    });
  }
  return Object.freeze(clean);
}

/** `output` must not name the input by any path: renaming onto it would replace the preserved file. */
async function refuseSameFile(src: string, dest: string): Promise<void> {
  const a = await stat(src).catch(() => undefined);
  const b = await stat(dest).catch(() => undefined);
  const same = src === dest || (a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino);
  if (same) {
    throw new InvalidInputError(
      { zh: '水印副本不能写到原文件上', en: 'the watermarked copy must not be written over the input file' },
      { details: { input: src, output: dest } },
    );
  }
}

// ---------------------------------------------------------------- the watermark page

/** One A4 page (upscaled, see UPSCALE) carrying the tiled lines and the footer. */
async function makeWatermarkPage(lines: readonly string[], fontPath: string): Promise<Uint8Array> {
  const fontBytes = await loadCjkFont(fontPath);
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  const fonts = makeFontSet(
    await doc.embedFont(fontBytes, { subset: true, customName: 'YJWM+CJK' }),
    doc.embedStandardFont(StandardFonts.Helvetica),
    doc.embedStandardFont(StandardFonts.Courier),
  );
  const page = doc.addPage([DESIGN_W, DESIGN_H]);
  await drawTiles(doc, page, lines, fontkit.create(fontBytes), fonts);
  drawFooter(page, lines.join('  ·  '), fonts);
  page.scale(UPSCALE, UPSCALE);
  return doc.save();
}

/** A piece of a line: glyph outlines where the font has them, else text (see layoutLine). Width at size 1. */
type Piece =
  | { readonly path: string; readonly width: number }
  | { readonly text: string; readonly font: PDFFont; readonly width: number };

/**
 * The lines as a block, repeated over the page on a grid turned by ANGLE,
 * every other row shifted by half a block. The block is drawn once, into a
 * form XObject placed at each grid point. Its glyphs are filled outlines,
 * not text: diagonal text would be extracted and copied as scrambled
 * characters mixed into the document's own text.
 */
async function drawTiles(
  doc: PDFDocument,
  page: PDFPage,
  lines: readonly string[],
  outlines: Font,
  fonts: FontSet,
): Promise<void> {
  const laid = lines.map((l) => layoutLine(l, outlines, fonts));
  const widthAt1 = Math.max(...laid.map(piecesWidth));
  // Long lines shrink so that a block fits along the page's diagonal with room to spare.
  const size = Math.min(TILE_SIZE, (0.6 * Math.hypot(DESIGN_W, DESIGN_H)) / widthAt1);
  const lead = size * 1.5;
  const [blockW, blockH] = [widthAt1 * size, lines.length * lead];

  // The block, on a scratch page turned into a form XObject; the page itself is dropped.
  const scratch = doc.addPage([blockW, blockH]);
  laid.forEach((pieces, i) => {
    let x = (blockW - piecesWidth(pieces) * size) / 2;
    const y = blockH - (i + 1) * lead + size * 0.45;
    for (const piece of pieces) {
      drawPiece(scratch, piece, x, y, size, outlines);
      x += piece.width * size;
    }
  });
  const block = await doc.embedPage(scratch);
  doc.removePage(doc.getPageCount() - 1);

  const stepU = blockW + size * 4;
  const stepV = blockH + size * 2.5;
  const [cos, sin] = [Math.cos((ANGLE * Math.PI) / 180), Math.sin((ANGLE * Math.PI) / 180)];
  const reach = Math.hypot(DESIGN_W, DESIGN_H) / 2 + Math.hypot(blockW, blockH);
  page.node.setExtGState(PDFName.of('YJWM'), doc.context.obj({ Type: 'ExtGState', ca: TILE_OPACITY }));
  page.pushOperators(pushGraphicsState(), setGraphicsState('YJWM'));
  const rows = Math.ceil(reach / stepV);
  const cols = Math.ceil(reach / stepU) + 1;
  for (let row = -rows; row <= rows; row++) {
    for (let col = -cols; col <= cols; col++) {
      // Block centre in the turned frame (u along the lines, v across), then its lower-left corner on the page.
      const u = col * stepU + (row % 2 === 0 ? 0 : stepU / 2) - blockW / 2;
      const v = row * stepV - blockH / 2;
      if (Math.hypot(u + blockW / 2, v + blockH / 2) > reach) continue;
      const x = DESIGN_W / 2 + u * cos - v * sin;
      const y = DESIGN_H / 2 + u * sin + v * cos;
      page.drawPage(block, { x, y, rotate: degrees(ANGLE) });
    }
  }
  page.pushOperators(popGraphicsState());
}

function piecesWidth(pieces: readonly Piece[]): number {
  return pieces.reduce((w, p) => w + p.width, 0);
}

function drawPiece(page: PDFPage, piece: Piece, x: number, y: number, size: number, outlines: Font): void {
  const common = { x, y, color: TILE_GREY };
  if ('path' in piece) page.drawSvgPath(piece.path, { ...common, scale: size / outlines.unitsPerEm });
  else page.drawText(piece.text, { ...common, size, font: piece.font });
}

/**
 * Split a line into outline pieces (characters the TrueType font has) and
 * text pieces for the rest (e.g. Latin letters in a CJK-only font), drawn
 * with the certificate's font fallback (text-layout.ts splitRuns).
 */
function layoutLine(line: string, outlines: Font, fonts: FontSet): Piece[] {
  const has = (c: string): boolean => outlines.hasGlyphForCodePoint(c.codePointAt(0) ?? 0);
  const pieces: Piece[] = [];
  const chars = Array.from(line);
  for (let i = 0, j = 1; i < chars.length; i = j, j = i + 1) {
    const drawable = has(chars[i] ?? '');
    while (j < chars.length && has(chars[j] ?? '') === drawable) j++;
    const text = chars.slice(i, j).join('');
    if (drawable) pieces.push(outlinePiece(text, outlines));
    else
      for (const run of splitRuns(text, fonts)) pieces.push({ ...run, width: run.font.widthOfTextAtSize(run.text, 1) });
  }
  return pieces;
}

/**
 * The outlines of `text` as one SVG path in font units. fontkit's paths are
 * y-up and pdf-lib's drawSvgPath expects SVG's y-down, so y is negated.
 */
function outlinePiece(text: string, font: Font): Piece {
  const run = font.layout(text);
  let pen = 0;
  let d = '';
  run.glyphs.forEach((glyph, k) => {
    const pos = run.positions[k];
    d += shiftPath(glyph.path.toSVG(), pen + (pos?.xOffset ?? 0), pos?.yOffset ?? 0);
    pen += pos?.xAdvance ?? glyph.advanceWidth;
  });
  return { path: d, width: pen / font.unitsPerEm };
}

/** Move an absolute-coordinate path (M/L/Q/C/Z, as fontkit's toSVG writes) by (dx, dy) and flip it vertically. */
function shiftPath(svg: string, dx: number, dy: number): string {
  return svg.replace(/([MLQCZ])([^MLQCZ]*)/g, (_m, cmd: string, args: string) => {
    const nums = args
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    const moved = nums.map((n, k) => (k % 2 === 0 ? n + dx : -(n + dy)));
    return `${cmd}${moved.map((n) => Math.round(n * 100) / 100).join(' ')}`;
  });
}

/** The lines once more, as extractable text centred along the bottom edge. */
function drawFooter(page: PDFPage, text: string, fonts: FontSet): void {
  const runs = splitRuns(text, fonts);
  const width = (size: number): number => runs.reduce((w, r) => w + r.font.widthOfTextAtSize(r.text, size), 0);
  const size = Math.min(FOOTER_SIZE, (FOOTER_SIZE * (DESIGN_W - 40)) / width(FOOTER_SIZE));
  let x = (DESIGN_W - width(size)) / 2;
  for (const run of runs) {
    page.drawText(run.text, { x, y: 9, size, font: run.font, color: grayscale(0.25), opacity: FOOTER_OPACITY });
    x += run.font.widthOfTextAtSize(run.text, size);
  }
}

// ---------------------------------------------------------------- qpdf

interface QpdfRun {
  readonly qpdf: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

interface QpdfResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** qpdf's diagnostics are short; a damaged file can produce thousands of warnings, so only the start is kept. */
const KEEP_OUTPUT = 16 * 1024;

/** Run qpdf; resolves with its exit status, rejects on abort, timeout, crash or when it cannot be started. */
function runQpdf(args: readonly string[], run: QpdfRun): Promise<QpdfResult> {
  return new Promise((resolvePromise, reject) => {
    // With `signal`, Node kills the child (SIGTERM) when the caller aborts.
    const child = spawn(run.qpdf, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: run.signal });
    const out = { stdout: '', stderr: '' };
    for (const key of ['stdout', 'stderr'] as const) {
      child[key].setEncoding('utf8');
      child[key].on('data', (chunk: string) => {
        if (out[key].length < KEEP_OUTPUT) out[key] += chunk.slice(0, KEEP_OUTPUT - out[key].length);
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, run.timeoutMs);
    let settled = false;
    const fail = (err: Error): void => {
      clearTimeout(timer);
      if (!settled) reject(err);
      settled = true;
    };
    child.on('error', (err) => {
      if (run.signal?.aborted === true) fail(abortReason(run.signal));
      // No pid: the executable was never started (ENOENT, EACCES); there will be no exit to wait for.
      else if (child.pid === undefined) fail(qpdfFailure('start', run, out.stderr, err));
    });
    child.on('close', (code, signalName) => {
      clearTimeout(timer);
      if (settled) return;
      if (run.signal?.aborted === true) return fail(abortReason(run.signal));
      if (timedOut) return fail(qpdfFailure('timeout', run, out.stderr));
      if (code === null) return fail(qpdfFailure('crash', run, `${out.stderr}\n(killed by ${signalName})`.trim()));
      settled = true;
      resolvePromise({ code, ...out });
    });
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
}

function qpdfFailure(kind: 'timeout' | 'start' | 'crash', run: QpdfRun, stderr: string, cause?: Error): YinjiError {
  const seconds = Math.ceil(run.timeoutMs / 1000);
  const messages: Record<typeof kind, Message> = {
    timeout: {
      zh: `给 PDF 加水印超时（${seconds} 秒）；请稍后重试或联系档案馆`,
      en: `watermarking the PDF timed out (${seconds} s); try again later or contact the archive`,
    },
    start: {
      zh: `无法运行 qpdf（${run.qpdf}），不能给 PDF 加水印；请管理员安装：apt-get install qpdf`,
      en: `cannot run qpdf (${run.qpdf}) to watermark the PDF; the administrator should install it: apt-get install qpdf`,
    },
    crash: {
      zh: 'qpdf 在给 PDF 加水印时异常退出；请稍后重试或联系档案馆',
      en: 'qpdf stopped abnormally while watermarking the PDF; try again later or contact the archive',
    },
  };
  const message = messages[kind];
  return new YinjiError('E_WATERMARK', message, {
    details: { reason: kind, qpdf: run.qpdf, stderr },
    ...(cause === undefined ? {} : { cause }),
  });
}

type Refusal = 'password' | 'not-pdf' | 'damaged';

const REFUSALS: Record<Refusal, Message> = {
  password: {
    zh: '此 PDF 有打开密码，无法加水印；请联系档案馆',
    en: 'this PDF is protected by a password needed to open it and cannot be watermarked; please contact the archive',
  },
  'not-pdf': {
    zh: '此文件不是 PDF，无法加水印；请联系档案馆核对文件格式',
    en: 'this file is not a PDF and cannot be watermarked; please ask the archive to check its format',
  },
  damaged: {
    zh: '此 PDF 已损坏且无法修复，无法加水印；请联系档案馆',
    en: 'this PDF is damaged beyond repair and cannot be watermarked; please contact the archive',
  },
};

function watermarkError(reason: Refusal, src: string, res?: QpdfResult): YinjiError {
  return new YinjiError('E_WATERMARK', REFUSALS[reason], {
    details: {
      reason,
      file: basename(src),
      ...(res === undefined ? {} : { exitCode: res.code, stderr: shorten(res.stderr, src) }),
    },
  });
}

/** What qpdf's messages (exit status 2) say about the input. */
function classify(res: QpdfResult, src: string): YinjiError {
  if (/invalid password/i.test(res.stderr)) return watermarkError('password', src, res);
  if (/can't find PDF header/i.test(res.stderr)) return watermarkError('not-pdf', src, res);
  return watermarkError('damaged', src, res);
}

/** qpdf names the file in every message; the storage path is not the user's business. */
function shorten(stderr: string, src: string): string {
  return stderr.split(src).join(basename(src)).trim();
}

function warningLines(stderr: string, src: string): string[] {
  return shorten(stderr, src)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
