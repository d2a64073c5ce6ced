import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback, type Readable } from 'node:stream';
import { DEFAULT_DIGEST, type DigestAlgorithm } from './algorithms.js';

export type Digests = Partial<Record<DigestAlgorithm, string>>;

export interface DigestResult {
  readonly size: number;
  /** Lower-case hex digest per requested algorithm. */
  readonly digests: Digests;
}

/**
 * Feeds every chunk to all requested hashes, so a file is read once however
 * many algorithms are asked for (issue 2 §3).
 */
export class MultiHasher {
  private readonly hashes: [DigestAlgorithm, Hash][];
  private bytes = 0;

  constructor(algorithms: readonly DigestAlgorithm[] = [DEFAULT_DIGEST]) {
    const unique = [...new Set(algorithms)];
    this.hashes = unique.map((a) => [a, createHash(a)]);
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    for (const [, h] of this.hashes) h.update(chunk);
  }

  digest(): DigestResult {
    const digests: Digests = {};
    for (const [a, h] of this.hashes) digests[a] = h.digest('hex');
    return { size: this.bytes, digests };
  }
}

/**
 * A pass-through stream that hashes what flows through it: used to copy a
 * file into staging or the store and compute its digests in the same read.
 */
export class DigestingStream extends Transform {
  private readonly hasher: MultiHasher;
  private resultValue: DigestResult | undefined;

  constructor(algorithms: readonly DigestAlgorithm[] = [DEFAULT_DIGEST]) {
    super({ highWaterMark: 1 << 20 });
    this.hasher = new MultiHasher(algorithms);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hasher.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.resultValue = this.hasher.digest();
    done();
  }

  /** Available once the stream has ended. */
  get result(): DigestResult {
    if (this.resultValue === undefined) throw new Error('DigestingStream: result read before end of stream');
    return this.resultValue;
  }
}

export interface DigestOptions {
  readonly signal?: AbortSignal;
  /** Called with the size of each chunk as it is hashed (progress of large files). */
  readonly onBytes?: (n: number) => void;
}

export async function digestStream(
  source: Readable,
  algorithms: readonly DigestAlgorithm[] = [DEFAULT_DIGEST],
  options: DigestOptions = {},
): Promise<DigestResult> {
  const hasher = new MultiHasher(algorithms);
  for await (const chunk of source) {
    options.signal?.throwIfAborted();
    hasher.update(chunk as Buffer);
    options.onBytes?.((chunk as Buffer).length);
  }
  return hasher.digest();
}

/** 1 MiB reads: few syscalls per gigabyte while memory per open file stays small. */
export const READ_CHUNK = 1 << 20;

/** 1 MiB read buffers, reused: a deposit of 100,000 small files should not allocate 100 GB of them. */
const READ_BUFFERS: Buffer[] = [];

/**
 * Digest a file by positioned reads into a reused buffer — no stream: for the
 * many small files of a deposit, stream set-up costs more than the hashing.
 */
export async function digestFile(
  path: string,
  algorithms: readonly DigestAlgorithm[] = [DEFAULT_DIGEST],
  options: DigestOptions = {},
): Promise<DigestResult> {
  options.signal?.throwIfAborted();
  const handle = await open(path, 'r');
  const buffer = READ_BUFFERS.pop() ?? Buffer.allocUnsafe(READ_CHUNK);
  try {
    const hasher = new MultiHasher(algorithms);
    for (;;) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead)); // copied into the hash state: the buffer is free again
      options.onBytes?.(bytesRead);
    }
    return hasher.digest();
  } finally {
    if (READ_BUFFERS.length < 8) READ_BUFFERS.push(buffer);
    await handle.close();
  }
}

export function digestBuffer(data: Buffer | string, algorithm: DigestAlgorithm = DEFAULT_DIGEST): string {
  return createHash(algorithm).update(data).digest('hex');
}
