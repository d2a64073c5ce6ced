import type { Message } from '../../core/index.js';

/**
 * extracted: there is text. empty: the file was read and holds no text.
 * unsupported: a format we do not read (old binary Office, audio, video, …).
 * ocr-not-run: the text is only in images and OCR is off or not installed.
 * failed: the file could not be read (damaged, encrypted, over a limit).
 */
export type ExtractStatus = 'extracted' | 'empty' | 'unsupported' | 'ocr-not-run' | 'failed';

export interface ExtractResult {
  readonly status: ExtractStatus;
  /** The text ('' unless status is 'extracted'); whitespace runs collapsed, capped at maxChars. */
  readonly text: string;
  /** 'text' = from a text layer or a text format; 'ocr' = Tesseract. Set when status is 'extracted'. */
  readonly method?: 'text' | 'ocr';
  /** e.g. 'pdf', 'ofd', 'docx', 'xlsx', 'pptx', 'html', 'xml', 'txt', 'image' — what it was read as. */
  readonly format?: string;
  /** Why it is unsupported / empty / failed / OCR not run (bilingual, for the operator). */
  readonly reason?: Message;
  /** True when the text was cut at maxChars. */
  readonly truncated?: boolean;
  /** For a PDF read by OCR: its page count and how many pages were OCRed (at most ocr.maxPages). */
  readonly pages?: { readonly total: number; readonly read: number };
}

export interface OcrOptions {
  /** Run OCR at all (default true). */
  readonly enabled?: boolean;
  /** The tesseract executable (default 'tesseract'). */
  readonly command?: string;
  /** Tesseract languages (default 'chi_sim'). */
  readonly languages?: string;
  /** Pages of an image-only PDF to OCR at most (default 50). */
  readonly maxPages?: number;
}

export interface ExtractOptions {
  readonly signal?: AbortSignal;
  /** Characters kept at most, counted as UTF-16 code units like String.length (default 1_000_000). */
  readonly maxChars?: number;
  readonly ocr?: OcrOptions;
  /** Where temporary files go (default os.tmpdir()); everything made there is removed before returning. */
  readonly tmpDir?: string;
  /** Longest one helper process (pdftotext, pdftoppm, tesseract) may run, in ms (default 120_000). */
  readonly timeoutMs?: number;
}

/** The options as the extractors use them: checked, defaults filled in. */
export interface Context {
  readonly signal: AbortSignal | undefined;
  readonly maxChars: number;
  readonly ocr: Required<OcrOptions>;
  readonly tmpDir: string;
  readonly timeoutMs: number;
}
