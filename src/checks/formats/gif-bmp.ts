import type { Message } from '../../core/index.js';
import { problem, verdict, type Findings } from './format-info.js';
import type { Cursor, ProbeSource } from './source.js';

const gifTruncated = problem(
  'GIF 文件不完整：没有结尾标记（文件被截断）',
  'incomplete GIF: no trailer (file truncated)',
);

/** Data sub-blocks up to the block terminator (GIF89a §15). */
async function skipSubBlocks(cur: Cursor): Promise<boolean> {
  for (;;) {
    const size = await cur.take(1);
    if (size === undefined) return false;
    if (size[0] === 0) return true;
    cur.skip(size[0] as number);
  }
}

/**
 * GIF87a/89a: the header and logical screen descriptor (§17–18), the global
 * colour table, then blocks — extensions (0x21) and images (0x2C, §20) with
 * their data sub-blocks — up to the trailer 0x3B (§27).
 */
export async function probeGif(src: ProbeSource): Promise<Findings> {
  const version = src.head.toString('latin1', 3, 6);
  const problems: Message[] = [];
  const lsd = src.head.subarray(6, 13);
  if (lsd.length < 7) return { format: 'gif', version, ...verdict([gifTruncated]) };
  if (lsd.readUInt16LE(0) === 0 || lsd.readUInt16LE(2) === 0) {
    problems.push(problem('GIF 逻辑屏幕尺寸为 0', 'the GIF logical screen has zero size'));
  }
  const flags = lsd[4] as number;
  const cur = src.cursor(13 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0));
  let images = 0;
  for (;;) {
    const at = cur.pos;
    const block = await cur.take(1);
    if (block === undefined) {
      problems.push(gifTruncated);
      break;
    }
    if (block[0] === 0x3b) break;
    let ok: boolean;
    if (block[0] === 0x21) {
      ok = (await cur.take(1)) !== undefined && (await skipSubBlocks(cur));
    } else if (block[0] === 0x2c) {
      const desc = await cur.take(9);
      if (desc !== undefined) {
        const f = desc[8] as number;
        cur.skip((f & 0x80 ? 3 << ((f & 7) + 1) : 0) + 1); // local colour table, LZW minimum code size
      }
      ok = desc !== undefined && (await skipSubBlocks(cur));
      images++;
    } else {
      problems.push(problem(`偏移 ${at} 处不是有效的 GIF 数据块`, `no valid GIF block at offset ${at}`));
      break;
    }
    if (!ok) {
      problems.push(gifTruncated);
      break;
    }
  }
  if (problems.length === 0 && images === 0) problems.push(problem('GIF 中没有图像', 'the GIF holds no image'));
  return { format: 'gif', version, ...verdict(problems) };
}

/**
 * BMP (Windows bitmap): file header "BM" with file size and pixel data
 * offset, a DIB header of a known size, sane dimensions, planes and bit
 * count, and — for uncompressed bitmaps — pixel rows that fit in the file.
 */
export async function probeBmp(src: ProbeSource): Promise<Findings> {
  const h = src.head;
  const problems: Message[] = [];
  const dib = h.readUInt32LE(14);
  if (h.length < 14 + dib) return { format: 'bmp', ...verdict([problem('BMP 文件头不完整', 'incomplete BMP header')]) };
  const declared = h.readUInt32LE(2);
  const dataAt = h.readUInt32LE(10);
  const core = dib === 12;
  const width = core ? h.readUInt16LE(18) : h.readInt32LE(18);
  const height = core ? h.readUInt16LE(20) : h.readInt32LE(22);
  const planes = h.readUInt16LE(core ? 22 : 26);
  const bpp = h.readUInt16LE(core ? 24 : 28);
  const compression = core ? 0 : h.readUInt32LE(30);
  if (declared > src.size) {
    problems.push(
      problem(
        `BMP 声明 ${declared} 字节，文件只有 ${src.size} 字节（被截断）`,
        `the BMP declares ${declared} bytes but has ${src.size} (truncated)`,
      ),
    );
  }
  if (dataAt < 14 + dib || dataAt >= src.size) {
    problems.push(problem(`像素数据偏移 ${dataAt} 无效`, `invalid pixel data offset ${dataAt}`));
  }
  if (width <= 0 || height === 0 || planes !== 1 || ![1, 2, 4, 8, 16, 24, 32, 64].includes(bpp)) {
    problems.push(
      problem(
        `BMP 图像参数无效：${width}×${height}，${planes} 个平面，${bpp} 位`,
        `invalid BMP image: ${width}×${height}, ${planes} planes, ${bpp} bits`,
      ),
    );
  } else if (compression === 0 && problems.length === 0) {
    const row = Math.ceil((width * bpp) / 32) * 4;
    if (dataAt + row * Math.abs(height) > src.size) {
      problems.push(
        problem('像素数据超出文件末尾（文件被截断）', 'the pixel data runs past the end of the file (truncated)'),
      );
    }
  }
  return { format: 'bmp', ...verdict(problems) };
}
