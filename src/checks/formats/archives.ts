import { crc32 } from 'node:zlib';
import type { Message } from '../../core/index.js';
import { problem, verdict, type Findings } from './format-info.js';
import type { ProbeSource } from './source.js';

const MAX_HEADERS = 100_000;
const truncated = (what: string) =>
  problem(`${what}的头部超出文件末尾（文件被截断）`, `a ${what} header runs past the end of the file (truncated)`);
const badCrc = (what: string, at: number) =>
  problem(`偏移 ${at} 处的 ${what} 头部 CRC 校验错误`, `bad ${what} header CRC at offset ${at}`);

/** RAR 5.0 variable-length integer: 7 bits per byte, high bit set on all but the last. */
function vint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0, mul = 1; i < 10 && at + i < buf.length; i++, mul *= 128) {
    const b = buf[at + i] as number;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

/** RAR 5.0 ("RAR 5.0 archive format", rarlab.com): header CRCs, the chain of headers, encryption records. */
async function walkRar5(src: ProbeSource): Promise<{ problems: Message[]; encrypted: boolean }> {
  for (let pos = 8, n = 0; pos < src.size && n < MAX_HEADERS; n++) {
    const start = await src.read(pos, 16);
    const size = vint(start, 4);
    if (size === undefined || size.value > 2 * 1024 * 1024) return { problems: [truncated('RAR')], encrypted: false };
    const header = await src.read(pos, size.next + size.value);
    if (header.length < size.next + size.value) return { problems: [truncated('RAR')], encrypted: false };
    if (crc32(header.subarray(4)) !== header.readUInt32LE(0))
      return { problems: [badCrc('RAR', pos)], encrypted: false };
    const type = vint(header, size.next);
    const flags = type && vint(header, type.next);
    if (type === undefined || flags === undefined) return { problems: [badCrc('RAR', pos)], encrypted: false };
    if (type.value === 4) return { problems: [], encrypted: true }; // archive encryption header: all headers encrypted
    if (type.value === 5) return { problems: [], encrypted: false }; // end of archive
    let at = flags.next;
    const extra = flags.value & 1 ? vint(header, at) : undefined;
    if (extra) at = extra.next;
    const data = flags.value & 2 ? vint(header, at) : undefined;
    if (type.value === 2 && extra !== undefined) {
      // Extra area records at the end of a file header; record type 1 is "file encryption".
      for (let r = header.length - extra.value; r < header.length;) {
        const recSize = vint(header, r);
        const recType = recSize && vint(header, recSize.next);
        if (recSize === undefined || recType === undefined) break;
        if (recType.value === 1) return { problems: [], encrypted: true };
        r = recSize.next + recSize.value;
      }
    }
    pos += header.length + (data?.value ?? 0);
  }
  return { problems: [], encrypted: false };
}

/** RAR 1.5–4.x ("RAR version 4.x - technical information"): block CRCs and the password flags. */
async function walkRar4(src: ProbeSource): Promise<{ problems: Message[]; encrypted: boolean }> {
  for (let pos = 7, n = 0; pos < src.size && n < MAX_HEADERS; n++) {
    const fixed = await src.read(pos, 7);
    if (fixed.length < 7) return { problems: [truncated('RAR')], encrypted: false };
    const [type, flags, size] = [fixed[2] as number, fixed.readUInt16LE(3), fixed.readUInt16LE(5)];
    const header = await src.read(pos, size);
    if (size < 7 || header.length < size) return { problems: [truncated('RAR')], encrypted: false };
    if ((crc32(header.subarray(2)) & 0xffff) !== header.readUInt16LE(0)) {
      return { problems: [badCrc('RAR', pos)], encrypted: false };
    }
    if (type === 0x73 && flags & 0x0080) return { problems: [], encrypted: true }; // MHD_PASSWORD: headers encrypted
    if (type === 0x74 && flags & 0x0004) return { problems: [], encrypted: true }; // LHD_PASSWORD
    if (type === 0x7b) break; // end of archive
    let data = flags & 0x8000 && size >= 11 ? header.readUInt32LE(7) : 0;
    if (type === 0x74 && flags & 0x0100 && size >= 36) data += header.readUInt32LE(32) * 2 ** 32;
    pos += size + data;
    if (pos > src.size) return { problems: [truncated('RAR')], encrypted: false };
  }
  return { problems: [], encrypted: false };
}

export async function probeRar(src: ProbeSource): Promise<Findings> {
  const v5 = src.head[6] === 0x01;
  const r = v5 ? await walkRar5(src) : await walkRar4(src);
  return { format: 'rar', version: v5 ? '5' : '4', encrypted: r.encrypted, ...verdict(r.problems) };
}

/** The 7zAES coder id (7zFormat.txt, "Coders" list: 06F10701). */
const AES_CODER = Buffer.from([0x06, 0xf1, 0x07, 0x01]);

/**
 * 7z (7zFormat.txt): the signature header's CRC, the next header inside the
 * file with a matching CRC. Encrypted when the header lists the AES coder —
 * visible when headers are plain or when they are themselves encrypted;
 * not when file data is encrypted under LZMA-compressed headers.
 */
export async function probe7z(src: ProbeSource): Promise<Findings> {
  const h = src.head;
  if (h.length < 32) return { format: '7z', ...verdict([truncated('7z')]) };
  const version = `${h[6]}.${h[7]}`;
  if (crc32(h.subarray(12, 32)) !== h.readUInt32LE(8)) return { format: '7z', version, ...verdict([badCrc('7z', 0)]) };
  const offset = 32 + Number(h.readBigUInt64LE(12));
  const size = Number(h.readBigUInt64LE(20));
  if (offset + size > src.size) return { format: '7z', version, ...verdict([truncated('7z')]) };
  let crc = 0;
  let encrypted = false;
  let tail = Buffer.alloc(0);
  for await (const chunk of src.chunks(offset, offset + size)) {
    crc = crc32(chunk, crc);
    const buf = Buffer.concat([tail, chunk]);
    if (buf.includes(AES_CODER)) encrypted = true;
    tail = Buffer.from(buf.subarray(Math.max(0, buf.length - 3)));
  }
  const problems = crc >>> 0 === h.readUInt32LE(28) ? [] : [badCrc('7z', offset)];
  return { format: '7z', version, encrypted, ...verdict(problems) };
}
