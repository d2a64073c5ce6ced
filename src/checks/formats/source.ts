import { open, type FileHandle } from 'node:fs/promises';

/** Bytes read up front: enough to sniff every format, and the whole of most small files. */
export const HEAD_BYTES = 64 * 1024;
/** Head-sized read buffers reused across probes (one per probe running at once). */
const SCRATCH: Buffer[] = [];
/** Read size for streaming passes (CRCs, scans, XML). */
const CHUNK_BYTES = 1024 * 1024;

/**
 * One open file being probed: its size, its first HEAD_BYTES, and positioned
 * reads. Files no larger than the head are served from memory, so probing a
 * small file costs one open, one read and one close. Nothing here ever holds
 * more than one chunk of a large file.
 */
export class ProbeSource {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly size: number,
    readonly head: Buffer,
    readonly signal: AbortSignal | undefined,
  ) {}

  static async open(path: string, signal?: AbortSignal): Promise<ProbeSource> {
    signal?.throwIfAborted();
    const fh = await open(path, 'r');
    const scratch = SCRATCH.pop() ?? Buffer.allocUnsafe(HEAD_BYTES);
    try {
      const n = await readFully(fh, scratch, 0);
      // A short first read is the whole file: one system call fewer for the many small files of a deposit.
      const size = n < HEAD_BYTES ? n : (await fh.stat()).size;
      // Keep only what was read: a fresh 64 KiB per file would make the garbage collector the
      // slowest part of probing 10,000 small files.
      return new ProbeSource(path, fh, size, Buffer.from(scratch.subarray(0, n)), signal);
    } catch (e) {
      await fh.close();
      throw e;
    } finally {
      SCRATCH.push(scratch);
    }
  }

  /** The head holds the whole file. */
  get whole(): boolean {
    return this.head.length >= this.size;
  }

  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    const start = Math.max(0, Math.min(position, this.size));
    const end = Math.min(this.size, start + Math.max(0, length));
    if (end <= this.head.length) return this.head.subarray(start, end);
    this.signal?.throwIfAborted();
    const buf = Buffer.allocUnsafe(end - start);
    const n = await readFully(this.fh, buf, start);
    return buf.subarray(0, n);
  }

  /** The bytes of [start, end) in chunks, for streaming passes. */
  async *chunks(start = 0, end = this.size, chunkSize = CHUNK_BYTES): AsyncGenerator<Buffer> {
    const stop = Math.min(end, this.size);
    for (let pos = start; pos < stop;) {
      const piece = await this.read(pos, Math.min(chunkSize, stop - pos));
      if (piece.length === 0) return; // the file shrank under us
      pos += piece.length;
      yield piece;
    }
  }

  cursor(position = 0): Cursor {
    return new Cursor(this, position);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * A forward-reading position over a ProbeSource with a one-chunk buffer, for
 * walks over many small structures (PNG chunks, JPEG segments, GIF blocks)
 * without a system call per structure.
 */
export class Cursor {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    private readonly src: ProbeSource,
    public pos: number,
  ) {}

  get size(): number {
    return this.src.size;
  }

  get remaining(): number {
    return Math.max(0, this.src.size - this.pos);
  }

  /** Make at least `n` bytes from `pos` available; false when the file ends first. */
  async ensure(n: number): Promise<boolean> {
    const have = this.bufStart + this.buf.length - this.pos;
    if (this.pos >= this.bufStart && have >= n) return true;
    if (this.pos + n > this.src.size) return false;
    this.buf = await this.src.read(this.pos, Math.max(n, CHUNK_BYTES));
    this.bufStart = this.pos;
    return this.buf.length >= n;
  }

  /** The buffered bytes from `pos` on (call ensure first). */
  window(): Buffer {
    return this.buf.subarray(this.pos - this.bufStart);
  }

  /** `n` bytes from `pos`, advancing; undefined when the file ends first. Valid until the next call. */
  async take(n: number): Promise<Buffer | undefined> {
    if (!(await this.ensure(n))) return undefined;
    const out = this.window().subarray(0, n);
    this.pos += n;
    return out;
  }

  /** The next `n` bytes in pieces, advancing; stops early at the end of the file. */
  async *span(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!(await this.ensure(1))) return;
      const piece = this.window().subarray(0, left);
      this.pos += piece.length;
      left -= piece.length;
      yield piece;
    }
  }

  skip(n: number): void {
    this.pos += n;
  }
}
