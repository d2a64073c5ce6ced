import type { Message } from '../../core/index.js';
import { problem, verdict, type Findings } from './format-info.js';
import type { Cursor, ProbeSource } from './source.js';

const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const isRst = (m: number): boolean => m >= 0xd0 && m <= 0xd7;
const truncated = problem('没有 EOI 结束标记（文件被截断）', 'no EOI marker (file truncated)');

/**
 * Skip entropy-coded data after a scan header (ITU-T T.81 §B.1.1.5): 0xFF is
 * followed by 0x00 (stuffing) or a restart marker inside the data; anything
 * else is the next marker. Leaves the cursor on that marker's 0xFF.
 */
async function skipScan(cur: Cursor): Promise<boolean> {
  for (;;) {
    if (!(await cur.ensure(1))) return false;
    const w = cur.window();
    const i = w.indexOf(0xff);
    if (i < 0) {
      cur.skip(w.length);
      continue;
    }
    cur.skip(i);
    if (!(await cur.ensure(2))) return false;
    const next = cur.window()[1] as number;
    if (next === 0 || isRst(next)) cur.skip(2);
    else if (next === 0xff) cur.skip(1);
    else return true;
  }
}

/**
 * JPEG (ITU-T T.81 Annex B): SOI, then marker segments with their lengths up
 * to each scan (SOS), the entropy-coded data, and so on to EOI. A frame
 * header (SOFn) must precede the first scan. Data after EOI is allowed (some
 * cameras append previews or video there).
 */
export async function probeJpeg(src: ProbeSource): Promise<Findings> {
  const problems: Message[] = [];
  const cur = src.cursor(2);
  let sawSof = false;
  let sawSos = false;
  let version: string | undefined;
  for (;;) {
    const at = cur.pos;
    const ff = await cur.take(1);
    if (ff === undefined) {
      problems.push(truncated);
      break;
    }
    if (ff[0] !== 0xff) {
      problems.push(problem(`偏移 ${at} 处应为标记`, `expected a marker at offset ${at}`));
      break;
    }
    let marker = 0xff;
    while (marker === 0xff) {
      const b = await cur.take(1);
      if (b === undefined) break;
      marker = b[0] as number;
    }
    if (marker === 0xff) {
      problems.push(truncated);
      break;
    }
    if (marker === 0xd9) break;
    if (isRst(marker) || marker === 0x01) continue;
    if (marker === 0xd8 || marker === 0x00) {
      problems.push(problem(`偏移 ${at} 处的标记无效`, `invalid marker at offset ${at}`));
      break;
    }
    const len = (await cur.take(2))?.readUInt16BE(0);
    if (len === undefined || cur.remaining < len - 2) {
      problems.push(
        problem(
          `偏移 ${at} 处的段超出文件末尾（文件被截断）`,
          `the segment at offset ${at} runs past the end (truncated)`,
        ),
      );
      break;
    }
    if (len < 2) {
      problems.push(problem(`偏移 ${at} 处的段长度无效`, `invalid segment length at offset ${at}`));
      break;
    }
    if (isSof(marker)) {
      const seg = await cur.take(len - 2);
      if (seg === undefined || seg.length < 6 || seg.readUInt16BE(3) === 0) {
        problems.push(problem('帧头（SOF）无效或图像宽度为 0', 'invalid frame header (SOF) or zero width'));
      }
      sawSof = true;
      version ??= marker === 0xc0 ? 'baseline' : marker === 0xc2 ? 'progressive' : `SOF${marker - 0xc0}`;
      continue;
    }
    cur.skip(len - 2);
    if (marker === 0xda) {
      if (!sawSof)
        problems.push(problem('扫描（SOS）出现在帧头（SOF）之前', 'a scan (SOS) comes before any frame header (SOF)'));
      sawSos = true;
      if (!(await skipScan(cur))) {
        problems.push(truncated);
        break;
      }
    }
  }
  if (!sawSos && problems.length === 0) problems.push(problem('没有图像扫描数据（SOS）', 'no image scan (SOS)'));
  return { format: 'jpeg', ...(version ? { version } : {}), ...verdict(problems) };
}
