import { open, type FileHandle } from 'node:fs/promises';
import type { ImageType } from './detect.js';
import { ocrBlocked, ocrImage } from './ocr.js';
import { fromSink, noText } from './result.js';
import { TextSink } from './text-sink.js';
import type { Context, ExtractResult } from './types.js';

/**
 * Image dimensions read from the headers, before any decoder sees the file:
 * a 100,000 × 100,000 PNG is a few kilobytes of zeros that would make
 * Tesseract (Leptonica) allocate tens of gigabytes. Images over MAX_PIXELS
 * are not OCRed. Layouts: PNG IHDR (PNG §11.2.2), GIF logical screen (GIF89a
 * §18), BMP BITMAPINFOHEADER, JPEG SOFn (ITU T.81 B.2.2), TIFF 6.0 IFD tags
 * 256/257 (every page), WebP VP8/VP8L/VP8X headers (RFC 9649), JP2 ihdr box
 * (ISO/IEC 15444-1 I.5.3.1).
 */

/** 100 megapixels: an A3 page scanned at 600 dpi is 70. */
export const MAX_PIXELS = 100_000_000;

export interface Size {
  readonly width: number;
  readonly height: number;
  /** Pages (TIFF). */
  readonly pages: number;
}

/** Largest image (by area) in the file, or undefined when its header cannot be read. */
export async function imageSize(path: string, type: ImageType): Promise<Size | undefined> {
  const file = await open(path, 'r');
  try {
    const head = await readAt(file, 0, 64 * 1024);
    switch (type) {
      case 'png':
        return head.length >= 24 ? one(head.readUInt32BE(16), head.readUInt32BE(20)) : undefined;
      case 'gif':
        return head.length >= 10 ? one(head.readUInt16LE(6), head.readUInt16LE(8)) : undefined;
      case 'bmp':
        return bmp(head);
      case 'webp':
        return webp(head);
      case 'jp2': {
        const at = head.indexOf('ihdr');
        return at >= 0 && head.length >= at + 12
          ? one(head.readUInt32BE(at + 8), head.readUInt32BE(at + 4))
          : undefined;
      }
      case 'jpeg':
        return await jpeg(file);
      case 'tiff':
        return await tiff(file, head);
    }
  } catch {
    return undefined; // a header that ends early: the decoder would fail as well
  } finally {
    await file.close();
  }
}

const one = (width: number, height: number): Size => ({ width, height, pages: 1 });

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function bmp(head: Buffer): Size | undefined {
  if (head.readUInt32LE(14) === 12) return one(head.readUInt16LE(18), head.readUInt16LE(20)); // OS/2 core header
  return one(Math.abs(head.readInt32LE(18)), Math.abs(head.readInt32LE(22))); // negative height: top-down
}

function webp(head: Buffer): Size | undefined {
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return one(head.readUIntLE(24, 3) + 1, head.readUIntLE(27, 3) + 1);
  if (chunk === 'VP8L') {
    const bits = head.readUInt32LE(21);
    return one((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8 ') return one(head.readUInt16LE(26) & 0x3fff, head.readUInt16LE(28) & 0x3fff);
  return undefined;
}

/** Walk the JPEG segments to the first SOFn marker (EXIF and ICC segments can come first and be large). */
async function jpeg(file: FileHandle): Promise<Size | undefined> {
  let pos = 2;
  for (let i = 0; i < 1000; i++) {
    const seg = await readAt(file, pos, 9);
    if (seg.length < 4 || seg[0] !== 0xff) return undefined;
    const marker = seg[1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return seg.length >= 9 ? one(seg.readUInt16BE(7), seg.readUInt16BE(5)) : undefined;
    }
    pos += 2 + seg.readUInt16BE(2);
  }
  return undefined;
}

/** Every page's ImageWidth (256) and ImageLength (257); the size returned is the largest page. */
async function tiff(file: FileHandle, head: Buffer): Promise<Size | undefined> {
  const le = head[0] === 0x49;
  const u16 = (b: Buffer, at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  let ifd = u32(head, 4);
  let largest: Size | undefined;
  const seen = new Set<number>();
  for (let pages = 1; ifd !== 0 && pages <= 10_000; pages++) {
    if (seen.has(ifd)) return undefined; // an IFD chain that loops
    seen.add(ifd);
    const count = u16(await readAt(file, ifd, 2), 0);
    const entries = await readAt(file, ifd + 2, count * 12 + 4);
    if (entries.length < count * 12 + 4) return undefined;
    let width = 0;
    let height = 0;
    for (let i = 0; i < count; i++) {
      const tag = u16(entries, i * 12);
      const type = u16(entries, i * 12 + 2);
      const value = type === 3 ? u16(entries, i * 12 + 8) : u32(entries, i * 12 + 8);
      if (tag === 256) width = value;
      if (tag === 257) height = value;
    }
    if (largest === undefined || width * height > largest.width * largest.height) largest = { width, height, pages };
    largest = { ...largest, pages };
    ifd = u32(entries, count * 12);
  }
  return largest;
}

/** OCR an image file: 'ocr-not-run' without Tesseract, 'failed' when it is too large or unreadable. */
export async function extractImage(path: string, type: ImageType, ctx: Context): Promise<ExtractResult> {
  const blocked = await ocrBlocked(ctx);
  if (blocked !== undefined) return noText('ocr-not-run', 'image', blocked);
  const size = await imageSize(path, type);
  if (size === undefined) {
    return noText('failed', 'image', {
      zh: `${type.toUpperCase()} 图像的文件头无法读取（文件已损坏或被截断）`,
      en: `the ${type.toUpperCase()} image header cannot be read (the file is damaged or truncated)`,
    });
  }
  if (size.width * size.height > MAX_PIXELS || size.width === 0 || size.height === 0) {
    return noText('failed', 'image', {
      zh: `图像尺寸 ${size.width}×${size.height} 像素超出 OCR 上限（${MAX_PIXELS / 1e6} 百万像素）或无效；请缩小后重新扫描`,
      en: `the image is ${size.width}×${size.height} pixels, over the OCR limit of ${MAX_PIXELS / 1e6} megapixels or invalid; scale it down`,
    });
  }
  const sink = new TextSink(ctx.maxChars);
  const outcome = await ocrImage(path, sink, ctx);
  if (!outcome.ok && sink.text === '') {
    return noText('failed', 'image', {
      zh: `Tesseract 无法识别该图像：${outcome.reason}`,
      en: `Tesseract could not read the image: ${outcome.reason}`,
    });
  }
  return fromSink(sink, 'ocr', 'image');
}
