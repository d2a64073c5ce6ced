import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { Message } from '../../core/index.js';
import { errorText, ReadFailure } from './result.js';

/**
 * A zip (APPNOTE.TXT) opened for reading parts of an OFD or OOXML package.
 * The archive is attacker-controlled: yauzl bounds every read by the file
 * size and, with validateEntrySizes, fails an entry that inflates past its
 * declared size; on top of that every entry is charged, by its declared size
 * before it is opened, against one budget of inflated bytes for the whole
 * file, and the entries listed and read are counted. A zip bomb is so refused
 * before a byte of it is inflated.
 */

/** Inflated bytes read from one file at most. */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
/** Central-directory entries listed at most (each is held in a map). */
export const MAX_ENTRIES = 100_000;
/** Entries read at most (slides, sheets, pages). */
export const MAX_ENTRIES_READ = 10_000;

export class ZipReader {
  private budget = MAX_INFLATED_BYTES;
  private reads = 0;

  private constructor(
    private readonly zip: ZipFile,
    /** Entries by lower-cased name (OPC part names compare case-insensitively, ECMA-376-2 §9.1.1.1.2). */
    private readonly entries: ReadonlyMap<string, Entry>,
    /** Names as stored, in central-directory order. */
    readonly names: readonly string[],
  ) {}

  /** Open and list the archive; a ReadFailure when the central directory cannot be read. */
  static async open(path: string, signal?: AbortSignal): Promise<ZipReader> {
    let zip: ZipFile;
    try {
      zip = await yauzl.openPromise(path, { decodeStrings: false, validateEntrySizes: true, autoClose: false });
    } catch (e) {
      throw new ReadFailure(directoryProblem(e));
    }
    const entries = new Map<string, Entry>();
    const names: string[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        if (names.length % 1024 === 0) signal?.throwIfAborted();
        if (names.length >= MAX_ENTRIES) throw new Error(`more than ${MAX_ENTRIES} entries`);
        // decodeStrings: false gives the raw bytes; the names looked up are ASCII, so UTF-8 serves.
        const name = (entry.fileName as unknown as Buffer).toString('utf8').replace(/\\/g, '/').replace(/^\/+/, '');
        if (name.endsWith('/')) continue;
        if (!entries.has(name.toLowerCase())) entries.set(name.toLowerCase(), entry);
        names.push(name);
      }
    } catch (e) {
      zip.close();
      if (signal?.aborted) throw e;
      throw new ReadFailure(directoryProblem(e));
    }
    return new ZipReader(zip, entries, names);
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** The inflated bytes of an entry, charged to the budget; throws ReadFailure past a limit or on bad data. */
  async *read(name: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
    const entry = this.entries.get(name.toLowerCase());
    if (entry === undefined) throw new ReadFailure({ zh: `缺少 ${name}`, en: `${name} is missing` });
    if (entry.isEncrypted() || !entry.canDecodeFileData()) {
      throw new ReadFailure({
        zh: `${name} 已加密或使用了不支持的压缩方式`,
        en: `${name} is encrypted or uses an unsupported compression method`,
      });
    }
    if (++this.reads > MAX_ENTRIES_READ) {
      throw new ReadFailure({
        zh: `读取的条目超过 ${MAX_ENTRIES_READ} 个`,
        en: `more than ${MAX_ENTRIES_READ} entries would be read`,
      });
    }
    if (entry.uncompressedSize > this.budget) {
      throw new ReadFailure({
        zh: `${name} 解压后有 ${entry.uncompressedSize} 字节，超过全文提取的上限 ${MAX_INFLATED_BYTES} 字节（也可能是恶意构造的“压缩炸弹”）`,
        en: `${name} inflates to ${entry.uncompressedSize} bytes, over the ${MAX_INFLATED_BYTES}-byte limit for text extraction (or the file is a zip bomb)`,
      });
    }
    this.budget -= entry.uncompressedSize;
    let stream;
    try {
      stream = await this.zip.openReadStreamPromise(entry);
    } catch (e) {
      throw new ReadFailure({ zh: `${name} 无法读取：${errorText(e)}`, en: `${name} cannot be read: ${errorText(e)}` });
    }
    try {
      for await (const chunk of stream) {
        signal?.throwIfAborted();
        yield chunk as Buffer;
      }
    } catch (e) {
      if (signal?.aborted || e instanceof ReadFailure) throw e;
      throw new ReadFailure({
        zh: `${name} 无法解压：${errorText(e)}`,
        en: `${name} cannot be inflated: ${errorText(e)}`,
      });
    } finally {
      stream.destroy();
    }
  }

  /** A whole (small) entry as bytes. */
  async readAll(name: string, signal?: AbortSignal): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.read(name, signal)) parts.push(chunk);
    return Buffer.concat(parts);
  }

  close(): void {
    this.zip.close();
  }
}

function directoryProblem(e: unknown): Message {
  return {
    zh: `ZIP 中央目录无法读取（文件已损坏或不完整）：${errorText(e)}`,
    en: `the zip central directory cannot be read (damaged or incomplete): ${errorText(e)}`,
  };
}
