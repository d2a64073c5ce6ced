import type { Message } from '../../core/index.js';
import type { TextSink } from './text-sink.js';
import type { ExtractResult, ExtractStatus } from './types.js';

/** A result without text: unsupported, failed, OCR not run (or empty with a reason). */
export function noText(status: Exclude<ExtractStatus, 'extracted'>, format: string, reason: Message): ExtractResult {
  return { status, text: '', format, reason };
}

/** The sink's text as the result: 'extracted', or 'empty' when there was none. */
export function fromSink(sink: TextSink, method: 'text' | 'ocr', format: string): ExtractResult {
  const text = sink.text;
  if (text === '') {
    return noText('empty', format, {
      zh: method === 'ocr' ? 'OCR 未识别出文字' : '文件中没有文字',
      en: method === 'ocr' ? 'OCR found no text' : 'the file holds no text',
    });
  }
  return { status: 'extracted', text, method, format, ...(sink.truncated ? { truncated: true } : {}) };
}

/** An error's own words, for a reason. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Thrown inside an extractor when the file cannot be read; reported as 'failed' with `reason`. */
export class ReadFailure extends Error {
  constructor(readonly reason: Message) {
    super(reason.en);
  }
}
