import { crc32 } from 'node:zlib';
import type { Message } from '../../core/index.js';
import { problem, verdict, type Findings } from './format-info.js';
import type { ProbeSource } from './source.js';

/** Allowed bit depths per colour type (PNG, ISO/IEC 15948 §11.2.2 Table 11.1). */
const DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function checkIhdr(data: Buffer, problems: Message[]): { width: number; height: number } | undefined {
  if (data.length !== 13) {
    problems.push(problem(`IHDR 块长度应为 13，实为 ${data.length}`, `IHDR is ${data.length} bytes long, not 13`));
    return undefined;
  }
  const width = data.readUInt32BE(0);
  const height = data.readUInt32BE(4);
  const [depth, colour, compression, filter, interlace] = [data[8], data[9], data[10], data[11], data[12]];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    problems.push(problem(`图像尺寸无效：${width}×${height}`, `invalid image size ${width}×${height}`));
  }
  if (!(DEPTHS[colour as number] ?? []).includes(depth as number)) {
    problems.push(
      problem(`颜色类型 ${colour} 与位深 ${depth} 的组合无效`, `invalid colour type ${colour} with bit depth ${depth}`),
    );
  }
  if (compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) {
    problems.push(
      problem('IHDR 中的压缩、滤波或隔行方法无效', 'invalid compression, filter or interlace method in IHDR'),
    );
  }
  return { width, height };
}

/**
 * PNG (ISO/IEC 15948 §5): the signature, then chunks of length, type, data
 * and a CRC-32 over type and data (§5.5), IHDR first, IEND last, at least one
 * IDAT. CRCs are computed piece by piece as the chunk streams past.
 */
export async function probePng(src: ProbeSource): Promise<Findings> {
  const problems: Message[] = [];
  const cur = src.cursor(8);
  let first = true;
  let sawIdat = false;
  let sawIend = false;
  let badCrcs = 0;
  while (!sawIend) {
    const start = cur.pos;
    const hdr = await cur.take(8);
    if (hdr === undefined) {
      problems.push(
        cur.remaining > 0
          ? problem(
              `偏移 ${start} 处的块头不完整（文件被截断）`,
              `incomplete chunk header at offset ${start} (truncated)`,
            )
          : problem('没有 IEND 结束块（文件被截断）', 'no IEND chunk (file truncated)'),
      );
      break;
    }
    const length = hdr.readUInt32BE(0);
    const typeBytes = Buffer.from(hdr.subarray(4, 8));
    const type = typeBytes.toString('latin1');
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) {
      problems.push(problem(`偏移 ${start} 处不是有效的 PNG 块`, `no valid PNG chunk at offset ${start}`));
      break;
    }
    if (cur.remaining < length + 4) {
      problems.push(
        problem(`${type} 块超出文件末尾（文件被截断）`, `the ${type} chunk runs past the end of the file (truncated)`),
      );
      break;
    }
    if (first !== (type === 'IHDR')) {
      problems.push(
        first
          ? problem(`第一个块应为 IHDR，实为 ${type}`, `the first chunk is ${type}, not IHDR`)
          : problem('IHDR 块重复出现', 'IHDR appears more than once'),
      );
    }
    let crc = crc32(typeBytes);
    const kept: Buffer[] = [];
    for await (const piece of cur.span(length)) {
      crc = crc32(piece, crc);
      if (type === 'IHDR') kept.push(Buffer.from(piece));
    }
    const stored = (await cur.take(4))?.readUInt32BE(0);
    if (stored !== crc >>> 0 && badCrcs++ < 3) {
      problems.push(
        problem(`偏移 ${start} 处 ${type} 块的 CRC 校验错误`, `bad CRC in the ${type} chunk at offset ${start}`),
      );
    }
    if (type === 'IHDR') checkIhdr(Buffer.concat(kept), problems);
    if (type === 'IDAT') sawIdat = true;
    if (type === 'IEND') sawIend = true;
    first = false;
  }
  if (sawIend && cur.remaining > 0) {
    problems.push(problem(`IEND 之后还有 ${cur.remaining} 字节数据`, `${cur.remaining} bytes follow the IEND chunk`));
  }
  if (sawIend && !sawIdat) problems.push(problem('没有 IDAT 图像数据块', 'no IDAT image data'));
  return { format: 'png', ...verdict(problems) };
}
