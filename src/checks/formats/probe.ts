import type { FormatReport } from '../types.js';
import { probe7z, probeRar } from './archives.js';
import { probeCfb } from './cfb.js';
import { extensionOf, isExtensionMismatch } from './extensions.js';
import { FORMAT_INFO, isParseFailure, problem, verdict, type Findings } from './format-info.js';
import { probeBmp, probeGif } from './gif-bmp.js';
import { probeJpeg } from './jpeg.js';
import { probePdf } from './pdf.js';
import { probePng } from './png.js';
import { sniffSignature } from './sniff.js';
import { ProbeSource } from './source.js';
import { sniffText, textFindings, validateText } from './text.js';
import { probeTiff } from './tiff.js';
import { checkXml } from './xml.js';
import { probeZip } from './zip-formats.js';

export interface ProbeOptions {
  readonly signal?: AbortSignal;
  /**
   * Run `qpdf --check` on PDFs when qpdf is installed: 'auto' (default) or
   * 'off'. qpdf parses every object and stream, at the cost of one process
   * per PDF (~5 ms for a small one); with 'off', or without qpdf, PDFs get
   * the structural checks of pdf.ts only.
   */
  readonly qpdf?: 'auto' | 'off';
}

async function identify(src: ProbeSource, ext: string, options: ProbeOptions): Promise<Findings> {
  if (src.size === 0) return { format: 'empty' };
  const signature = sniffSignature(src.head);
  switch (signature) {
    case 'pdf':
      return probePdf(src, { qpdf: options.qpdf ?? 'auto' });
    case 'zip':
      return probeZip(src);
    case 'cfb':
      return probeCfb(src, ext);
    case 'jpeg':
      return probeJpeg(src);
    case 'png':
      return probePng(src);
    case 'tiff':
      return probeTiff(src);
    case 'gif':
      return probeGif(src);
    case 'bmp':
      return probeBmp(src);
    case 'rar':
      return probeRar(src);
    case '7z':
      return probe7z(src);
    case undefined:
      break;
    default:
      return { format: signature }; // identified, no validator
  }
  const text = sniffText(src.head, src.whole);
  if (text === undefined) return { format: 'unknown' };
  if (text.kind === 'html') return { format: 'html', version: text.encoding.toUpperCase() };
  if (text.kind === 'xml') return { format: 'xml', ...verdict(await checkXml(src.chunks(), {}, src.signal)) };
  return textFindings(text, await validateText(src, text.encoding));
}

/**
 * Identify a file by its content (magic bytes and structure, never by its
 * extension), validate its structure where a validator exists, and say
 * whether the extension of `name` promises another format.
 *
 * Reads the first 64 KiB, then streams or seeks as the format needs; never
 * holds a whole large file in memory. Content is untrusted: every length and
 * offset read from the file is bounds-checked, and a structure that lies
 * makes the file invalid, never the probe fail. I/O errors and aborts throw.
 */
export async function probeFormat(file: string, name: string, options: ProbeOptions = {}): Promise<FormatReport> {
  const ext = extensionOf(name);
  const src = await ProbeSource.open(file, options.signal);
  let found: Findings;
  try {
    found = await identify(src, ext, options);
  } catch (e) {
    if (!isParseFailure(e)) throw e;
    // A parser tripped over hostile input (a RangeError from a lying length): the file is broken.
    const format = sniffSignature(src.head) ?? 'unknown';
    found = {
      format,
      ...verdict([problem(`无法解析文件结构：${e.message}`, `cannot parse the file structure: ${e.message}`)]),
    };
  } finally {
    await src.close();
  }
  const info = FORMAT_INFO[found.format] ?? { name: found.format, mime: 'application/octet-stream' };
  const defaultName =
    found.version !== undefined && found.format === 'pdf' ? `${info.name} ${found.version}` : info.name;
  return {
    format: found.format,
    name: found.name ?? defaultName,
    mime: info.mime,
    ...(found.version !== undefined ? { version: found.version } : {}),
    ...(found.pdfa !== undefined ? { pdfa: found.pdfa } : {}),
    extensionMismatch: isExtensionMismatch(ext, found.format, found.valid),
    ...(found.valid !== undefined ? { valid: found.valid } : {}),
    problems: found.problems ?? [],
    encrypted: found.encrypted ?? false,
  };
}
