import { open, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { packageError } from './package-error.js';

export type DetectedKind = 'folder' | 'zip' | 'tar' | 'tar.gz';

const PEEK = 64 * 1024;

/** A ustar/GNU header has "ustar" at 257; a v7 header only a valid checksum (POSIX.1 tar header, chksum field). */
export function looksLikeTar(block: Buffer): boolean {
  if (block.length < 512) return false;
  if (block.subarray(257, 262).toString('latin1') === 'ustar') return true;
  const declared = parseInt(
    block
      .subarray(148, 156)
      .toString('latin1')
      .replace(/[\0 ]+$/, '')
      .trim(),
    8,
  );
  if (!Number.isFinite(declared)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === declared;
}

/** Detect by content, never by extension: depositors rename files and attackers lie. */
export async function detectPackageKind(input: string): Promise<DetectedKind> {
  const st = await stat(input);
  if (st.isDirectory()) return 'folder';
  const fh = await open(input, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(Math.min(PEEK, st.size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  // Local file header or (empty zip) end of central directory signature, APPNOTE 4.3.7 / 4.3.16.
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return 'zip';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    let inner: Buffer = Buffer.alloc(0);
    try {
      // Only the first 64 KiB are peeked; a partial gunzip is enough for one tar header.
      inner = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH */, maxOutputLength: 1 << 20 });
    } catch {
      // fall through to "unsupported"
    }
    // Too little to judge (a truncated .tar.gz): let the extractor report it as damaged.
    if (inner.length < 512 || looksLikeTar(inner)) return 'tar.gz';
  }
  if (looksLikeTar(head)) return 'tar';
  throw packageError(
    'E_UNSUPPORTED_PACKAGE',
    {
      zh: `无法识别的提交包格式：${input}；请提交文件夹、zip、tar 或 tar.gz`,
      en: `unrecognised package format: ${input}; deposit a folder, zip, tar or tar.gz`,
    },
    { input },
  );
}
