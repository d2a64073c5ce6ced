import iconv from 'iconv-lite';
import { crc32 } from 'node:zlib';
import { escapeBytes, packageError } from './package-error.js';

export type NameEncoding = 'utf-8' | 'gb18030';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8, or undefined when the bytes are not valid UTF-8. */
export function decodeUtf8Strict(raw: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(raw);
  } catch {
    return undefined;
  }
}

function badEncoding(raw: Buffer, where: string): Error {
  const shown = escapeBytes(raw);
  return packageError(
    'E_BAD_NAME_ENCODING',
    {
      zh: `${where}中的文件名既不是 UTF-8 也不是 GBK/GB18030：“${shown}”；请用 UTF-8 文件名重新打包`,
      en: `a file name in ${where} is neither UTF-8 nor GBK/GB18030: "${shown}"; package it again with UTF-8 names`,
    },
    { rawName: shown },
  );
}

/**
 * Decode a name whose encoding is not declared. Strict UTF-8 first: multi-byte
 * GBK text is almost never valid UTF-8, so a valid decode is trusted. Otherwise
 * GB18030 (a superset of GBK and GB2312), which Windows zip tools and tar on a
 * zh_CN locale write. Bytes GB18030 cannot map either are refused, not guessed.
 */
export function decodeUndeclaredName(raw: Buffer, where: string): { name: string; encoding: NameEncoding } {
  const utf8 = decodeUtf8Strict(raw);
  if (utf8 !== undefined) return { name: utf8, encoding: 'utf-8' };
  const gb = iconv.decode(raw, 'gb18030');
  if (gb.includes('\uFFFD')) throw badEncoding(raw, where);
  return { name: gb, encoding: 'gb18030' };
}

/**
 * A zip entry name per APPNOTE.TXT 6.3.10: the Info-ZIP Unicode Path extra
 * field 0x7075 (4.6.9) wins when its CRC matches the raw name; UTF-8 when
 * general-purpose bit 11 is set (4.4.4, Appendix D); otherwise undeclared —
 * nominally CP437, in practice GBK from Chinese Windows tools.
 */
export function decodeZipName(
  raw: Buffer,
  generalPurposeBitFlag: number,
  extraFields: readonly { id: number; data: Buffer }[],
): { name: string; encoding: NameEncoding } {
  for (const field of extraFields) {
    if (field.id !== 0x7075 || field.data.length < 6 || field.data[0] !== 1) continue;
    if (field.data.readUInt32LE(1) !== crc32(raw)) continue; // stale field: APPNOTE says ignore it
    const name = decodeUtf8Strict(field.data.subarray(5));
    if (name === undefined) throw badEncoding(field.data.subarray(5), 'zip Unicode Path (0x7075)');
    return { name, encoding: 'utf-8' };
  }
  if ((generalPurposeBitFlag & 0x800) !== 0) {
    const name = decodeUtf8Strict(raw);
    if (name === undefined) throw badEncoding(raw, 'zip (UTF-8 flag set)');
    return { name, encoding: 'utf-8' };
  }
  return decodeUndeclaredName(raw, 'zip');
}
