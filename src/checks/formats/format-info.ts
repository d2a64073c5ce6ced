import type { Message } from '../../core/index.js';

/** Display name and media type of each format id a probe can report (FormatReport.format). */
export const FORMAT_INFO: Readonly<Record<string, { readonly name: string; readonly mime: string }>> = {
  pdf: { name: 'PDF', mime: 'application/pdf' },
  ofd: { name: 'OFD (GB/T 33190)', mime: 'application/ofd' },
  jpeg: { name: 'JPEG', mime: 'image/jpeg' },
  png: { name: 'PNG', mime: 'image/png' },
  tiff: { name: 'TIFF', mime: 'image/tiff' },
  gif: { name: 'GIF', mime: 'image/gif' },
  bmp: { name: 'BMP', mime: 'image/bmp' },
  webp: { name: 'WebP', mime: 'image/webp' },
  jp2: { name: 'JPEG 2000', mime: 'image/jp2' },
  xml: { name: 'XML', mime: 'application/xml' },
  html: { name: 'HTML', mime: 'text/html' },
  text: { name: 'Plain text', mime: 'text/plain' },
  rtf: { name: 'RTF', mime: 'application/rtf' },
  docx: { name: 'Word (OOXML)', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  xlsx: { name: 'Excel (OOXML)', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  pptx: {
    name: 'PowerPoint (OOXML)',
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  },
  ooxml: { name: 'Encrypted Office document (OOXML)', mime: 'application/x-tika-ooxml-protected' },
  doc: { name: 'Word 97-2003', mime: 'application/msword' },
  xls: { name: 'Excel 97-2003', mime: 'application/vnd.ms-excel' },
  ppt: { name: 'PowerPoint 97-2003', mime: 'application/vnd.ms-powerpoint' },
  cfb: { name: 'OLE compound file', mime: 'application/x-ole-storage' },
  odt: { name: 'OpenDocument text', mime: 'application/vnd.oasis.opendocument.text' },
  ods: { name: 'OpenDocument spreadsheet', mime: 'application/vnd.oasis.opendocument.spreadsheet' },
  odp: { name: 'OpenDocument presentation', mime: 'application/vnd.oasis.opendocument.presentation' },
  epub: { name: 'EPUB', mime: 'application/epub+zip' },
  zip: { name: 'ZIP', mime: 'application/zip' },
  rar: { name: 'RAR', mime: 'application/vnd.rar' },
  '7z': { name: '7-Zip', mime: 'application/x-7z-compressed' },
  gzip: { name: 'gzip', mime: 'application/gzip' },
  tar: { name: 'tar', mime: 'application/x-tar' },
  wav: { name: 'WAVE audio', mime: 'audio/wav' },
  mp3: { name: 'MP3 audio', mime: 'audio/mpeg' },
  avi: { name: 'AVI video', mime: 'video/x-msvideo' },
  mp4: { name: 'MP4 (ISO base media)', mime: 'video/mp4' },
  mov: { name: 'QuickTime video', mime: 'video/quicktime' },
  mpeg: { name: 'MPEG video', mime: 'video/mpeg' },
  empty: { name: 'Empty file', mime: 'application/x-empty' },
  unknown: { name: 'Unknown', mime: 'application/octet-stream' },
};

/** What a format's validator found; probeFormat adds name, mime and the extension check. */
export interface Findings {
  readonly format: string;
  readonly name?: string;
  readonly version?: string;
  readonly pdfa?: string;
  readonly valid?: boolean;
  readonly problems?: readonly Message[];
  readonly encrypted?: boolean;
}

export const problem = (zh: string, en: string): Message => ({ zh, en });

/** At most this many problems are kept per file: the first few say what is wrong. */
export const MAX_PROBLEMS = 5;

/** A validator's outcome from the problems it collected. */
export function verdict(problems: readonly Message[]): { valid: boolean; problems: readonly Message[] } {
  return { valid: problems.length === 0, problems: problems.slice(0, MAX_PROBLEMS) };
}

/** Parse failures on hostile input (a RangeError from a lying length) become problems; I/O and aborts do not. */
export function isParseFailure(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  if (e.name === 'AbortError') return false;
  return (
    (e as NodeJS.ErrnoException).code === undefined || (e as NodeJS.ErrnoException).code?.startsWith('ERR_') === true
  );
}
