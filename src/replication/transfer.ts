import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, InvalidInputError } from '../core/index.js';
import { DigestingStream, type DigestAlgorithm } from '../digest/index.js';
import { decryptAny, encryptStream, encryptedSize, type ReplicaEncryption } from './replica-cipher.js';
import { challengeDigest, type CopyStatus, type ReplicaTarget } from './replica-target.js';

/** One file of an OCFL object, as replication sees it. */
export interface ObjectFile {
  /** Path inside the object root. */
  readonly path: string;
  readonly size: number;
  /** Its digest as registered (content: the inventory's; version inventories: the recorded SHA-256). */
  readonly digest?: { readonly algorithm: DigestAlgorithm; readonly hex: string };
  /** Reads the local (plaintext) bytes. */
  readonly read: () => Promise<Readable>;
}

/** How copies at a target are encrypted; `key` is the center's replica key. */
export interface CopyCipher {
  readonly targetId: string;
  readonly encryption: ReplicaEncryption;
  readonly key: Buffer;
}

/** Files without a registered digest (sidecars, namaste) are small; anything larger must have one. */
const MAX_UNDIGESTED = 16 * 1024 * 1024;

/**
 * A file with its digest: the registered one, or, for the object's small
 * bookkeeping files that have none, computed by reading it into memory
 * first. The digest goes into the encryption context (replica-cipher.ts),
 * so a path whose content changes (the root inventory) never reuses a nonce.
 */
