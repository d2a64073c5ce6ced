import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Message } from '../../core/index.js';
import { ocrBlocked, ocrImage } from './ocr.js';
import { fromSink, noText } from './result.js';
import { runTool, stderrLines } from './run.js';
import { TextSink } from './text-sink.js';
import type { Context, ExtractResult } from './types.js';

/**
 * PDF text with poppler-utils (Debian package poppler-utils): pdftotext reads
 * the text layer; a PDF without one (a scan) is rasterised page by page with
 * pdftoppm and OCRed. The PDF is untrusted and goes to the tools by path, so
 * it is never held in memory here; each tool runs under a deadline and an
 * output cap (run.ts).
 */

/** Render resolution for OCR. 200 dpi puts 10.5–12 pt body text at the ~30 px glyph height Tesseract reads best. */
const OCR_DPI = 200;
/** Crop of a rendered page, in pixels (35 in at 200 dpi): a page with a huge MediaBox cannot make pdftoppm allocate gigabytes. */
const MAX_RENDER_PX = 7000;

const INSTALL = {
  zh: '请安装 poppler-utils（apt-get install poppler-utils）',
  en: 'install poppler-utils (apt-get install poppler-utils)',
};

export async function extractPdf(path: string, name: string, ctx: Context): Promise<ExtractResult> {
  const sink = new TextSink(ctx.maxChars);
  const decoder = new TextDecoder('utf-8');
  const run = await runTool('pdftotext', ['-enc', 'UTF-8', path, '-'], {
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    // Only a guard against endless white space: the sink stops the run once it holds maxChars.
    maxStdoutBytes: 4 * ctx.maxChars + 1024 * 1024,
    onStdout: (chunk) => {
      sink.write(decoder.decode(chunk, { stream: true }));
      return !sink.full;
    },
  });
  if (run.stopped === 'enough' || run.stopped === 'output-cap') {
    const result = fromSink(sink, 'text', 'pdf');
    return result.status === 'extracted' ? { ...result, truncated: true } : result;
  }
  if (run.spawnError !== undefined) {
    const code = run.spawnError.code ?? run.spawnError.message;
    return failed(`pdftotext：${code}。${INSTALL.zh}`, `pdftotext: ${code}; ${INSTALL.en}`);
  }
  if (run.stopped === 'timeout') return timedOut('pdftotext', ctx);
  if (run.code !== 0) return unreadable(run.code, stderrLines(run.stderr, path, name));
  sink.write(decoder.decode());
  if (sink.text !== '') return fromSink(sink, 'text', 'pdf');
  // No text layer: a scanned (image-only) PDF.
  const blocked = await ocrBlocked(ctx);
  if (blocked !== undefined) return noText('ocr-not-run', 'pdf', blocked);
  return ocrPdf(path, name, ctx);
}

const failed = (zh: string, en: string): ExtractResult => noText('failed', 'pdf', { zh, en });

const timedOut = (tool: string, ctx: Context): ExtractResult =>
  failed(
    `${tool} 未能在 ${ctx.timeoutMs / 1000} 秒内读完该 PDF`,
    `${tool} did not finish reading the PDF within ${ctx.timeoutMs / 1000} s`,
  );

/** pdftotext's exit status (pdftotext(1) "Exit codes"): 1 cannot open (damaged, or a user password), 3 permissions. */
function unreadable(code: number | null, detail: string): ExtractResult {
  if (/password/i.test(detail)) {
    return failed(
      'PDF 设置了打开密码（已加密），无法提取全文；请移交方提供未加密的版本',
      'the PDF is encrypted with an open password; no text can be extracted — ask the depositor for an unencrypted copy',
    );
  }
  const why = detail === '' ? `exit status ${code ?? 'killed'}` : detail;
  if (code === 3) {
    return failed(`PDF 的权限设置禁止提取文字：${why}`, `the PDF's permissions forbid copying its text: ${why}`);
  }
  return failed(`PDF 无法读取（文件已损坏或不完整）：${why}`, `the PDF cannot be read (damaged or incomplete): ${why}`);
}

/** The page count from pdfinfo, or undefined when it cannot say. */
async function pageCount(path: string, ctx: Context): Promise<number | undefined> {
  const info = await runTool('pdfinfo', [path], {
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    maxStdoutBytes: 1024 * 1024,
  });
  const pages = /^Pages:\s+(\d+)/m.exec(info.stdout.toString('utf8'))?.[1];
  return info.code === 0 && pages !== undefined ? Number(pages) : undefined;
}

/** OCR the first ocr.maxPages pages, one page at a time: one page image on disk at once, and it stops when the sink is full. */
async function ocrPdf(path: string, name: string, ctx: Context): Promise<ExtractResult> {
  const total = await pageCount(path, ctx);
  if (total === 0) return noText('empty', 'pdf', { zh: 'PDF 没有页面', en: 'the PDF has no pages' });
  const last = Math.min(total ?? ctx.ocr.maxPages, ctx.ocr.maxPages);
  const sink = new TextSink(ctx.maxChars);
  const dir = await mkdtemp(join(ctx.tmpDir, 'yinji-extract-'));
  let read = 0;
  let problem: Message | undefined;
  try {
    for (let page = 1; page <= last && !sink.full; page++) {
      const prefix = join(dir, `page-${page}`);
      const px = String(MAX_RENDER_PX);
      const args = ['-r', String(OCR_DPI), '-gray', '-png', '-f', String(page), '-l', String(page)];
      const render = await runTool('pdftoppm', [...args, '-singlefile', '-W', px, '-H', px, path, prefix], {
        signal: ctx.signal,
        timeoutMs: ctx.timeoutMs,
      });
      if (render.code !== 0 || render.stopped !== undefined) {
        const why = render.stopped ?? render.spawnError?.code ?? stderrLines(render.stderr, path, name);
        problem ??= { zh: `第 ${page} 页无法渲染：${why}`, en: `page ${page} cannot be rendered: ${why}` };
        if (total === undefined) break; // past the last page, or the file is unreadable
        continue;
      }
      sink.newline();
      const outcome = await ocrImage(`${prefix}.png`, sink, ctx);
      await rm(`${prefix}.png`, { force: true });
      if (outcome.ok) read++;
      else
        problem ??= {
          zh: `第 ${page} 页 OCR 失败：${outcome.reason}`,
          en: `OCR failed on page ${page}: ${outcome.reason}`,
        };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (read === 0 && problem !== undefined) return noText('failed', 'pdf', problem);
  return { ...fromSink(sink, 'ocr', 'pdf'), pages: { total: total ?? read, read } };
}
