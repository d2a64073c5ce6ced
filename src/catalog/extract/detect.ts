import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Message } from '../../core/index.js';

/**
 * What a file is, from its first bytes first and its name second: a file
 * whose extension lies (a .docx that is a PNG, a .pdf that is HTML) is read
 * as what its bytes are. The signatures are the ones the formats define
 * (ISO 32000-2 §7.5.2 %PDF- within the first 1024 bytes as readers accept
 * it; APPNOTE.TXT 4.3.7 PK\3\4; PNG §5.2; JFIF/EXIF SOI FF D8 FF; TIFF 6.0
 * §2 II*\0 / MM\0*; [MS-CFB] §2.2 D0 CF 11 E0 A1 B1 1A E1; ISO/IEC 14496-12
 * ftyp; …).
 */
export type ImageType = 'png' | 'jpeg' | 'gif' | 'bmp' | 'tiff' | 'webp' | 'jp2';

export type Detected =
  | { readonly kind: 'pdf' | 'zip' | 'html' | 'xml' | 'text' }
  | { readonly kind: 'image'; readonly image: ImageType }
  | { readonly kind: 'unsupported' | 'failed'; readonly format: string; readonly reason: Message };

const HEAD_BYTES = 8192;

const TEXT_EXT = new Set('txt text csv tsv md markdown log json ini conf cfg yaml yml sql rst srt'.split(' '));
const HTML_EXT = new Set(['html', 'htm', 'xhtml', 'shtml']);
const XML_EXT = new Set(['xml', 'xsd', 'xsl', 'xslt', 'svg', 'rdf', 'eep', 'kml']);
/** Extensions of binary formats that have a signature: named so but without it, the file is not what it says. */
const CLAIMED: Record<string, string> = {
  pdf: 'PDF',
  ofd: 'OFD',
  docx: 'Word .docx',
  xlsx: 'Excel .xlsx',
  pptx: 'PowerPoint .pptx',
  png: 'PNG',
  jpg: 'JPEG',
  jpeg: 'JPEG',
  gif: 'GIF',
  bmp: 'BMP',
  tif: 'TIFF',
  tiff: 'TIFF',
  webp: 'WebP',
  jp2: 'JPEG 2000',
};

const startsWith = (head: Buffer, bytes: readonly number[] | string, at = 0): boolean => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= at + b.length && head.subarray(at, at + b.length).equals(b);
};

/** The extension of `name` in lower case, without the dot ('' when none). */
export const extensionOf = (name: string): string => extname(name).slice(1).toLowerCase();

/** Read the head of `path` and say what it is. Throws only when the file cannot be opened or read. */
export async function detect(path: string, name: string): Promise<Detected> {
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  return detectHead(head, extensionOf(name));
}

export function detectHead(head: Buffer, ext: string): Detected {
  // Readers accept junk before the header (ISO 32000-2 §7.5.2 note); only trust that for a file named .pdf.
  const pdfAt = head.subarray(0, 1024).indexOf('%PDF-');
  if (pdfAt === 0 || (pdfAt > 0 && ext === 'pdf')) return { kind: 'pdf' };
  if (startsWith(head, 'PK\x03\x04') || startsWith(head, 'PK\x05\x06')) return { kind: 'zip' };
  const image = imageType(head);
  if (image !== undefined) return { kind: 'image', image };
  const binary = binaryFormat(head, ext);
  if (binary !== undefined) return binary;
  const markup = markupKind(head, ext);
  if (markup !== undefined) return { kind: markup };
  if (HTML_EXT.has(ext)) return { kind: 'html' };
  if (XML_EXT.has(ext)) return { kind: 'xml' };
  const text = looksLikeText(head);
  if (TEXT_EXT.has(ext) && text) return { kind: 'text' };
  const claimed = CLAIMED[ext];
  if (claimed !== undefined) {
    return {
      kind: 'failed',
      format: ext,
      reason: {
        zh: `文件名为 .${ext}，但内容不是 ${claimed} 格式（文件可能已损坏或扩展名有误）`,
        en: `the file is named .${ext} but its content is not ${claimed} (the file is damaged or misnamed)`,
      },
    };
  }
  if (text) return { kind: 'text' };
  return unsupported('unknown', {
    zh: `无法识别的文件格式${ext === '' ? '' : `（.${ext}）`}，未提取全文；如为文档，请转换为 PDF、OFD 或 .docx`,
    en: `unrecognised file format${ext === '' ? '' : ` (.${ext})`}; no text extracted — convert documents to PDF, OFD or .docx`,
  });
}

function imageType(head: Buffer): ImageType | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, 'GIF87a') || startsWith(head, 'GIF89a')) return 'gif';
  if (startsWith(head, 'II*\x00') || startsWith(head, 'MM\x00*')) return 'tiff';
  if (startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8)) return 'webp';
  if (startsWith(head, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return 'jp2';
  // BMP: "BM", then a known DIB header size at offset 14 (BITMAPCOREHEADER 12 … BITMAPV5HEADER 124).
  if (startsWith(head, 'BM') && head.length >= 18 && [12, 40, 52, 56, 64, 108, 124].includes(head.readUInt32LE(14))) {
    return 'bmp';
  }
  return undefined;
}

const unsupported = (format: string, reason: Message): Detected => ({ kind: 'unsupported', format, reason });

function binaryFormat(head: Buffer, ext: string): Detected | undefined {
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return oldOffice(ext);
  if (startsWith(head, '{\\rtf')) {
    return unsupported('rtf', {
      zh: 'RTF 格式不提取全文；请在 Word/WPS 中另存为 .docx',
      en: 'text is not extracted from RTF; save the file as .docx in Word or WPS',
    });
  }
  const av = audioVideo(head);
  if (av !== undefined) {
    const zh = av === 'audio' ? '音频' : '视频';
    return unsupported(av, {
      zh: `${zh}文件没有可提取的文字；请在目录中著录其内容`,
      en: `${av} files have no text to extract; describe the content in the catalog entry`,
    });
  }
  const archive =
    startsWith(head, 'Rar!\x1a\x07') ||
    startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) ||
    startsWith(head, [0x1f, 0x8b]) ||
    startsWith(head, 'BZh') ||
    startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) ||
    startsWith(head, 'ustar', 257);
  if (archive) {
    return unsupported('archive', {
      zh: '压缩包不提取全文；请解压后分别提交其中的文件',
      en: 'text is not extracted from compressed archives; unpack it and deposit the files it holds',
    });
  }
  return undefined;
}

