import { getMaxListeners, setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { ConflictError, DigestMismatchError, InvalidInputError, StorageError } from '../../core/errors.js';
import { isWellFormedDigest, type DigestAlgorithm } from '../../digest/index.js';
import type { Storage } from '../storage.js';
import { joinPath } from '../storage-path.js';
import { forEachLimited } from '../../core/concurrency.js';
import { CONTENT_DIR, INVENTORY, INVENTORY_TYPE, OBJECT_NAMASTE, OBJECT_NAMASTE_CONTENT } from './constants.js';
import type { ContentAlgorithm } from './constants.js';
import {
  checkLogicalPath,
  digestHex,
  readInventory,
  serializeInventory,
  sidecarContent,
  versionName,
  versionNumber,
  type Inventory,
  type OcflUser,
} from './inventory.js';
import { removeObject } from './recover.js';

export interface CommitFile {
  readonly logicalPath: string;
  /** Digest in the object's content algorithm (sha256 by default), lower-case hex. */
  readonly digest: string;
  readonly size: number;
  /** A local file (moved in when `move` and on the same filesystem) or a stream factory, called at most once. */
  readonly source: { readonly file: string; readonly move?: boolean } | (() => Readable);
  /** Extra digests recorded in the fixity block for new content (§3.5.4), e.g. { sm3, sha512 }. Not re-verified here; the validator checks them (E093). */
  readonly fixity?: Partial<Record<DigestAlgorithm, string>>;
}

export interface CommitInput {
  /** The full state of the new version (not a delta). */
  readonly files: readonly CommitFile[];
  readonly created: Date;
  readonly message: string;
  readonly user: OcflUser;
}

export interface CommitOptions {
  readonly signal?: AbortSignal;
  /** Called after each file; deduplicated files count too, so the totals reach the sum of `files`. */
  readonly onProgress?: (bytesDone: number, filesDone: number) => void;
  /** Fail with E_CONFLICT unless the object's head is this (0 = object must not exist). */
  readonly expectedHead?: number;
}

export interface CommitResult {
  readonly version: number;
  readonly newContentFiles: number;
  readonly newContentBytes: number;
  /** sha256 of the inventory.json bytes written for this version. */
  readonly inventoryDigest: string;
}

/**
 * New content files written at once: enough to overlap fsyncs and uploads (2,000 × 32 KiB: store
 * phase 4.7 s one at a time, 1.3 s eight at a time), few enough to keep memory small (an S3 upload
 * holds about 24 MiB, so at most about 200 MiB for eight large files).
 */
const WRITE_CONCURRENCY = 8;

function checkFiles(files: readonly CommitFile[], algorithm: ContentAlgorithm): void {
  const seen = new Set<string>();
  for (const f of files) {
    checkLogicalPath(f.logicalPath);
    if (seen.has(f.logicalPath)) {
      throw new InvalidInputError({
        zh: `逻辑路径重复："${f.logicalPath}"`,
        en: `duplicate logical path "${f.logicalPath}"`,
      });
    }
    seen.add(f.logicalPath);
    if (!isWellFormedDigest(algorithm, f.digest)) {
      throw new InvalidInputError({
        zh: `"${f.logicalPath}" 的 ${algorithm} 摘要格式不正确`,
        en: `malformed ${algorithm} digest for "${f.logicalPath}"`,
      });
    }
    if (!Number.isSafeInteger(f.size) || f.size < 0) {
      throw new InvalidInputError({ zh: `"${f.logicalPath}" 的大小不正确`, en: `bad size for "${f.logicalPath}"` });
    }
  }
  // §3.5.3.1 E095: a logical path may not be a directory prefix of another.
  for (const p of seen) {
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (seen.has(p.slice(0, i))) {
        throw new InvalidInputError({
          zh: `逻辑路径冲突："${p.slice(0, i)}" 既是文件又是目录`,
          en: `conflicting logical paths: "${p.slice(0, i)}" is both a file and a directory`,
        });
      }
    }
  }
}

/**
 * Add version head+1 to the object at `root` (creating the object for v1).
 *
 * Atomic commit protocol (each step is one atomic Storage write):
 *   1. (new object only) the `0=ocfl_object_1.1` declaration;
 *   2. every new content file under `vN/content/`, each verified against its
 *      declared digest while it is written;
 *   3. `vN/inventory.json`, then its sidecar — vN is now complete;
 *   4. the root `inventory.json`, then the root sidecar — the commit point
 *      (OCFL 1.1 §3.5.6 E062: the sidecar is the last write of a version).
 * A crash anywhere leaves a state `recoverObject` (recover.ts) turns into
 * exactly the old or exactly the new version. A failure we see (digest
 * mismatch, disk full, abort) is cleaned up at once, best effort.
 *
 * Dedup (§3.3.3 forward delta): content whose digest the manifest already
 * holds, from any earlier version or earlier in this one, is not stored
 * again; the new state points at the existing content path.
 *
 * The caller serialises writers to one object; `expectedHead` catches a head
 * that moved anyway.
 */
