import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConflictError, DigestMismatchError, InvalidInputError, NotFoundError, wrapWriteError } from '../core/index.js';
import type { Repositories } from '../db/index.js';
import { digestFile } from '../digest/index.js';
import { checkStoragePath } from '../store/index.js';
import { challengeDigest, type CopyStatus, type StoredDigest } from './replica-target.js';

/**
 * The files a center keeps for its partners (馆际互备), on the local disk
 * under `dir`:
 *   <dir>/<peer>/<object id, URI-encoded>/<path in the object>   committed files
 *   <dir>/.partial/<peer>/<sha256 of object id and path>          transfers in progress
 *   <dir>/.quarantine/<peer>/<time>/<object>/<path>               files replaced by a repair
 * Each committed file's size and SHA-256, verified at commit, is recorded in
 * the database (hosted_files). The partner's bytes are usually ciphertext:
 * this center can prove it holds them (challenge) but not read them.
 *
 * Every name comes from a partner's request: the peer id is the
 * authenticated caller's, the object id is encoded into one path segment,
 * and the path is checked like any storage path (no '..', no absolute).
 */
export class HostedStore {
  /** One append or commit at a time per file: interleaved ones would mix bytes in the partial file. */
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    private readonly db: Pick<Repositories, 'hostedFiles'>,
    private readonly now: () => Date,
  ) {}

  async status(peerId: string, objectId: string, paths: readonly string[]): Promise<Map<string, CopyStatus>> {
    const held = new Map((await this.db.hostedFiles.list(peerId, objectId)).map((f) => [f.path, f]));
    const out = new Map<string, CopyStatus>();
    for (const p of paths) {
      checkStoragePath(p);
      const f = held.get(p);
      const partial = (await stat(this.#partial(peerId, objectId, p)).catch(() => undefined))?.size;
      out.set(p, {
        ...(f !== undefined ? { stored: { size: f.size, sha256: f.sha256 } } : {}),
        ...(partial !== undefined ? { partial } : {}),
      });
    }
    return out;
  }

  #exclusive<T>(peerId: string, objectId: string, path: string, fn: () => Promise<T>): Promise<T> {
    const key = this.#partial(peerId, objectId, path);
    const run = (this.#busy.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const settled = run.catch(() => undefined);
    this.#busy.set(key, settled);
    void settled.then(() => {
      if (this.#busy.get(key) === settled) this.#busy.delete(key);
    });
    return run;
  }

  /** Add bytes at `offset` to the partial file; `offset` must be what the partial holds (0 for a new one). */
  append(peerId: string, objectId: string, path: string, offset: number, body: Readable): Promise<number> {
    if (typeof (body as Partial<Readable> | undefined)?.pipe !== 'function') {
      throw new InvalidInputError({
        zh: '副本数据须以 application/octet-stream 发送',
        en: 'send replica bytes as application/octet-stream',
      });
    }
    return this.#exclusive(peerId, objectId, path, () => this.#append(peerId, objectId, path, offset, body));
  }

  async #append(peerId: string, objectId: string, path: string, offset: number, body: Readable): Promise<number> {
    checkStoragePath(path);
    const partial = this.#partial(peerId, objectId, path);
    await mkdir(dirname(partial), { recursive: true });
    const have = (await stat(partial).catch(() => undefined))?.size ?? 0;
    if (have !== offset) {
      body.resume();
      throw new ConflictError(
        {
          zh: `续传位置不符：已收到 ${have} 字节，请求从 ${offset} 开始`,
          en: `resume offset mismatch: ${have} bytes held, request starts at ${offset}`,
        },
        { details: { held: have } },
      );
    }
    const out = createWriteStream(partial, { flags: offset === 0 ? 'w' : 'a' });
    // What arrived before a cut stays in the partial file: the sender continues from there.
    await pipeline(body, out).catch((e: unknown) => {
      throw wrapWriteError(e, { zh: '接收副本数据中断', en: 'receiving replica bytes was interrupted' });
    });
    return (await stat(partial)).size;
  }

  /**
   * Put the partial file in place when it is exactly what the sender says it
   * sent; otherwise drop it (the sender starts over). A committed file that
   * differs is moved to quarantine first, never deleted.
   */
  commit(peerId: string, objectId: string, path: string, expected: StoredDigest): Promise<void> {
    return this.#exclusive(peerId, objectId, path, () => this.#commit(peerId, objectId, path, expected));
  }

  async #commit(peerId: string, objectId: string, path: string, expected: StoredDigest): Promise<void> {
    checkStoragePath(path);
    const partial = this.#partial(peerId, objectId, path);
    const size = (await stat(partial).catch(() => undefined))?.size;
    if (size === undefined) {
      throw new NotFoundError({ zh: `没有正在接收的 ${path}`, en: `no transfer of ${path} in progress` });
    }
    const sha256 = (await fileSha256(partial))!;
    if (size !== expected.size || sha256 !== expected.sha256) {
      await rm(partial, { force: true });
      throw new DigestMismatchError(
        {
          zh: `收到的 ${path} 与发送方声明的不符（${size} 字节），已丢弃，请重新发送`,
          en: `${path} as received (${size} bytes) differs from what the sender declared; dropped — send it again`,
        },
        { details: { expected, actual: { size, sha256 } } },
      );
    }
    const file = this.#file(peerId, objectId, path);
    await mkdir(dirname(file), { recursive: true });
    // What is there now may differ from what was recorded (that is why it is being replaced): compare the bytes.
    const there = await fileSha256(file);
    if (there !== undefined && there !== sha256) await this.#quarantine(peerId, objectId, path, file);
    await syncFile(partial);
    await rename(partial, file);
    await this.db.hostedFiles.put({ peerId, objectId, path, size, sha256 });
  }

  async read(
    peerId: string,
    objectId: string,
    path: string,
  ): Promise<{ stream: Readable; size: number; sha256: string }> {
    checkStoragePath(path);
    const held = await this.db.hostedFiles.get(peerId, objectId, path);
    if (held === undefined) throw notHeld(path);
    const stream = createReadStream(this.#file(peerId, objectId, path));
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', () => reject(notHeld(path)));
    });
    return { stream, size: held.size, sha256: held.sha256 };
  }

  async challenge(
    peerId: string,
    objectId: string,
    nonce: Buffer,
    paths: readonly string[],
  ): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    for (const p of paths) {
      checkStoragePath(p);
      // The bytes on disk, never the recorded digest: that is the point of a challenge.
      const stream = createReadStream(this.#file(peerId, objectId, p));
      out.set(p, await challengeDigest(nonce, stream).catch(() => undefined));
    }
    return out;
  }

  #file(peerId: string, objectId: string, path: string): string {
    return join(this.dir, segment(peerId), objectDir(objectId), ...checkStoragePath(path).split('/'));
  }

  #partial(peerId: string, objectId: string, path: string): string {
    const id = createHash('sha256').update(`${objectId}\n${path}`).digest('hex');
    return join(this.dir, '.partial', segment(peerId), id);
  }

  async #quarantine(peerId: string, objectId: string, path: string, file: string): Promise<void> {
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const aside = join(
      this.dir,
      '.quarantine',
      segment(peerId),
      stamp,
      encodeURIComponent(objectId),
      ...path.split('/'),
    );
    await mkdir(dirname(aside), { recursive: true });
    await copyFile(file, aside);
  }
}

/**
 * The directory of an object, one path segment: the id URI-encoded (so '/'
 * cannot split it), and never '.' or '..' (which encoding leaves as they
 * are, and which would step out of the partner's own area).
 */
function objectDir(objectId: string): string {
  const name = encodeURIComponent(objectId);
  if (name === '' || name === '.' || name === '..' || name.length > 600) {
    throw new InvalidInputError({ zh: `对象标识 "${objectId}" 无效`, en: `invalid object id "${objectId}"` });
  }
  return name;
}

function segment(peerId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(peerId)) throw new Error(`unsafe peer id ${peerId}`);
  return peerId;
}

function notHeld(path: string): NotFoundError {
  return new NotFoundError({ zh: `本中心没有代存 ${path}`, en: `${path} is not held here` });
}

async function fileSha256(path: string): Promise<string | undefined> {
  try {
    return (await digestFile(path, ['sha256'])).digests.sha256;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