export async function withDigest(
  file: ObjectFile,
): Promise<ObjectFile & { digest: NonNullable<ObjectFile['digest']> }> {
  if (file.digest !== undefined) return file as ObjectFile & { digest: NonNullable<ObjectFile['digest']> };
  if (file.size > MAX_UNDIGESTED) {
    throw new InvalidInputError({
      zh: `${file.path} 没有登记摘要且大于 16 MiB，无法复制`,
      en: `${file.path} has no registered digest and is over 16 MiB; not copied`,
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of await file.read()) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  return {
    ...file,
    size: bytes.length,
    digest: { algorithm: 'sha256', hex: createHash('sha256').update(bytes).digest('hex') },
    read: () => Promise.resolve(Readable.from([bytes])),
  };
}

/**
 * The encryption context of a file at a target (replica-cipher.ts derives
 * its key and nonces from it): a key/nonce pair must never meet two
 * plaintexts. The target's id is in it, so each target holds different
 * ciphertext — one partner cannot answer challenges with another's copy.
 * Files OCFL never rewrites at their path (`vN/inventory.json` and its
 * sidecar, the NAMASTE file) and log segments (named by the leaves they
 * hold) are named by their path alone, so a center rebuilt from its partners
 * can decrypt them before it knows any digest. Every other file — content,
 * the root inventory, which changes with each version — also by its digest.
 */
export function cipherContext(
  targetId: string,
  objectId: string,
  file: { path: string; digest: NonNullable<ObjectFile['digest']> },
): string {
  const fixed = /^v[0-9]+\/inventory\.json(\.[a-z0-9]+)?$|^0=ocfl_object_1\.1$|^log\//.test(file.path);
  const named = fixed ? '' : `\n${file.digest.algorithm}:${file.digest.hex}`;
  return `yinji-replica/2\n${targetId}\n${objectId}\n${file.path}${named}`;
}

/** Size of the file as the target stores it. */
export function storedSize(file: ObjectFile, cipher: CopyCipher): number {
  return encryptedSize(cipher.encryption, file.size);
}

/**
 * The local bytes of `file`, checked against its registered digest as they
 * are read and encrypted for the target: a stream that errors with
 * DigestMismatchError at its end if the local copy is not what was
 * registered, so a damaged local file is never passed on as a good copy.
 */
async function storedForm(
  objectId: string,
  file: ObjectFile & { digest: NonNullable<ObjectFile['digest']> },
  cipher: CopyCipher,
): Promise<Readable> {
  const check = new DigestingStream([file.digest.algorithm]);
  const verify = new Transform({
    transform(chunk: Buffer, _e, done: TransformCallback) {
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      const actual = check.result.digests[file.digest.algorithm];
      done(actual === file.digest.hex ? null : localMismatch(file.path, file.digest.hex, actual));
    },
  });
  const source = await file.read();
  const encrypt = encryptStream(cipher.encryption, cipher.key, cipherContext(cipher.targetId, objectId, file));
  const out = source.pipe(check).pipe(verify).pipe(encrypt);
  const chain = [source, check, verify, out];
  // Any end of the chain failing or being let go releases all of it (the file handle first of all).
  for (const s of chain) s.once('error', (e) => chain.forEach((t) => t !== s && t.destroy(e)));
  out.once('close', () => chain.forEach((t) => t.destroy()));
  return out;
}

function localMismatch(path: string, expected: string, actual: string | undefined): DigestMismatchError {
  return new DigestMismatchError(
    {
      zh: `本地保存的 ${path} 与登记摘要不符，未复制；请先修复本地副本`,
      en: `the local ${path} does not match its registered digest; not copied — repair the local copy first`,
    },
    { details: { path, expected, actual, local: true } },
  );
}

export interface SendResult {
  /** Bytes sent over the wire (less than the stored size when a partial transfer was continued). */
  readonly sent: number;
  readonly storedBytes: number;
}

/**
 * Copy one file to a target: continue a partial transfer the target kept
 * (the stored form is deterministic, so the bytes before the offset are
 * regenerated and hashed but not sent), then commit with the size and
 * SHA-256 of the whole stored form.
 */
export async function sendFile(
  target: ReplicaTarget,
  objectId: string,
  file: ObjectFile,
  cipher: CopyCipher,
  status: CopyStatus | undefined,
  signal?: AbortSignal,
): Promise<SendResult> {
  const f = await withDigest(file);
  const total = storedSize(f, cipher);
  const offset = target.resumable && status?.partial !== undefined && status.partial <= total ? status.partial : 0;
  const hash = createHash('sha256');
  let seen = 0;
  const skip = new Transform({
    transform(chunk: Buffer, _e, done: TransformCallback) {
      hash.update(chunk);
      const start = seen;
      seen += chunk.length;
      if (seen <= offset) return done();
      done(null, start >= offset ? chunk : chunk.subarray(offset - start));
    },
  });
  const stored = await storedForm(objectId, f, cipher);
  stored.once('error', (e) => skip.destroy(e));
  try {
    await target.append(objectId, f.path, offset, stored.pipe(skip), signal);
    // append returns once the target took the last byte; the hash is complete when the stream ended.
    await new Promise<void>((resolve, reject) => {
      if (skip.writableFinished) resolve();
      else {
        skip.once('finish', resolve);
        skip.once('error', reject);
      }
    });
  } finally {
    skip.destroy();
    stored.destroy();
  }
  const expected = { size: seen, sha256: hash.digest('hex') };
  await target.commit(objectId, f.path, expected, signal);
  return { sent: seen - offset, storedBytes: seen };
}

/** The answer a target must give to a challenge for `file`, computed from the local copy (verified on the way). */
export async function expectedAnswer(
  objectId: string,
  file: ObjectFile,
  cipher: CopyCipher,
  nonce: Buffer,
): Promise<string> {
  return challengeDigest(nonce, await storedForm(objectId, await withDigest(file), cipher));
}

/**
 * Fetch `file` from a target into `dest` (a local temporary file),
 * decrypted with the center's replica key `key`, and checked against its registered digest before anyone uses
 * it: a copy that does not match is refused with DigestMismatchError.
 */
export async function fetchFile(
  target: ReplicaTarget,
  objectId: string,
  file: Pick<ObjectFile, 'path'> & { digest: NonNullable<ObjectFile['digest']> },
  key: Buffer,
  dest: string,
  signal?: AbortSignal,
): Promise<void> {
  const check = new DigestingStream([file.digest.algorithm]);
  await pipeline(
    // However the copy was written: the header says (a center rebuilt from its partners has no record of it).
    decryptAny(await target.read(objectId, file.path, signal), key, cipherContext(target.id, objectId, file)),
    check,
    createWriteStream(dest),
    ...(signal !== undefined ? [{ signal }] : []),
  );
  const actual = check.result.digests[file.digest.algorithm];
  if (actual !== file.digest.hex) {
    throw new DigestMismatchError(
      {
        zh: `${target.id} 的 ${file.path} 副本与登记摘要不符`,
        en: `the copy of ${file.path} at ${target.id} does not match its registered digest`,
      },
      { details: { path: file.path, target: target.id, expected: file.digest.hex, actual } },
    );
  }
}