export async function commitObjectVersion(
  storage: Storage,
  root: string,
  objectId: string,
  algorithm: ContentAlgorithm,
  input: CommitInput,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const { signal } = options;
  checkFiles(input.files, algorithm);
  const current = await readInventory(storage, root);
  if (current !== undefined && (!current.sidecarOk || current.inventory.id !== objectId)) {
    throw new StorageError('E_STORAGE_CORRUPT', {
      zh: `对象 ${objectId} 的清单或其摘要文件不一致，请先运行恢复（recover）或校验`,
      en: `object ${objectId}: root inventory does not match its sidecar or id; run recover/validate first`,
    });
  }
  const old: Inventory | undefined = current?.inventory;
  const head = old === undefined ? 0 : (versionNumber(old.head) ?? 0);
  if (old !== undefined && old.digestAlgorithm !== algorithm) algorithm = old.digestAlgorithm;
  const conflict = (zh: string, en: string): ConflictError =>
    new ConflictError(
      { zh: `对象 ${objectId}：${zh}`, en: `object ${objectId}: ${en}` },
      { details: { objectId, head } },
    );
  if (options.expectedHead !== undefined && options.expectedHead !== head) {
    throw conflict(
      `当前版本为 v${head}，预期 v${options.expectedHead}`,
      `head is v${head}, expected v${options.expectedHead}`,
    );
  }
  const vn = versionName(head + 1);
  const vdir = joinPath(root, vn);
  const leftovers = head === 0 ? root : vdir;
  for await (const _ of storage.list(leftovers)) {
    throw conflict(`${vn} 有未完成的写入，请先运行恢复`, `an interrupted write of ${vn} is present; run recover first`);
  }

  const manifest: Record<string, string[]> = { ...(old?.manifest ?? {}) };
  const fixity: Record<string, Record<string, string[]>> = {};
  for (const [alg, block] of Object.entries(old?.fixity ?? {})) fixity[alg] = { ...block };
  const state: Record<string, string[]> = {};
  let newContentFiles = 0;
  let newContentBytes = 0;
  try {
    if (head === 0) await storage.writeBytes(joinPath(root, OBJECT_NAMASTE), OBJECT_NAMASTE_CONTENT, { signal });
    // Claim content paths in input order (so the layout does not depend on timing), then write the new
    // content several files at a time: each write ends in fsyncs, and overlapping them lets the
    // filesystem commit its journal once for many files (or S3 take several uploads at once).
    const writes: Array<{ file: CommitFile; digest: string; contentPath: string }> = [];
    let dedupedFiles = 0;
    let dedupedBytes = 0;
    for (const f of input.files) {
      const digest = f.digest.toLowerCase();
      (state[digest] ??= []).push(f.logicalPath);
      if (manifest[digest] !== undefined) {
        dedupedFiles++;
        dedupedBytes += f.size;
        continue;
      }
      const contentPath = `${vn}/${CONTENT_DIR}/${f.logicalPath}`;
      manifest[digest] = [contentPath];
      for (const [alg, value] of Object.entries(f.fixity ?? {})) {
        if (alg !== algorithm && value !== undefined) (fixity[alg] ??= {})[value.toLowerCase()] = [contentPath];
      }
      writes.push({ file: f, digest, contentPath });
      newContentFiles++;
      newContentBytes += f.size;
    }
    let bytesDone = dedupedBytes;
    let filesDone = dedupedFiles;
    if (filesDone > 0) options.onProgress?.(bytesDone, filesDone);
    // Each running write's streams listen on the caller's signal: more than Node's default of 10.
    if (signal !== undefined) setMaxListeners(Math.max(getMaxListeners(signal), WRITE_CONCURRENCY * 4), signal);
    await forEachLimited(writes, WRITE_CONCURRENCY, async ({ file: f, digest, contentPath }) => {
      signal?.throwIfAborted();
      const source = typeof f.source === 'function' ? f.source() : f.source;
      try {
        await storage.put(joinPath(root, contentPath), source, {
          signal,
          expected: { algorithm, digest },
        });
      } catch (e) {
        if (!(e instanceof DigestMismatchError)) throw e;
        throw new DigestMismatchError(
          {
            zh: `文件 "${f.logicalPath}" 与声明的摘要不符，未提交`,
            en: `"${f.logicalPath}" does not match its declared digest; nothing committed`,
          },
          { cause: e, details: { ...e.details, logicalPath: f.logicalPath, objectId } },
        );
      }
      bytesDone += f.size;
      options.onProgress?.(bytesDone, ++filesDone);
    });
    const inventory: Inventory = {
      id: objectId,
      type: INVENTORY_TYPE,
      digestAlgorithm: algorithm,
      head: vn,
      manifest,
      versions: {
        ...(old?.versions ?? {}),
        [vn]: { created: input.created.toISOString(), message: input.message, user: input.user, state },
      },
      ...(Object.keys(fixity).length > 0 ? { fixity } : {}),
    };
    const bytes = serializeInventory(inventory);
    const sidecar = sidecarContent(algorithm, bytes);
    await storage.writeBytes(joinPath(vdir, INVENTORY), bytes, { signal });
    await storage.writeBytes(joinPath(vdir, `${INVENTORY}.${algorithm}`), sidecar, { signal });
    await storage.writeBytes(joinPath(root, INVENTORY), bytes, { signal });
    // Commit point: no abort signal past here, a half-published version helps no one.
    await storage.writeBytes(joinPath(root, `${INVENTORY}.${algorithm}`), sidecar);
    return { version: head + 1, newContentFiles, newContentBytes, inventoryDigest: digestHex('sha256', bytes) };
  } catch (e) {
    await rollBackAfterFailure(storage, root, vdir, head).catch(() => undefined);
    throw e;
  }
}

/** Best-effort cleanup of a failed commit; if it fails too, recoverObject finishes the job. */
async function rollBackAfterFailure(storage: Storage, root: string, vdir: string, head: number): Promise<void> {
  const published = await readInventory(storage, root).catch(() => undefined);
  if (published !== undefined && versionNumber(published.inventory.head) !== head) return; // already past the commit point
  if (head === 0 && published === undefined) await removeObject(storage, root);
  else await storage.deletePrefix(vdir);
}
