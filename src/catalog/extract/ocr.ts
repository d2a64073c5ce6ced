import { basename } from 'node:path';
import type { Message } from '../../core/index.js';
import { runTool } from './run.js';
import type { Context, OcrOptions } from './types.js';
import type { TextSink } from './text-sink.js';

/**
 * OCR with the Tesseract command-line program (Debian: tesseract-ocr plus one
 * tesseract-ocr-<lang> package per language; chi_sim is
 * tesseract-ocr-chi-sim). Tesseract is optional: without it, files whose text
 * exists only as images are reported 'ocr-not-run' and everything else is
 * still read.
 */

export const OCR_DEFAULTS: Required<OcrOptions> = {
  enabled: true,
  command: 'tesseract',
  // chi_sim alone: it reads digits and Latin letters well enough, while chi_sim+eng read whole lines of
  // large Chinese type as English words in our trials (Tesseract 5.3, Debian's models).
  languages: 'chi_sim',
  maxPages: 50,
};

export interface OcrAvailability {
  readonly available: boolean;
  readonly version?: string;
  /** The languages the installed tesseract has (empty when it does not run). */
  readonly languages: readonly string[];
  readonly reason?: Message;
}

const LANGUAGES = /^[A-Za-z0-9_]+(?:\+[A-Za-z0-9_]+)*$/;
/** Asking the program is two short runs; the answer is kept this long, so a batch asks once. */
const CACHE_MS = 60_000;
const cache = new Map<string, { at: number; answer: Promise<OcrAvailability> }>();

/** The Debian packages that provide `languages` ('chi_sim+eng' → tesseract-ocr tesseract-ocr-chi-sim). */
export function ocrPackages(languages: string): string {
  // eng and osd come with tesseract-ocr itself.
  const extra = languages
    .split('+')
    .filter((l) => l !== '' && l !== 'eng' && l !== 'osd')
    .map((l) => `tesseract-ocr-${l.toLowerCase().replace(/_/g, '-')}`);
  return ['tesseract-ocr', ...new Set(extra)].join(' ');
}

/** Whether OCR can run: the tesseract executable answers `--list-langs` and has every language asked for. */
export function ocrAvailability(options: OcrOptions = {}): Promise<OcrAvailability> {
  const command = options.command ?? OCR_DEFAULTS.command;
  const languages = options.languages ?? OCR_DEFAULTS.languages;
  const key = `${command}\u0000${languages}`;
  const hit = cache.get(key);
  if (hit !== undefined && Date.now() - hit.at < CACHE_MS) return hit.answer;
  const answer = probe(command, languages);
  cache.set(key, { at: Date.now(), answer });
  return answer;
}

async function probe(command: string, languages: string): Promise<OcrAvailability> {
  const install = ocrPackages(languages);
  if (!LANGUAGES.test(languages)) {
    return {
      available: false,
      languages: [],
      reason: {
        zh: `OCR 语言设置“${languages}”无效；应为以 + 连接的 Tesseract 语言代码，如 chi_sim+eng`,
        en: `the OCR language setting "${languages}" is invalid; use Tesseract language codes joined by +, e.g. chi_sim+eng`,
      },
    };
  }
  const run = { signal: undefined, timeoutMs: 30_000, maxStdoutBytes: 64 * 1024 };
  const list = await runTool(command, ['--list-langs'], run);
  if (list.spawnError !== undefined || list.code !== 0) {
    const why = list.spawnError?.code ?? (list.stderr.trim().split('\n')[0] || `exit status ${list.code}`);
    return {
      available: false,
      languages: [],
      reason: {
        zh: `未找到可用的 Tesseract OCR 程序（${command}：${why}）；请安装：apt-get install ${install}`,
        en: `no working Tesseract OCR program (${command}: ${why}); install it: apt-get install ${install}`,
      },
    };
  }
  // Tesseract 4 and later print the list on stdout, 3.x on stderr; the first line is a heading.
  const have = `${list.stdout.toString('utf8')}\n${list.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[A-Za-z0-9_]+$/.test(l));
  const versionRun = await runTool(command, ['--version'], run);
  const version = /tesseract\s+v?(\d[\w.-]*)/i.exec(`${versionRun.stdout.toString('utf8')}\n${versionRun.stderr}`)?.[1];
  const missing = languages.split('+').filter((l) => !have.includes(l));
  const base = { languages: have, ...(version === undefined ? {} : { version }) };
  if (missing.length === 0) return { available: true, ...base };
  return {
    ...base,
    available: false,
    reason: {
      zh: `Tesseract 缺少 OCR 语言数据 ${missing.join('、')}；请安装：apt-get install ${install}`,
      en: `Tesseract lacks the OCR language data ${missing.join(', ')}; install it: apt-get install ${install}`,
    },
  };
}

/** Why OCR was not run, or undefined when it can run. */
export async function ocrBlocked(ctx: Context): Promise<Message | undefined> {
  if (!ctx.ocr.enabled) {
    return {
      zh: `文件的文字只在图像中，而 OCR 已关闭；如需全文检索，请开启 OCR（需安装 ${ocrPackages(ctx.ocr.languages)}）`,
      en: `the file's text is only in images and OCR is turned off; turn OCR on for full-text search (needs ${ocrPackages(ctx.ocr.languages)})`,
    };
  }
  const availability = await ocrAvailability(ctx.ocr);
  return availability.available ? undefined : availability.reason;
}

export type OcrOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * OCR one image file (a multi-page TIFF gives all its pages) into `sink`,
 * streaming Tesseract's stdout so it stops once the sink is full. Only files
 * whose bytes are a known image format may come here: Tesseract takes any
 * other file for a list of image paths and would open each.
 */
export async function ocrImage(image: string, sink: TextSink, ctx: Context): Promise<OcrOutcome> {
  const decoder = new TextDecoder('utf-8');
  const result = await runTool(ctx.ocr.command, [image, '-', '-l', ctx.ocr.languages], {
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    maxStdoutBytes: 4 * ctx.maxChars + 1024 * 1024,
    onStdout: (chunk) => {
      sink.write(decoder.decode(chunk, { stream: true }));
      return !sink.full;
    },
    // One thread per Tesseract: faster on small machines (measured ~1.0 s against ~1.8 s a page
    // on two cores) and fair when several files are read at once.
    env: { ...process.env, OMP_THREAD_LIMIT: process.env['OMP_THREAD_LIMIT'] ?? '1' },
  });
  sink.write(decoder.decode());
  if (result.stopped === 'enough') return { ok: true };
  if (result.stopped === 'timeout') return { ok: false, reason: `timed out after ${ctx.timeoutMs / 1000} s` };
  if (result.stopped === 'output-cap') return { ok: true };
  if (result.spawnError !== undefined) return { ok: false, reason: result.spawnError.message };
  if (result.code !== 0) {
    const line = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /error|cannot|can't|unsupported/i.test(l));
    return { ok: false, reason: line?.split(image).join(basename(image)) ?? `exit status ${result.code ?? 'killed'}` };
  }
  return { ok: true };
}
