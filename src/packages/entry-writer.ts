import { createWriteStream } from 'node:fs';
import { utimes } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { MultiHasher, type DigestAlgorithm, type DigestResult } from '../digest/index.js';
import { packageError, printable } from './package-error.js';

/** Shared byte allowance for one deposit: stops a zip bomb or lying sizes at `maxBytes`, not at a full disk. */
export class ByteBudget {
  used = 0;
  constructor(readonly limit = Number.POSITIVE_INFINITY) {}

  take(n: number): void {
    this.used += n;
    if (this.used > this.limit) {
      throw packageError(
        'E_TOO_LARGE',
        {
          zh: `包内容超过允许的 ${this.limit} 字节；请拆分后分批提交`,
          en: `package content exceeds the allowed ${this.limit} bytes; split it and deposit in parts`,
        },
        { limit: this.limit },
      );
    }
  }
}

export interface EntryWrite {
  /** Shown in errors. */
  readonly name: string;
  /** Size the archive declares; more or fewer actual bytes is an error (lying metadata). */
  readonly expectedSize?: number;
  /** CRC-32 the zip declares (APPNOTE 4.4.7); checked at the end. */
  readonly expectedCrc32?: number;
  readonly mtime?: Date;
  readonly budget: ByteBudget;
  readonly algorithms: readonly DigestAlgorithm[];
  readonly signal?: AbortSignal;
  readonly onBytes?: (n: number) => void;
}

/**
 * Copy one entry to `target`, hashing, counting and CRC-checking in the same
 * pass. 'wx' refuses to write through anything already there, so two entries
 * can never end up in one file even if a name check were missed.
 */
export async function writeEntry(
  source: Readable | AsyncIterable<Buffer>,
  target: string,
  w: EntryWrite,
): Promise<DigestResult> {
  const hasher = new MultiHasher(w.algorithms);
  let count = 0;
  let crc = 0;
  const shown = printable(w.name);
  const sizeError = (actual: string): Error =>
    packageError(
      'E_ENTRY_SIZE_MISMATCH',
      {
        zh: `“${shown}”声明大小为 ${w.expectedSize} 字节，实际为 ${actual} 字节；压缩包已损坏或被篡改，请重新打包`,
        en: `"${shown}" declares ${w.expectedSize} bytes but holds ${actual}; the archive is damaged or tampered with — package it again`,
      },
      { path: shown, declared: w.expectedSize },
    );
  await pipeline(
    source,
    async function* (src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        count += chunk.length;
        if (w.expectedSize !== undefined && count > w.expectedSize) throw sizeError(`> ${w.expectedSize}`);
        w.budget.take(chunk.length);
        hasher.update(chunk);
        if (w.expectedCrc32 !== undefined) crc = crc32(chunk, crc);
        w.onBytes?.(chunk.length);
        yield chunk;
      }
    },
    createWriteStream(target, { flags: 'wx' }),
    { signal: w.signal },
  );
  if (w.expectedSize !== undefined && count !== w.expectedSize) throw sizeError(String(count));
  if (w.expectedCrc32 !== undefined && crc >>> 0 !== w.expectedCrc32 >>> 0) {
    throw packageError(
      'E_ENTRY_CRC_MISMATCH',
      {
        zh: `“${shown}”的 CRC-32 校验失败；压缩包已损坏，请重新打包或重新传输`,
        en: `CRC-32 check failed for "${shown}"; the archive is damaged — package or transfer it again`,
      },
      { path: shown },
    );
  }
  if (w.mtime !== undefined && !Number.isNaN(w.mtime.getTime())) await utimes(target, w.mtime, w.mtime);
  return hasher.digest();
}