/** [MS-CFB] compound files: Word/Excel/PowerPoint 97-2003, WPS's own formats, and password-protected OOXML. */
function oldOffice(ext: string): Detected {
  const [format, app, save] = ['doc', 'dot', 'wps'].includes(ext)
    ? ['doc', 'Word', '.docx']
    : ['xls', 'xlt', 'et'].includes(ext)
      ? ['xls', 'Excel', '.xlsx']
      : ['ppt', 'pot', 'pps', 'dps'].includes(ext)
        ? ['ppt', 'PowerPoint', '.pptx']
        : ['docx', 'xlsx', 'pptx'].includes(ext)
          ? [ext, 'Office', '']
          : ['cfb', 'Office', ''];
  if (save === '' && format !== 'cfb') {
    return unsupported(format, {
      zh: `该 .${ext} 文件设置了打开密码（已加密），无法提取全文；请取消密码后重新保存`,
      en: `this .${ext} file is password-protected (encrypted); no text can be extracted — remove the password and save it again`,
    });
  }
  if (format === 'cfb') {
    return unsupported(format, {
      zh: '这是旧版 Office 97-2003 二进制格式（OLE 复合文档），不提取全文；请在 Office/WPS 中另存为 .docx、.xlsx 或 .pptx',
      en: 'this is an old Office 97-2003 binary (OLE compound) file; text is not extracted — save it as .docx, .xlsx or .pptx in Office or WPS',
    });
  }
  return unsupported(format, {
    zh: `旧版 ${app} 97-2003（.${ext}）格式不提取全文；请在 ${app}/WPS 中另存为 ${save}`,
    en: `the old ${app} 97-2003 (.${ext}) format is not read for text; save the file as ${save} in ${app} or WPS`,
  });
}

function audioVideo(head: Buffer): 'audio' | 'video' | undefined {
  if (startsWith(head, 'ID3') || startsWith(head, 'fLaC') || startsWith(head, '#!AMR')) return 'audio';
  if (startsWith(head, 'RIFF') && startsWith(head, 'WAVE', 8)) return 'audio';
  if (startsWith(head, 'FORM') && (startsWith(head, 'AIFF', 8) || startsWith(head, 'AIFC', 8))) return 'audio';
  if (startsWith(head, 'OggS')) return /vorbis|Opus/.test(head.toString('latin1', 0, 64)) ? 'audio' : 'video';
  // MPEG audio frame sync, 11 set bits (FF D8 is JPEG, matched before; FF FE and FF FF are UTF-16 BOMs or junk).
  if (head[0] === 0xff && head[1] !== undefined && (head[1] & 0xe0) === 0xe0 && head[1] < 0xfe) return 'audio';
  if (startsWith(head, 'ftyp', 4))
    return /^(M4A |M4B |mp4a|F4A )/.test(head.toString('latin1', 8, 12)) ? 'audio' : 'video';
  if (startsWith(head, 'RIFF') && startsWith(head, 'AVI ', 8)) return 'video';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3]) || startsWith(head, 'FLV')) return 'video';
  if (startsWith(head, [0, 0, 1, 0xba]) || startsWith(head, [0, 0, 1, 0xb3])) return 'video';
  if ([0, 188, 376, 564, 752].every((i) => head[i] === 0x47)) return 'video'; // MPEG-TS: 188-byte packets
  if (startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return 'video'; // ASF (WMV/WMA)
  return undefined;
}

/** HTML or XML from the first markup in the file (after a BOM and white space). */
function markupKind(head: Buffer, ext: string): 'html' | 'xml' | undefined {
  const text = headText(head).trimStart().slice(0, 4096).toLowerCase();
  if (!text.startsWith('<')) return undefined;
  const html = HTML_EXT.has(ext) || /<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]/.test(text);
  if (html) return 'html';
  if (text.startsWith('<?xml') || XML_EXT.has(ext) || /^<[a-z_]/.test(text)) return 'xml';
  return text.startsWith('<!--') ? 'xml' : undefined;
}

/** The head as text for sniffing markup: UTF-16 by its BOM, else bytes as Latin-1 (ASCII markup reads the same). */
function headText(head: Buffer): string {
  if (startsWith(head, [0xff, 0xfe])) return new TextDecoder('utf-16le').decode(head);
  if (startsWith(head, [0xfe, 0xff])) return new TextDecoder('utf-16be').decode(head);
  return head.toString('latin1').replace(/^\u00ef\u00bb\u00bf/, '');
}

/** No NUL bytes (unless UTF-16 with a BOM) and not much else that is never text. */
function looksLikeText(head: Buffer): boolean {
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) return true;
  let controls = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) controls++;
  }
  return controls <= head.length / 100;
}
