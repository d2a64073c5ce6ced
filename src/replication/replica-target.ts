import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** What a target holds at one path of an object. */
export interface CopyStatus {
  /** The complete, committed file: its size and the SHA-256 (hex) of its bytes as stored, when the target knows it. */
  readonly stored?: { readonly size: number; readonly sha256?: string };
  /** Bytes of an interrupted transfer the target kept, to continue from. */
  readonly partial?: number;
}

/**
 * A place a center keeps copies of its OCFL objects (issue 7): a partner
 * center (peer-target.ts) or a second storage root on another disk or an S3
 * bucket (storage-target.ts). Paths are those inside the object's root
 * (e.g. `v1/content/data/a.pdf`); bytes are as stored there — ciphertext
 * when the copy is encrypted (replica-cipher.ts), which the target never
 * needs to read.
 *
 * Writing is append + commit, so a transfer cut off midway continues where
 * it stopped: `append` adds bytes at `offset` (the partial size the target
 * reported), `commit` checks the whole file against the size and SHA-256 the
 * sender computed and only then puts it in place. Nothing a target holds is
 * deleted because a copy disagrees: a replaced file is kept aside.
 */
export interface ReplicaTarget {
  readonly id: string;
  /** Whether `append` can continue a partial file; otherwise every transfer starts at 0. */
  readonly resumable: boolean;
  status(objectId: string, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, CopyStatus>>;
  append(objectId: string, path: string, offset: number, body: Readable, signal?: AbortSignal): Promise<void>;
  commit(objectId: string, path: string, expected: StoredDigest, signal?: AbortSignal): Promise<void>;
  read(objectId: string, path: string, signal?: AbortSignal): Promise<Readable>;
  /**
   * Proof of possession (LOCKSS-style): for each path, SHA-256(nonce ‖ bytes)
   * as hex, computed by the target over what it stores; undefined when it
   * holds no such file. A fresh nonce makes an answer impossible to precompute
   * or replay without the bytes.
   */
  challenge(
    objectId: string,
    nonce: Buffer,
    paths: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, string | undefined>>;
  /** Object ids the target holds for this center, in order after `after` (for rebuilding a center). */
  objects(options: { after?: string; limit: number; signal?: AbortSignal }): Promise<readonly string[]>;
  close(): Promise<void>;
}

export interface StoredDigest {
  readonly size: number;
  /** Hex. */
  readonly sha256: string;
}

/** SHA-256(nonce ‖ bytes) of a stream, as a challenge answer. */
export async function challengeDigest(nonce: Buffer, stream: Readable): Promise<string> {
  const hash = createHash('sha256').update(nonce);
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A pass-through that fails at its end, with `mismatch()`, unless the bytes
 * that went through have the SHA-256 `expectedHex` (a signed Content-Digest,
 * say): a consumer sees the error before it can treat the bytes as complete.
 */
export function sha256Check(expectedHex: string, mismatch: () => Error): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _e, done: TransformCallback) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      done(hash.digest('hex') === expectedHex ? null : mismatch());
    },
  });
}
