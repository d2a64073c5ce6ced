/**
 * Full text of deposited files for the catalog's access store: what a search
 * reads, not a rendition. One call reads one file — a copy of a preserved
 * original, which is only ever read — and says what it found: the text, or
 * why there is none (a format not read, OCR not installed, a damaged or
 * encrypted file), worded for the operator in Chinese and English.
 *
 * Every file is untrusted: formats are told by their bytes, not their names;
 * zips are read under a budget of inflated bytes; XML is parsed without DTDs;
 * PDFs and images go by path to poppler-utils and Tesseract, which run under
 * a deadline and an output cap and are killed on abort; temporary page images
 * are removed before returning. Bad content never throws.
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { InvalidInputError } from '../../core/index.js';
import { detect, extensionOf } from './detect.js';
import { extractHtml } from './html.js';
import { extractImage } from './image.js';
import { OCR_DEFAULTS } from './ocr.js';
import { extractZip } from './package.js';
import { extractPdf } from './pdf.js';
import { extractPlain, extractXml } from './plain.js';
import { errorText, noText, ReadFailure } from './result.js';
import { abortReason } from './run.js';
import type { Context, ExtractOptions, ExtractResult } from './types.js';

export { ocrAvailability, type OcrAvailability } from './ocr.js';
export type { ExtractOptions, ExtractResult, ExtractStatus, OcrOptions } from './types.js';

const EXTRACT_DEFAULTS = { maxChars: 1_000_000, timeoutMs: 120_000 } as const;

function positiveInteger(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidInputError(
      {
        zh: `全文提取选项 ${field} 必须是正整数：${value}`,
        en: `text extraction option ${field} must be a positive integer: ${value}`,
      },
      { details: { field, value } },
    );
  }
  return value;
}

function context(options: ExtractOptions): Context {
  const ocr = options.ocr ?? {};
  return Object.freeze({
    signal: options.signal,
    maxChars: positiveInteger(options.maxChars, 'maxChars', EXTRACT_DEFAULTS.maxChars),
    timeoutMs: positiveInteger(options.timeoutMs, 'timeoutMs', EXTRACT_DEFAULTS.timeoutMs),
    tmpDir: options.tmpDir ?? tmpdir(),
    ocr: Object.freeze({
      enabled: ocr.enabled ?? OCR_DEFAULTS.enabled,
      command: ocr.command ?? OCR_DEFAULTS.command,
      languages: ocr.languages ?? OCR_DEFAULTS.languages,
      maxPages: positiveInteger(ocr.maxPages, 'ocr.maxPages', OCR_DEFAULTS.maxPages),
    }),
  });
}

/**
 * Extract the text of one file. `path` is a local file (a COPY of a preserved
 * original — never written to). `name` is its name in the package (its
 * extension guides detection, together with magic bytes). Never throws for
 * bad content: damaged, encrypted, lying or hostile files give status
 * 'failed' or 'unsupported' with a reason. Throws only on abort (the signal's
 * reason: an AbortError for a plain abort()), when `path` cannot be opened at
 * all (the file-system error), or on invalid options (InvalidInputError).
 */
export async function extractText(path: string, name: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const ctx = context(options);
  if (ctx.signal?.aborted) throw abortReason(ctx.signal);
  // Absolute, so a name starting with '-' can never be taken for an option by the tools.
  const file = resolve(path);
  const found = await detect(file, name);
  const ext = extensionOf(name);
  const format = found.kind === 'image' ? 'image' : found.kind === 'text' ? 'txt' : found.kind;
  try {
    switch (found.kind) {
      case 'unsupported':
      case 'failed':
        return noText(found.kind, found.format, found.reason);
      case 'pdf':
        return await extractPdf(file, name, ctx);
      case 'zip':
        return await extractZip(file, ext, ctx);
      case 'image':
        return await extractImage(file, found.image, ctx);
      case 'html':
        return await extractHtml(file, ctx);
      case 'xml':
        return await extractXml(file, ctx);
      case 'text':
        return await extractPlain(file, ctx);
    }
  } catch (e) {
    if (ctx.signal?.aborted) throw abortReason(ctx.signal);
    if (e instanceof ReadFailure) return noText('failed', format, e.reason);
    // Anything else reading bad content (a decoder, a parser) is still the file's problem, not the caller's.
    return noText('failed', format, {
      zh: `读取文件时出错：${errorText(e)}`,
      en: `error while reading the file: ${errorText(e)}`,
    });
  }
}
