import type { Message } from '../../core/index.js';
import { problem, verdict, type Findings } from './format-info.js';
import type { ProbeSource } from './source.js';

/** Field type sizes (TIFF 6.0 §2 "Types"; BigTIFF adds 16–18). */
const TYPE_SIZE: Readonly<Record<number, number>> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};
const MAX_IFDS = 10_000;
/** Strip/tile arrays longer than this are not range-checked (cost bound on hostile counts). */
const MAX_CHECKED_VALUES = 1_000_000;

const TAG = { width: 256, length: 257, stripOffsets: 273, stripCounts: 279, tileOffsets: 324, tileCounts: 325 };

interface Layout {
  readonly le: boolean;
  readonly big: boolean;
  /** Bytes of the entry count, of one entry, of an offset. */
  readonly countSize: number;
  readonly entrySize: number;
  readonly offSize: number;
}

interface Entry {
  readonly type: number;
  readonly count: number;
  /** The entry's value field (inline values or an offset). */
  readonly field: Buffer;
}

function uint(buf: Buffer, at: number, size: number, le: boolean): number {
  switch (size) {
    case 1:
      return buf[at] as number;
    case 2:
      return le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
    case 4:
      return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
    default:
      return Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at));
  }
}

/** An entry's integer values (SHORT, LONG, LONG8), read inline or from its offset; undefined when out of the file. */
async function values(src: ProbeSource, e: Entry, l: Layout): Promise<number[] | undefined> {
  const size = TYPE_SIZE[e.type] ?? 0;
  if (![3, 4, 16].includes(e.type) || e.count > MAX_CHECKED_VALUES) return [];
  const total = size * e.count;
  let data = e.field;
  if (total > l.offSize) {
    const at = uint(e.field, 0, l.offSize, l.le);
    if (at + total > src.size) return undefined;
    data = await src.read(at, total);
  }
  const out: number[] = [];
  for (let i = 0; i < e.count; i++) out.push(uint(data, i * size, size, l.le));
  return out;
}

async function checkIfd(
  src: ProbeSource,
  tags: Map<number, Entry>,
  l: Layout,
  n: number,
  problems: Message[],
): Promise<void> {
  const where = { zh: `第 ${n} 个 IFD`, en: `IFD ${n}` };
  const missing = (zh: string, en: string): void => {
    problems.push(problem(`${where.zh}缺少必需的标签 ${zh}`, `${where.en} lacks the required tag ${en}`));
  };
  if (!tags.has(TAG.width)) missing('ImageWidth (256)', 'ImageWidth (256)');
  if (!tags.has(TAG.length)) missing('ImageLength (257)', 'ImageLength (257)');
  const tiled = tags.has(TAG.tileOffsets);
  const offTag = tags.get(tiled ? TAG.tileOffsets : TAG.stripOffsets);
  const cntTag = tags.get(tiled ? TAG.tileCounts : TAG.stripCounts);
  if (offTag === undefined)
    return missing('StripOffsets (273) 或 TileOffsets (324)', 'StripOffsets (273) or TileOffsets (324)');
  if (cntTag === undefined) {
    return tiled
      ? missing('TileByteCounts (325)', 'TileByteCounts (325)')
      : missing('StripByteCounts (279)', 'StripByteCounts (279)');
  }
  const offsets = await values(src, offTag, l);
  const counts = await values(src, cntTag, l);
  if (offsets === undefined || counts === undefined) {
    problems.push(
      problem(
        `${where.zh}的图像数据偏移表超出文件末尾`,
        `${where.en}: the image data offset table lies beyond the end of the file`,
      ),
    );
    return;
  }
  for (let i = 0; i < Math.min(offsets.length, counts.length); i++) {
    if ((offsets[i] as number) + (counts[i] as number) > src.size) {
      problems.push(
        problem(
          `${where.zh}的第 ${i + 1} 个图像数据块超出文件末尾（文件被截断）`,
          `${where.en}: image data block ${i + 1} lies beyond the end of the file (truncated)`,
        ),
      );
      return;
    }
  }
}

/**
 * TIFF 6.0 (and BigTIFF): the header, the chain of image file directories
 * (each within the file, no loops), and per image the tags a reader needs
 * (§8 "Baseline fields": ImageWidth, ImageLength, StripOffsets and
 * StripByteCounts, or their tile equivalents, §15) with the image data they
 * point at inside the file.
 */
export async function probeTiff(src: ProbeSource): Promise<Findings> {
  const h = src.head;
  const le = h[0] === 0x49;
  const big = uint(h, 2, 2, le) === 43;
  const l: Layout = { le, big, countSize: big ? 8 : 2, entrySize: big ? 20 : 12, offSize: big ? 8 : 4 };
  const problems: Message[] = [];
  if (h.length < (big ? 16 : 8))
    return { format: 'tiff', ...verdict([problem('TIFF 文件头不完整', 'incomplete TIFF header')]) };
  let ifd = big ? uint(h, 8, 8, le) : uint(h, 4, 4, le);
  if (ifd === 0)
    problems.push(problem('TIFF 文件没有图像文件目录（IFD）', 'the TIFF has no image file directory (IFD)'));
  const seen = new Set<number>();
  for (let n = 1; ifd !== 0 && problems.length === 0; n++) {
    src.signal?.throwIfAborted();
    if (seen.has(ifd) || n > MAX_IFDS) {
      problems.push(problem('IFD 链出现循环', 'the IFD chain loops'));
      break;
    }
    seen.add(ifd);
    const countBuf = await src.read(ifd, l.countSize);
    if (countBuf.length < l.countSize) {
      problems.push(problem(`第 ${n} 个 IFD 位于文件末尾之外`, `IFD ${n} lies beyond the end of the file`));
      break;
    }
    const count = uint(countBuf, 0, l.countSize, le);
    const body = await src.read(ifd + l.countSize, count * l.entrySize + l.offSize);
    if (count === 0 || body.length < count * l.entrySize + l.offSize) {
      problems.push(problem(`第 ${n} 个 IFD 为空或超出文件末尾`, `IFD ${n} is empty or runs past the end of the file`));
      break;
    }
    const tags = new Map<number, Entry>();
    for (let i = 0; i < count; i++) {
      const at = i * l.entrySize;
      const tag = uint(body, at, 2, le);
      const fieldAt = at + (big ? 12 : 8);
      const entry = { type: uint(body, at + 2, 2, le), count: uint(body, at + 4, big ? 8 : 4, le) };
      tags.set(tag, { ...entry, field: body.subarray(fieldAt, fieldAt + l.offSize) });
    }
    await checkIfd(src, tags, l, n, problems);
    ifd = uint(body, count * l.entrySize, l.offSize, le);
  }
  return { format: 'tiff', ...(big ? { version: 'BigTIFF' } : {}), ...verdict(problems) };
}
