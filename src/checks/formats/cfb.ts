import type { Message } from '../../core/index.js';
import { formatsForExtension } from './extensions.js';
import { isParseFailure, problem, verdict, type Findings } from './format-info.js';
import type { ProbeSource } from './source.js';

/**
 * A reader for just enough of the Compound File Binary format ([MS-CFB]) to
 * list the directory and read the first bytes of a stream: the container of
 * Word/Excel/PowerPoint 97-2003 files, of WPS Office files, and of encrypted
 * OOXML ([MS-OFFCRYPTO] §2.3.4). Every sector number comes from the file, so
 * each is bounds-checked and every chain is bounded by the sector count
 * (a hostile file cannot loop us).
 */
const ENDOFCHAIN = 0xfffffffe;
const MAXREGSECT = 0xfffffffa;
const HEADER_DIFAT = 109;
const MAX_ENTRIES = 10_000;

class CfbError extends Error {}

interface DirEntry {
  readonly name: string;
  readonly type: number;
  readonly start: number;
  readonly size: number;
}

class Cfb {
  private readonly per: number;
  private readonly fat = new Map<number, Buffer>();
  private difat: number[];
  private difatNext: number;
  private readonly totalSectors: number;
  private miniFat?: number[];
  private miniStream?: number[];

  constructor(
    private readonly src: ProbeSource,
    private readonly header: Buffer,
    readonly sectorSize: number,
  ) {
    this.per = sectorSize / 4;
    this.totalSectors = Math.ceil(src.size / sectorSize);
    this.difat = [];
    for (let i = 0; i < HEADER_DIFAT; i++) this.difat.push(header.readUInt32LE(76 + i * 4));
    this.difatNext = header.readUInt32LE(68);
  }

  private async sector(s: number): Promise<Buffer> {
    if (s > MAXREGSECT || s >= this.totalSectors) throw new CfbError(`sector ${s} out of range`);
    const buf = await this.src.read((s + 1) * this.sectorSize, this.sectorSize);
    if (buf.length < this.sectorSize) throw new CfbError(`sector ${s} truncated`);
    return buf;
  }

  /** The FAT entry for sector `s` ([MS-CFB] §2.3), loading FAT and DIFAT sectors as needed. */
  private async next(s: number): Promise<number> {
    const idx = Math.floor(s / this.per);
    while (idx >= this.difat.length) {
      if (this.difatNext > MAXREGSECT || this.difat.length > this.totalSectors) throw new CfbError('DIFAT ends early');
      const d = await this.sector(this.difatNext);
      for (let i = 0; i < this.per - 1; i++) this.difat.push(d.readUInt32LE(i * 4));
      this.difatNext = d.readUInt32LE((this.per - 1) * 4);
    }
    const fatSector = this.difat[idx] as number;
    let buf = this.fat.get(fatSector);
    if (buf === undefined) {
      buf = await this.sector(fatSector);
      this.fat.set(fatSector, buf);
    }
    return buf.readUInt32LE((s % this.per) * 4);
  }

  /** Sector numbers of the chain from `start`, at most `max` of them. */
  async chain(start: number, max = this.totalSectors): Promise<number[]> {
    const out: number[] = [];
    for (let s = start; s !== ENDOFCHAIN && out.length < max; s = await this.next(s)) {
      if (s > MAXREGSECT || s >= this.totalSectors || out.length >= this.totalSectors) {
        throw new CfbError('broken sector chain');
      }
      out.push(s);
    }
    return out;
  }

  async directory(): Promise<DirEntry[]> {
    const entries: DirEntry[] = [];
    const perSector = this.sectorSize / 128;
    for (const s of await this.chain(this.header.readUInt32LE(48), Math.ceil(MAX_ENTRIES / perSector))) {
      const buf = await this.sector(s);
      for (let i = 0; i < perSector; i++) {
        const e = buf.subarray(i * 128, (i + 1) * 128);
        const nameLen = Math.min(64, e.readUInt16LE(64));
        const type = e[66] as number;
        if (type === 0) continue;
        const size = this.sectorSize === 512 ? e.readUInt32LE(120) : Number(e.readBigUInt64LE(120));
        entries.push({
          name: e.toString('utf16le', 0, Math.max(0, nameLen - 2)),
          type,
          start: e.readUInt32LE(116),
          size,
        });
      }
    }
    return entries;
  }

  /** The first `n` bytes of a stream, from the mini stream when it is small ([MS-CFB] §2.5). */
  async head(entry: DirEntry, root: DirEntry, n: number): Promise<Buffer> {
    const want = Math.min(n, entry.size);
    const parts: Buffer[] = [];
    if (entry.size >= this.header.readUInt32LE(56)) {
      for (const s of await this.chain(entry.start, Math.ceil(want / this.sectorSize)))
        parts.push(await this.sector(s));
      return Buffer.concat(parts).subarray(0, want);
    }
    let got = 0;
    this.miniFat ??= await this.chain(this.header.readUInt32LE(60));
    this.miniStream ??= await this.chain(root.start);
    const perMini = this.sectorSize / 64;
    for (let m = entry.start; got < want && m !== ENDOFCHAIN; got += 64) {
      const host = this.miniStream[Math.floor(m / perMini)];
      const fatSector = this.miniFat[Math.floor(m / this.per)];
      if (host === undefined || fatSector === undefined || parts.length > this.totalSectors * perMini) {
        throw new CfbError('broken mini stream chain');
      }
      const data = await this.sector(host);
      parts.push(data.subarray((m % perMini) * 64, (m % perMini) * 64 + 64));
      m = (await this.sector(fatSector)).readUInt32LE((m % this.per) * 4);
    }
    return Buffer.concat(parts).subarray(0, want);
  }
}

