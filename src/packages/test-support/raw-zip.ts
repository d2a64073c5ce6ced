import { deflateRawSync, crc32 } from 'node:zlib';

/**
 * A tiny zip writer for tests: unlike yazl it writes whatever bytes, flags
 * and sizes it is told, so tests can build the archives real tools produce
 * (GBK names without bit 11) and the ones attackers craft (lying sizes, bad
 * CRCs, traversal names). Layout per APPNOTE.TXT 4.3.
 */
export interface RawZipEntry {
  readonly name: Buffer | string;
  readonly data?: Buffer | string;
  /** General-purpose bit flag; default 0 (no UTF-8 bit 11). */
  readonly flags?: number;
  /** 0 = stored (default), 8 = deflate; any other number is written as is over stored bytes. */
  readonly method?: number;
  /** Override the CRC-32 written in both headers. */
  readonly crc?: number;
  /** Override the uncompressed size written in both headers. */
  readonly declaredSize?: number;
  readonly extra?: Buffer;
  /** Unix mode (e.g. 0o120777 for a symlink); sets "version made by" to Unix. */
  readonly unixMode?: number;
  /** DOS date/time; default 2024-05-01 12:34:56 local. */
  readonly dosDate?: number;
  readonly dosTime?: number;
}

export function dosDateTime(d: Date): { dosDate: number; dosTime: number } {
  return {
    dosDate: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    dosTime: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

export function buildZip(entries: readonly RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const def = dosDateTime(new Date(2024, 4, 1, 12, 34, 56));
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : (e.data ?? Buffer.alloc(0));
    const method = e.method ?? 0;
    const body = method === 8 ? deflateRawSync(data) : data;
    const crc = e.crc ?? crc32(data);
    const size = e.declaredSize ?? data.length;
    const extra = e.extra ?? Buffer.alloc(0);
    const date = e.dosDate ?? def.dosDate;
    const time = e.dosTime ?? def.dosTime;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.unixMode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(e.unixMode === undefined ? 0 : (e.unixMode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    const localAll = Buffer.concat([local, name, extra, body]);
    locals.push(localAll);
    centrals.push(Buffer.concat([central, name, extra]));
    offset += localAll.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** Info-ZIP Unicode Path extra field (APPNOTE 4.6.9): version 1, CRC-32 of the raw name, UTF-8 name. */
export function unicodePathExtra(rawName: Buffer, utf8Name: string): Buffer {
  const name = Buffer.from(utf8Name, 'utf8');
  const head = Buffer.alloc(9);
  head.writeUInt16LE(0x7075, 0);
  head.writeUInt16LE(5 + name.length, 2);
  head.writeUInt8(1, 4);
  head.writeUInt32LE(crc32(rawName), 5);
  return Buffer.concat([head, name]);
}
