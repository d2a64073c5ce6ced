import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { DigestMismatchError, NotFoundError } from '../core/index.js';
import { joinPath, type Storage } from '../store/index.js';
import { challengeDigest, type CopyStatus, type ReplicaTarget, type StoredDigest } from './replica-target.js';

/**
 * A second storage root as a replica target (异质备份): another disk, or an
 * S3 bucket when the store is on disk (or the reverse). Objects are kept at
 * the same paths as in the OCFL storage root, so an unencrypted target is
 * itself a readable OCFL storage root once the root's own files (namaste,
 * layout) are there (`init`).
 *
 * Storage writes are atomic and cannot be appended to, so a transfer is not
 * resumable within a file: `append` writes the whole file (offset 0) while
 * hashing it, and `commit` compares that hash with the sender's, removing
 * the file again if they differ.
 */
export class StorageTarget implements ReplicaTarget {
  readonly resumable = false;
  readonly #written = new Map<string, StoredDigest>();

  constructor(
    readonly id: string,
    private readonly storage: Storage,
    private readonly objectRoot: (objectId: string) => string,
    /** A local directory where files this target held are kept when a repair replaces them with other bytes. */
    private readonly quarantineDir: string,
  ) {}

  async status(objectId: string, paths: readonly string[]): Promise<Map<string, CopyStatus>> {
    const out = new Map<string, CopyStatus>();
    for (const p of paths) {
      const st = await this.storage.stat(this.#path(objectId, p));
      out.set(p, st === undefined ? {} : { stored: { size: st.size } });
    }
    return out;
  }

  async append(objectId: string, path: string, offset: number, body: Readable, signal?: AbortSignal): Promise<void> {
    if (offset !== 0) throw new Error('a storage target writes whole files only');
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    body.on('error', (e) => meter.destroy(e));
    body.pipe(meter);
    const key = this.#path(objectId, path);
    // The root inventory and its sidecar change with every version: replacing them is not a repair.
    const aside = /^inventory\.json/.test(path) ? undefined : await this.#setAside(key);
    try {
      await this.storage.put(key, meter, { ...(signal !== undefined ? { signal } : {}) });
    } finally {
      body.destroy();
    }
    const sha256 = hash.digest('hex');
    // Kept only when the bytes it held were other than the ones now written (a repair, not a re-send).
    if (aside !== undefined && aside.sha256 === sha256) await rm(aside.file, { force: true });
    this.#written.set(key, { size, sha256 });
  }

  /** Copy what the target holds at `key` to the quarantine directory, with its SHA-256; undefined when it holds nothing. */
  async #setAside(key: string): Promise<{ file: string; sha256: string } | undefined> {
    if ((await this.storage.stat(key)) === undefined) return undefined;
    const file = join(this.quarantineDir, this.id, new Date().toISOString().replace(/[:.]/g, '-'), ...key.split('/'));
    await mkdir(dirname(file), { recursive: true });
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _e, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(await this.storage.read(key), tap, createWriteStream(file));
    return { file, sha256: hash.digest('hex') };
  }
  async commit(objectId: string, path: string, expected: StoredDigest): Promise<void> {
    const key = this.#path(objectId, path);
    const got = this.#written.get(key);
    this.#written.delete(key);
    if (got?.size !== expected.size || got.sha256 !== expected.sha256) {
      await this.storage.delete(key);
      throw new DigestMismatchError(
        {
          zh: `写入 ${this.id} 的 ${path} 与发送的不符`,
          en: `${path} as written to ${this.id} differs from what was sent`,
        },
        { details: { expected, actual: got } },
      );
    }
  }

  read(objectId: string, path: string, signal?: AbortSignal): Promise<Readable> {
    return this.storage.read(this.#path(objectId, path), signal !== undefined ? { signal } : {});
  }

  async challenge(
    objectId: string,
    nonce: Buffer,
    paths: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    for (const p of paths) {
      signal?.throwIfAborted();
      try {
        out.set(p, await challengeDigest(nonce, await this.read(objectId, p, signal)));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        out.set(p, undefined);
      }
    }
    return out;
  }

  async objects(): Promise<readonly string[]> {
    // A storage root is read with the OCFL tools (store/ocfl), not through this interface.
    return [];
  }

  close(): Promise<void> {
    return this.storage.close();
  }

  #path(objectId: string, path: string): string {
    return joinPath(this.objectRoot(objectId), path);
  }
}
