import { digestStream } from '../../digest/index.js';
import type { Storage } from '../storage.js';
import { joinPath } from '../storage-path.js';
import { INVENTORY, OBJECT_NAMASTE, OBJECT_NAMASTE_CONTENT } from './constants.js';
import { readInventory, sidecarContent, versionName, versionNumber, type ReadInventoryResult } from './inventory.js';

export type RecoveryAction =
  'temporaries-removed' | 'sidecar-rewritten' | 'rolled-forward' | 'rolled-back' | 'removed' | 'unrecoverable';

export interface RecoveryResult {
  /** Object root, relative to the storage root. */
  readonly path: string;
  readonly objectId?: string;
  /** Empty when the object was already consistent. */
  readonly actions: RecoveryAction[];
  /** Why the object could not be repaired, when `actions` includes 'unrecoverable'. */
  readonly problem?: string;
}

export interface RecoverOptions {
  /** Re-hash the content of a version before rolling it forward (default true). */
  readonly verifyContent?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Delete a whole object root, the declaration last: until it goes, the
 * directory is still found as an object and a later recovery finishes the job.
 */
export async function removeObject(storage: Storage, root: string): Promise<void> {
  for (const dir of await storage.listDirs(root)) await storage.deletePrefix(joinPath(root, dir));
  for await (const p of storage.list(root, { recursive: false })) {
    if (p !== joinPath(root, OBJECT_NAMASTE)) await storage.delete(p);
  }
  await storage.delete(joinPath(root, OBJECT_NAMASTE));
}

async function safeRead(storage: Storage, dir: string): Promise<ReadInventoryResult | undefined | 'corrupt'> {
  try {
    return await readInventory(storage, dir);
  } catch {
    return 'corrupt';
  }
}

/** Whether version `vn` (described by `cand`) is complete: every content file it introduced is present (and intact). */
async function versionComplete(
  storage: Storage,
  root: string,
  cand: ReadInventoryResult,
  vn: string,
  options: RecoverOptions,
): Promise<boolean> {
  const { inventory } = cand;
  for (const [digest, paths] of Object.entries(inventory.manifest)) {
    for (const p of paths) {
      if (!p.startsWith(`${vn}/`)) continue;
      const full = joinPath(root, p);
      if (!(await storage.exists(full))) return false;
      if (options.verifyContent ?? true) {
        const r = await digestStream(await storage.read(full, options), [inventory.digestAlgorithm], {
          signal: options.signal,
        });
        if (r.digests[inventory.digestAlgorithm] !== digest) return false;
      }
    }
  }
  return true;
}

/**
 * Bring an object a crash left torn back to exactly its old or exactly its
 * new state (see the commit protocol in commit.ts):
 *  - temp files of interrupted writes are removed;
 *  - root sidecar not matching the root inventory, but the root inventory
 *    identical to the head version's inventory → the crash fell between the
 *    last two writes: rewrite the sidecar;
 *  - a `v(head+1)` directory whose inventory and sidecar are complete and
 *    whose new content is all present and intact → roll forward (write the
 *    root inventory and sidecar from it); otherwise delete it, and delete the
 *    whole object if it has no complete v1.
 * Every repair is a write the commit protocol would have made, or a deletion
 * that leaves the same decision for the next run, so recovery is idempotent
 * and a crash during recovery is repaired by running it again. Only run it
 * while no writer is active on the object.
 */
export async function recoverObject(
  storage: Storage,
  root: string,
  options: RecoverOptions = {},
): Promise<RecoveryResult> {
  const actions: RecoveryAction[] = [];
  if ((await storage.sweepTemporaries(root)) > 0) actions.push('temporaries-removed');
  const current = await safeRead(storage, root);
  if (current === 'corrupt') {
    return { path: root, actions: [...actions, 'unrecoverable'], problem: 'root inventory.json is unreadable' };
  }
  let head = 0;
  if (current !== undefined) {
    const inv = current.inventory;
    head = versionNumber(inv.head) ?? 0;
    if (!current.sidecarOk) {
      const headBytes = await storage.readBytes(joinPath(root, inv.head, INVENTORY)).catch(() => undefined);
      if (headBytes === undefined || !headBytes.equals(current.bytes)) {
        return {
          path: root,
          objectId: inv.id,
          actions: [...actions, 'unrecoverable'],
          problem: 'root sidecar does not match root inventory, and the inventory is not the head version inventory',
        };
      }
      await storage.writeBytes(
        joinPath(root, `${INVENTORY}.${inv.digestAlgorithm}`),
        sidecarContent(inv.digestAlgorithm, current.bytes),
      );
      actions.push('sidecar-rewritten');
    }
  }
  const objectId = current?.inventory.id;
  const vn = versionName(head + 1);
  // Versions beyond head+1 cannot come from a crash of our protocol: a lost or
  // replaced root inventory. Touching anything could destroy versions; stop.
  const beyond = (await storage.listDirs(root)).filter((d) => (versionNumber(d) ?? 0) > head + 1);
  if (beyond.length > 0) {
    return {
      path: root,
      ...(objectId === undefined ? {} : { objectId }),
      actions: [...actions, 'unrecoverable'],
      problem: `version directories ${beyond.join(', ')} lie beyond head v${head}`,
    };
  }
  const vdir = joinPath(root, vn);
  let started = false;
  for await (const _ of storage.list(vdir)) {
    started = true;
    break;
  }
  if (started) {
    const cand = await safeRead(storage, vdir);
    const complete =
      cand !== undefined &&
      cand !== 'corrupt' &&
      cand.sidecarOk &&
      cand.inventory.head === vn &&
      (objectId === undefined || cand.inventory.id === objectId) &&
      (await versionComplete(storage, root, cand, vn, options));
    if (complete) {
      const inv = cand.inventory;
      if (head === 0) await storage.writeBytes(joinPath(root, OBJECT_NAMASTE), OBJECT_NAMASTE_CONTENT);
      await storage.writeBytes(joinPath(root, INVENTORY), cand.bytes);
      await storage.writeBytes(
        joinPath(root, `${INVENTORY}.${inv.digestAlgorithm}`),
        sidecarContent(inv.digestAlgorithm, cand.bytes),
      );
      return { path: root, objectId: inv.id, actions: [...actions, 'rolled-forward'] };
    }
  }
  if (head === 0) {
    // No complete v1: the object never existed.
    let any = false;
    for await (const _ of storage.list(root)) {
      any = true;
      break;
    }
    if (any) {
      await removeObject(storage, root);
      actions.push('removed');
    } else {
      // Killed after creating the object's directories but before its first file: remove the empty
      // directories too (an fs root must hold none, OCFL 1.1 E073); no-op where directories are implicit.
      await storage.deletePrefix(root);
    }
  } else if (started) {
    await storage.deletePrefix(vdir);
    actions.push('rolled-back');
  }
  return { path: root, ...(objectId === undefined ? {} : { objectId }), actions };
}