/** Word: FIB base wIdent 0xA5EC and fEncrypted, bit 8 of the flags at 0x0A ([MS-DOC] §2.5.2). */
function checkWord(fib: Buffer): { encrypted: boolean; problems: Message[] } {
  if (fib.length < 12 || fib.readUInt16LE(0) !== 0xa5ec) {
    return {
      encrypted: false,
      problems: [problem('WordDocument 流的文件信息块（FIB）无效', 'invalid FIB in the WordDocument stream')],
    };
  }
  return { encrypted: (fib.readUInt16LE(0x0a) & 0x0100) !== 0, problems: [] };
}

/** Excel: a BOF record first; a FILEPASS record (0x002F) in the globals substream means encryption ([MS-XLS] §2.4.117). */
function checkWorkbook(data: Buffer): { encrypted: boolean; problems: Message[] } {
  if (data.length < 4 || ![0x0809, 0x0409, 0x0209, 0x0009].includes(data.readUInt16LE(0))) {
    return {
      encrypted: false,
      problems: [problem('Workbook 流不以 BOF 记录开头', 'the Workbook stream does not start with a BOF record')],
    };
  }
  for (let at = 0; at + 4 <= data.length; at += 4 + data.readUInt16LE(at + 2)) {
    const type = data.readUInt16LE(at);
    if (type === 0x002f) return { encrypted: true, problems: [] };
    if (type === 0x000a) break; // EOF of the globals substream
  }
  return { encrypted: false, problems: [] };
}

/** PowerPoint: the CurrentUserAtom's headerToken is 0xF3D1C4DF when the document is encrypted ([MS-PPT] §2.3.2). */
function checkPowerPoint(current: Buffer | undefined): { encrypted: boolean; problems: Message[] } {
  if (current === undefined || current.length < 16) {
    return { encrypted: false, problems: [problem('缺少 Current User 流', 'the Current User stream is missing')] };
  }
  return { encrypted: current.readUInt32LE(12) === 0xf3d1c4df, problems: [] };
}

/** Encrypted OOXML holds no clue to which application it belongs; the extension may name one of the three. */
function encryptedOoxmlFormat(ext: string): string {
  const f = formatsForExtension(ext);
  return f !== undefined && f.length === 1 && ['docx', 'xlsx', 'pptx'].includes(f[0] as string)
    ? (f[0] as string)
    : 'ooxml';
}

export async function probeCfb(src: ProbeSource, ext: string): Promise<Findings> {
  const h = src.head;
  const shift = h.length >= 512 ? h.readUInt16LE(30) : 0;
  if (h.length < 512 || h.readUInt16LE(28) !== 0xfffe || (shift !== 9 && shift !== 12) || h.readUInt16LE(32) !== 6) {
    return { format: 'cfb', ...verdict([problem('OLE 复合文档文件头无效', 'invalid OLE compound file header')]) };
  }
  const cfb = new Cfb(src, h.subarray(0, 512), 1 << shift);
  try {
    const entries = await cfb.directory();
    const root = entries[0];
    if (root === undefined || root.type !== 5) throw new CfbError('no root entry');
    const byName = new Map(entries.map((e) => [e.name, e]));
    const read = async (name: string, n: number) => {
      const e = byName.get(name);
      return e === undefined ? undefined : cfb.head(e, root, n);
    };
    if (byName.has('EncryptionInfo') && byName.has('EncryptedPackage')) {
      return { format: encryptedOoxmlFormat(ext), encrypted: true, ...verdict([]) };
    }
    const word = await read('WordDocument', 16);
    if (word !== undefined) {
      const r = checkWord(word);
      return { format: 'doc', encrypted: r.encrypted, ...verdict(r.problems) };
    }
    const book = (await read('Workbook', 8192)) ?? (await read('Book', 8192));
    if (book !== undefined) {
      const r = checkWorkbook(book);
      return { format: 'xls', encrypted: r.encrypted, ...verdict(r.problems) };
    }
    if (byName.has('PowerPoint Document')) {
      const r = checkPowerPoint(await read('Current User', 16));
      return { format: 'ppt', encrypted: r.encrypted, ...verdict(r.problems) };
    }
    return { format: 'cfb', ...verdict([]) };
  } catch (e) {
    if (!(e instanceof CfbError) && !isParseFailure(e)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    return {
      format: 'cfb',
      ...verdict([
        problem(`OLE 复合文档目录无法读取：${msg}`, `the OLE compound file directory cannot be read: ${msg}`),
      ]),
    };
  }
}
