import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DigestMismatchError } from '../../core/errors.js';
import { MultiHasher } from '../../digest/index.js';
import type { ExpectedDigest, PutSource } from '../storage.js';
import type { ObjectLockParams } from './s3-object-lock.js';

/** 8 MiB parts (S3 minimum is 5 MiB); 10,000 parts then allow objects up to ~78 GiB. */
export const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once: memory for one upload is about (QUEUE_SIZE + 1) × PART_SIZE. */
export const QUEUE_SIZE = 2;
const READ_CHUNK = 1 << 20;

export interface VerifiedUploadInput {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** Storage path, for messages. */
  readonly path: string;
  readonly source: PutSource;
  readonly expected?: ExpectedDigest;
  readonly signal?: AbortSignal;
  /** Lock the object (PutObject, or CreateMultipartUpload above PART_SIZE); see s3-object-lock.ts. */
  readonly objectLock?: ObjectLockParams | undefined;
}

export function mismatch(path: string, expected: ExpectedDigest, actual: string | undefined): DigestMismatchError {
  return new DigestMismatchError(
    {
      zh: `写入 "${path}" 时摘要不符（${expected.algorithm} 应为 ${expected.digest}，实为 ${actual}），未保存`,
      en: `digest mismatch writing "${path}" (${expected.algorithm} expected ${expected.digest}, got ${actual}); nothing stored`,
    },
    { details: { path, algorithm: expected.algorithm, expected: expected.digest, actual } },
  );
}

/**
 * Hash the bytes as they flow and fail *before the end of the stream* when
 * they do not match. The check sits inside the body Upload reads, so the
 * error reaches Upload before it has seen the last byte: Upload therefore
 * never sends the final PutObject / CompleteMultipartUpload and aborts the
 * multipart upload instead. Nothing becomes visible, and an object already
 * at the key is left as it was — which is why no delete-after-upload is
 * needed (that would destroy the old version on an overwrite).
 *
 * The abort signal is checked per chunk here rather than handed to Upload:
 * Upload's own abort rejects `done()` at once while a PutObject or
 * CompleteMultipartUpload may still finish in the background, so an
 * "aborted" write could appear afterwards.
 */
async function* verified(
  input: Readable,
  path: string,
  expected: ExpectedDigest | undefined,
  signal: AbortSignal | undefined,
  failed: { error?: unknown },
): AsyncGenerator<Buffer> {
  try {
    yield* hashed(input, path, expected, signal);
  } catch (e) {
    failed.error = e;
    throw e;
  }
}

async function* hashed(
  input: Readable,
  path: string,
  expected: ExpectedDigest | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  const hasher = expected === undefined ? undefined : new MultiHasher([expected.algorithm]);
  for await (const chunk of input) {
    signal?.throwIfAborted();
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    hasher?.update(buf);
    yield buf;
  }
  signal?.throwIfAborted();
  if (hasher !== undefined && expected !== undefined) {
    const got = hasher.digest().digests[expected.algorithm];
    if (got !== expected.digest) throw mismatch(path, expected, got);
  }
}

/**
 * Stream `source` to `key` through lib-storage's Upload (one PutObject below
 * PART_SIZE, multipart above), never holding more than a few parts in
 * memory. The object appears only when the PutObject or
 * CompleteMultipartUpload succeeds, so the write is atomic; on any failure
 * the multipart upload is aborted (if the abort itself fails the parts stay
 * until `sweepTemporaries` or a bucket lifecycle rule removes them).
 */
export async function verifiedUpload(input: VerifiedUploadInput): Promise<void> {
  const { source, signal } = input;
  signal?.throwIfAborted();
  const raw =
    source instanceof Readable ? source : createReadStream(source.file, { highWaterMark: READ_CHUNK, signal });
  const failed: { error?: unknown } = {};
  const body = Readable.from(verified(raw, input.path, input.expected, signal, failed), { objectMode: false });
  try {
    const upload = new Upload({
      client: input.client,
      // Upload passes these params to PutObject or CreateMultipartUpload (and
      // UploadPart/Complete, whose serializers ignore the lock fields).
      params: { Bucket: input.bucket, Key: input.key, Body: body, ...input.objectLock },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    await upload.done();
  } catch (e) {
    // When the source failed (digest mismatch, abort, read error) and
    // Upload's AbortMultipartUpload then failed too, Upload reports the
    // abort failure; the caller needs the first cause. The parts left
    // behind are for sweepTemporaries.
    throw failed.error ?? e;
  } finally {
    body.destroy();
    raw.destroy();
  }
}
