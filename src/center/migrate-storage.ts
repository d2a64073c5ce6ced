/**
 * Copy a center's OCFL storage root to another storage — a directory to an
 * S3 bucket when a center scales out (`yinji migrate --to-storage`), but any
 * Storage to any Storage.
 *
 * The source is only read, so a center keeps serving from it meanwhile.
 * Each object is copied the way a version is committed (store/ocfl/commit.ts):
 * content first, each file verified against its manifest digest as it is
 * written; then the version inventories; the object's root inventory and its
 * sidecar last. A root inventory in the target therefore marks a complete
 * object, which is what makes the copy resumable: a later run skips objects
 * whose root inventory already equals the source's, and redoes the others.
 */
import { isYinjiError, wrapWriteError, type Message, type YinjiError } from '../core/index.js';
import { validateStorageRoot, walkObjectRoots, type Storage, type ValidationResult } from '../store/index.js';
import { copyObject } from './migrate-object.js';
import { copyRootFiles } from './migrate-storage-root.js';

export interface StorageCopyProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  /** Files and bytes written to the target so far (objects already there count nothing). */
  readonly files: number;
  readonly bytes: number;
}

export interface MigrateStorageOptions {
  /** Abort the copy; what is complete stays complete, the next run resumes. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: StorageCopyProgress) => void;
  /** Files of one object copied at once. Default 4. */
  readonly concurrency?: number;
  /** Also recompute every content digest in the target when validating it. Default false: each was checked as it was written. */
  readonly fixity?: boolean;
}

/** copied: written now; unchanged: already complete in the target; skipped: no committed version in the source yet. */
export type ObjectCopyStatus = 'copied' | 'unchanged' | 'skipped' | 'failed';

export interface ObjectCopyProblem {
  readonly code: string;
  readonly message: Message;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface ObjectCopyResult {
  /** Object root, relative to the storage root. */
  readonly path: string;
  readonly objectId?: string;
  readonly status: ObjectCopyStatus;
  /** Head version copied, e.g. "v2". */
  readonly head?: string;
  readonly files: number;
  readonly bytes: number;
  readonly problem?: ObjectCopyProblem;
}

export interface MigrateStorageResult {
  readonly source: string;
  readonly target: string;
  /** One per object of the source, in storage order. */
  readonly objects: readonly ObjectCopyResult[];
  readonly counts: Readonly<Record<ObjectCopyStatus, number>>;
  readonly files: number;
  readonly bytes: number;
  /** The target checked as an OCFL 1.1 storage root; absent when an object failed (the target is then known incomplete). */
  readonly validation?: ValidationResult;
  /** Every object copied or already there, and the target valid. */
  readonly complete: boolean;
}

function asProblem(e: unknown): ObjectCopyProblem {
  const err: YinjiError = isYinjiError(e)
    ? e
    : wrapWriteError(e, { zh: '复制对象时读写失败', en: 'read or write failed while copying the object' });
  return { code: err.code, message: { zh: err.zh, en: err.message }, details: err.details };
}

/** Copy every object of the OCFL storage root `source` into `target`, then validate `target`. */
export async function migrateStorage(
  source: Storage,
  target: Storage,
  options: MigrateStorageOptions = {},
): Promise<MigrateStorageResult> {
  const { signal } = options;
  await copyRootFiles(source, target, signal);
  const roots: string[] = [];
  for await (const root of walkObjectRoots(source)) roots.push(root);

  const totals = { files: 0, bytes: 0, objectsDone: 0 };
  const report = (): void =>
    options.onProgress?.({
      objectsDone: totals.objectsDone,
      objectsTotal: roots.length,
      files: totals.files,
      bytes: totals.bytes,
    });
  const objects: ObjectCopyResult[] = [];
  for (const root of roots) {
    signal?.throwIfAborted();
    const counted = { files: 0, bytes: 0 };
    const tally = {
      bytes: (n: number): void => {
        counted.bytes += n;
        totals.bytes += n;
        report();
      },
      file: (): void => {
        counted.files++;
        totals.files++;
      },
    };
    try {
      const r = await copyObject(source, target, root, options, tally);
      objects.push({ path: root, ...r, files: counted.files, bytes: counted.bytes });
    } catch (e) {
      signal?.throwIfAborted(); // an abort stops the whole copy; the next run resumes
      objects.push({ path: root, status: 'failed', files: counted.files, bytes: counted.bytes, problem: asProblem(e) });
    }
    totals.objectsDone++;
    report();
  }

  const counts = { copied: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const o of objects) counts[o.status]++;
  const validation =
    counts.failed === 0 ? await validateStorageRoot(target, { fixity: options.fixity ?? false, signal }) : undefined;
  return {
    source: source.description,
    target: target.description,
    objects,
    counts,
    files: totals.files,
    bytes: totals.bytes,
    ...(validation !== undefined ? { validation } : {}),
    complete: validation?.valid === true,
  };
}
