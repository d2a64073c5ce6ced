import { randomBytes } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import {
  link,
  mkdir,
  open,
  type FileHandle,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, InvalidInputError, NotFoundError, wrapWriteError } from '../../core/errors.js';
import { DigestingStream, digestBuffer, digestFile } from '../../digest/index.js';
import type { ExpectedDigest, ListOptions, PutOptions, PutSource, Storage, StorageStat } from '../storage.js';
import { TEMP_PREFIX, checkStoragePath, joinPath } from '../storage-path.js';
import { DirectorySyncs } from './directory-syncs.js';

const READ_CHUNK = 1 << 20;
/** Files up to this size are copied with one read and one write instead of a stream pipeline. */
const SMALL_FILE = 1 << 20;

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Tries at making a write's directory that another write's clean-up keeps removing. */
const DIRECTORY_RETRIES = 20;

/**
 * Whether `e` says the write's own directory vanished: mkdir -p reports a parent removed under it as
 * ENOTDIR (node's MKDirpAsync when the stat after EEXIST fails), creating the temp file as ENOENT.
 */
function vanishedUnder(e: unknown, dir: string, tmp: string): boolean {
  const { code, path, dest } = (e ?? {}) as NodeJS.ErrnoException & { dest?: string };
  if (code === 'ENOENT') return path === tmp || dest === tmp; // open(tmp), or link(file, tmp) in moveIn
  return code === 'ENOTDIR' && path !== undefined && (dir === path || dir.startsWith(path + sep));
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The whole file when it is at most SMALL_FILE bytes, else undefined (it is then streamed). */
async function readIfSmall(file: string): Promise<Buffer | undefined> {
  const fh = await open(file, 'r');
  try {
    return await readWholeIfSmall(fh);
  } finally {
    await fh.close();
  }
}

/**
 * An open file's bytes when it is at most SMALL_FILE bytes; else undefined. Reads at most one
 * byte more than the size the stat gave: a file that grew meanwhile (a source still being
 * written) is streamed from its start instead, and never loaded whole, however large it became.
 */
async function readWholeIfSmall(fh: FileHandle): Promise<Buffer | undefined> {
  const { size } = await fh.stat();
  if (size > SMALL_FILE) return undefined;
  const buffer = Buffer.allocUnsafe(size + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await fh.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled > size ? undefined : buffer.subarray(0, filled);
}

/** Create `tmp` (which must not exist) holding `data`, on disk before this returns. */
async function writeDurably(tmp: string, data: Buffer): Promise<void> {
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function mismatch(path: string, expected: ExpectedDigest, actual: string | undefined): DigestMismatchError {
  return new DigestMismatchError(
    {
      zh: `写入 "${path}" 时摘要不符（${expected.algorithm} 应为 ${expected.digest}，实为 ${actual}），未保存`,
      en: `digest mismatch writing "${path}" (${expected.algorithm} expected ${expected.digest}, got ${actual}); nothing stored`,
    },
    { details: { path, algorithm: expected.algorithm, expected: expected.digest, actual } },
  );
}

/**
 * Storage on a local (or mounted) filesystem. Atomic writes follow the
 * classic recipe: temp file in the target directory, fsync, rename over the
 * target, fsync the directory so the rename itself survives a power cut.
 */
export class FsStorage implements Storage {
  readonly root: string;
  readonly description: string;
  private readonly dirSyncs = new DirectorySyncs(fsyncPath);

  constructor(root: string) {
    this.root = resolve(root);
    this.description = this.root;
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async close(): Promise<void> {}

  private abs(path: string, allowRoot = false): string {
    return join(this.root, ...checkStoragePath(path, allowRoot).split('/'));
  }

  localPath(path: string): string {
    return this.abs(path);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async stat(path: string): Promise<StorageStat | undefined> {
    try {
      const s = await stat(this.abs(path));
      return s.isFile() ? { size: s.size } : undefined;
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    const recursive = options.recursive ?? true;
    let entries: Dirent[];
    try {
      entries = await readdir(this.abs(prefix, true), { withFileTypes: true });
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return;
      throw e;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      options.signal?.throwIfAborted();
      if (ent.name.startsWith(TEMP_PREFIX)) continue;
      const p = joinPath(prefix, ent.name);
      // Symbolic links are skipped: OCFL 1.1 §4.1 forbids them and following one could leave the root.
      if (ent.isFile()) yield p;
      else if (ent.isDirectory() && recursive) yield* this.list(p, options);
    }
  }

  async listDirs(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(this.abs(prefix, true), { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return [];
      throw e;
    }
  }

  async read(path: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    try {
      // Open first so a missing file is a NotFoundError here, not a stream error later.
      const fh = await open(this.abs(path), 'r');
      const small = await readWholeIfSmall(fh).catch(async (e: unknown) => {
        await fh.close();
        throw e;
      });
      if (small !== undefined) {
        await fh.close();
        // A small file in one read: a file stream's machinery costs more than the read itself.
        return Readable.from([small], { objectMode: false, signal: options.signal });
      }
      // From the start: a file that grew after the stat was partly read already.
      return fh.createReadStream({ start: 0, highWaterMark: READ_CHUNK, signal: options.signal });
    } catch (e) {
      throw this.readError(path, e);
    }
  }

  async readBytes(path: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    try {
      return await readFile(this.abs(path), { signal: options.signal });
    } catch (e) {
      throw this.readError(path, e);
    }
  }

  private readError(path: string, e: unknown): unknown {
    if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR' && errno(e) !== 'EISDIR') return e;
    return new NotFoundError(
      { zh: `存储中没有文件 "${path}"`, en: `no file "${path}" in storage ${this.description}` },
      { cause: e, details: { path } },
    );
  }

  async writeBytes(path: string, data: Uint8Array | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.writeAtomically(path, options, (tmp) => writeDurably(tmp, Buffer.from(data)));
  }

  async put(path: string, source: PutSource, options: PutOptions = {}): Promise<void> {
    await this.writeAtomically(path, options, async (tmp) => {
      if (!(source instanceof Readable) && source.move === true && (await this.moveIn(path, source.file, tmp, options)))
        return; // moved into tmp
      await this.copyIn(path, source, tmp, options);
    });
  }

  /** The atomic-write recipe around `fill`, which must create `tmp` complete and fsynced. */
  private async writeAtomically(
    path: string,
    options: { signal?: AbortSignal },
    fill: (tmp: string) => Promise<void>,
  ): Promise<void> {
    const target = this.abs(path);
    const dir = dirname(target);
    const tmp = join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'));
    try {
      options.signal?.throwIfAborted();
      for (let attempt = 1; ; attempt++) {
        try {
          await mkdir(dir, { recursive: true });
          await fill(tmp);
          break;
        } catch (e) {
          // A concurrent failed write pruned the directory it left empty (pruneEmptyParents) between
          // our mkdir and our temp file: make it again. Nothing was read from the source yet.
          if (attempt < DIRECTORY_RETRIES && vanishedUnder(e, dir, tmp)) continue;
          throw e;
        }
      }
      await rename(tmp, target);
      await this.dirSyncs.sync(dir);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      await this.pruneEmptyParents(dir);
      if (e instanceof DigestMismatchError || (e instanceof Error && e.name === 'AbortError')) throw e;
      throw wrapWriteError(e, { zh: `写入 "${path}" 失败`, en: `failed to write "${path}" to ${this.description}` });
    }
  }

  /** Fast path: verify by reading (cheaper than copying), then rename. False when not on the same filesystem. */
  private async moveIn(path: string, file: string, tmp: string, options: PutOptions): Promise<boolean> {
    if (options.expected !== undefined) {
      const { algorithm, digest } = options.expected;
      const got = (await digestFile(file, [algorithm], { signal: options.signal })).digests[algorithm];
      if (got !== digest) throw mismatch(path, options.expected, got);
    }
    try {
      await fsyncPath(file);
      // link + unlink instead of rename so an existing tmp name can never be overwritten.
      await link(file, tmp);
      await unlink(file);
      return true;
    } catch (e) {
      if (errno(e) === 'EXDEV' || errno(e) === 'EPERM' || errno(e) === 'ENOTSUP') return false;
      throw e;
    }
  }

  private async copyIn(path: string, source: PutSource, tmp: string, options: PutOptions): Promise<void> {
    const small = source instanceof Readable ? undefined : await readIfSmall(source.file);
    if (small !== undefined) {
      // Most records are small: one read, one hash and one write cost far less than a stream pipeline.
      const expected = options.expected;
      if (expected !== undefined) {
        const got = digestBuffer(small, expected.algorithm);
        if (got !== expected.digest) throw mismatch(path, expected, got);
      }
      options.signal?.throwIfAborted();
      await writeDurably(tmp, small);
    } else {
      await this.copyStream(path, source, tmp, options);
    }
    if (!(source instanceof Readable) && source.move === true) await unlink(source.file).catch(() => undefined);
  }

  private async copyStream(path: string, source: PutSource, tmp: string, options: PutOptions): Promise<void> {
    const input = source instanceof Readable ? source : createReadStream(source.file, { highWaterMark: READ_CHUNK });
    // Open before streaming: createWriteStream(path) opens asynchronously, and a source that fails first
    // let put()'s cleanup run before the open, which then created a temp file nobody removed.
    const out = (await open(tmp, 'wx')).createWriteStream();
    const expected = options.expected;
    if (expected === undefined) {
      await pipeline(input, out, { signal: options.signal });
    } else {
      const hasher = new DigestingStream([expected.algorithm]);
      await pipeline(input, hasher, out, { signal: options.signal });
      const got = hasher.result.digests[expected.algorithm];
      if (got !== expected.digest) throw mismatch(path, expected, got);
    }
    await fsyncPath(tmp);
  }

  async delete(path: string): Promise<void> {
    const abs = this.abs(path);
    try {
      await unlink(abs);
    } catch (e) {
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw e;
    }
    await this.pruneEmptyParents(dirname(abs));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') {
      throw new InvalidInputError({ zh: '拒绝删除整个存储根', en: 'refusing to delete the whole storage root' });
    }
    const abs = this.abs(prefix);
    await rm(abs, { recursive: true, force: true });
    await this.pruneEmptyParents(dirname(abs));
  }

  /** Directories are implicit (see Storage): remove the ones a deletion emptied, up to the root. */
  private async pruneEmptyParents(dir: string): Promise<void> {
    while (dir.startsWith(this.root + '/') || dir.startsWith(this.root + '\\')) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop
      }
      dir = dirname(dir);
    }
  }

  /**
   * Temp files, and the empty directories an interrupted write leaves (a
   * crash between mkdir and the first file): directories are implicit in this
   * interface, and OCFL 1.1 forbids empty ones (E073), so none may survive.
   * The prefix directory itself is kept.
   */
  async sweepTemporaries(prefix: string): Promise<number> {
    let removed = 0;
    /** Returns whether `dir` is empty after the sweep. */
    const walk = async (dir: string): Promise<boolean> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return false;
      }
      let left = entries.length;
      for (const ent of entries) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) {
          if (await walk(p)) {
            await rmdir(p).catch(() => undefined);
            removed++;
            left--;
          }
        } else if (ent.name.startsWith(TEMP_PREFIX)) {
          await unlink(p).catch(() => undefined);
          removed++;
          left--;
        }
      }
      return left === 0;
    };
    await walk(this.abs(prefix, true));
    return removed;
  }
}
