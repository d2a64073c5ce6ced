import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ListOptions, PutOptions, PutSource, Storage, StorageStat } from '../storage.js';

export interface FailingStorageOptions {
  /** Throw an ENOSPC-coded error once this many bytes have been written through the wrapper. */
  readonly failAfterBytes?: number;
  /**
   * Simulate a crash: the mutating operations (put, writeBytes, delete,
   * deletePrefix) numbered `crashAtWrite` and later throw without touching
   * the inner storage (1 = the very first write fails).
   */
  readonly crashAtWrite?: number;
}

function enospc(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('ENOSPC: no space left on device (simulated)');
  e.code = 'ENOSPC';
  e.errno = -28;
  return e;
}

/** Error thrown by a simulated crash; recognisable in tests. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * A Storage decorator for tests of failure paths (disk full, crash between
 * two writes) that need no root and no tiny mounted filesystem. Reads pass
 * straight through. Exported for other modules' tests.
 */
export class FailingStorage implements Storage {
  readonly description: string;
  /** Bytes written so far through put/writeBytes. */
  bytesWritten = 0;
  /** Mutating operations attempted so far. */
  writes = 0;

  constructor(
    readonly inner: Storage,
    private readonly options: FailingStorageOptions = {},
  ) {
    this.description = `failing(${inner.description})`;
  }

  init(): Promise<void> {
    return this.inner.init();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
  stat(path: string): Promise<StorageStat | undefined> {
    return this.inner.stat(path);
  }
  list(prefix: string, options?: ListOptions): AsyncIterable<string> {
    return this.inner.list(prefix, options);
  }
  listDirs(prefix: string): Promise<string[]> {
    return this.inner.listDirs(prefix);
  }
  read(path: string, options?: { signal?: AbortSignal }): Promise<Readable> {
    return this.inner.read(path, options);
  }
  readBytes(path: string, options?: { signal?: AbortSignal }): Promise<Buffer> {
    return this.inner.readBytes(path, options);
  }
  sweepTemporaries(prefix: string): Promise<number> {
    return this.inner.sweepTemporaries(prefix);
  }

  private step(what: string): void {
    this.writes++;
    const at = this.options.crashAtWrite;
    if (at !== undefined && this.writes >= at)
      throw new SimulatedCrash(`simulated crash at write #${this.writes} (${what})`);
  }

  async writeBytes(path: string, data: Uint8Array | string, options?: { signal?: AbortSignal }): Promise<void> {
    await this.put(path, Readable.from([Buffer.from(data)]), options);
  }

  async put(path: string, source: PutSource, options?: PutOptions): Promise<void> {
    this.step(`put ${path}`);
    if (this.options.failAfterBytes === undefined) return this.inner.put(path, source, options);
    // Count bytes as they flow; the file is copied, never moved, so it can be counted.
    const input = source instanceof Readable ? source : createReadStream(source.file);
    const limit = this.options.failAfterBytes;
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of input) {
        self.bytesWritten += (chunk as Buffer).length;
        if (self.bytesWritten > limit) throw enospc();
        yield chunk as Buffer;
      }
    }
    await this.inner.put(path, Readable.from(counted()), options);
  }

  async delete(path: string): Promise<void> {
    this.step(`delete ${path}`);
    return this.inner.delete(path);
  }

  async deletePrefix(prefix: string): Promise<void> {
    this.step(`deletePrefix ${prefix}`);
    return this.inner.deletePrefix(prefix);
  }
}
