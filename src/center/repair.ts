/**
 * Repair of the local copy (issue 7 item 5): a file of the store that does
 * not match what was registered is replaced from a replica that does —
 * fetched, decrypted, checked against the registered digest, and only then
 * put in place; the damaged file is first copied aside into
 * `<data>/quarantine/`, never just deleted. Nothing is trusted because a
 * copy says so: the head inventory is checked against the digest the
 * registration recorded (and the log commits to), content against that
 * inventory. Sidecars and the object's NAMASTE file are derived, so they are
 * rewritten from the (good) inventories rather than fetched.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, NotFoundError, isYinjiError } from '../core/index.js';
import type { Replica, Repositories } from '../db/index.js';
import { digestBuffer, digestStream, type DigestAlgorithm } from '../digest/index.js';
import { fetchFile, type JobHandler } from '../replication/index.js';
import {
  INVENTORY,
  OBJECT_NAMASTE,
  OBJECT_NAMASTE_CONTENT,
  joinPath,
  sidecarContent,
  versionName,
  type Inventory,
} from '../store/index.js';
import type { Center } from './center.js';
import { openTarget } from './peers.js';
import { acquireObjectLease } from './object-lease.js';
import { getRegistration } from './queries.js';

export const REPAIR_JOB = 'repair';

export interface RepairReport {
  readonly regno: string;
  /** Files checked against their registered digests. */
  readonly checked: number;
  readonly damaged: readonly { path: string; problem: 'missing' | 'digest-mismatch' }[];
  readonly repaired: readonly { path: string; from: string }[];
  /** Damaged files no replica could supply. */
  readonly unrepaired: readonly { path: string; reason: string }[];
  /** Derived files (sidecars, NAMASTE) rewritten. */
  readonly rewritten: readonly string[];
}

/** Queue a repair of the local copy of `regno` (in the transaction that found the damage). */
export async function enqueueRepair(tx: Pick<Repositories, 'jobs'>, regno: string, at: Date): Promise<void> {
  await tx.jobs.enqueue({
    kind: REPAIR_JOB,
    key: `${REPAIR_JOB}:${regno}:${at.toISOString()}`,
    payload: { regno },
    maxAttempts: 20,
  });
}

interface Wanted {
  /** Path in the object. */
  readonly path: string;
  /** Where a replica holds the same bytes (the root inventory: as its head version's inventory). */
  readonly source: string;
  readonly digest: { readonly algorithm: DigestAlgorithm; readonly hex: string };
  /** The version whose copy holds it. */
  readonly version: number;
}

/**
 * Check every file of the registration's object and replace the damaged ones
 * from replicas, holding the object's lease so no new version is written
 * meanwhile.
 */
export async function repairLocal(center: Center, regno: string, signal?: AbortSignal): Promise<RepairReport> {
  await getRegistration(center, regno);
  const lease = await acquireObjectLease(center, regno);
  try {
    return await repairHeld(center, regno, signal ? AbortSignal.any([signal, lease.signal]) : lease.signal);
  } finally {
    await lease.release();
  }
}

async function repairHeld(center: Center, regno: string, signal: AbortSignal): Promise<RepairReport> {
  const reg = await getRegistration(center, regno);
  const root = center.store.objectRoot(reg.objectId);
  const recorded = new Map((await center.db.registrations.versions(regno)).map((v) => [v.version, v.inventoryDigest]));
  const head = reg.headVersion;
  // Copies an audit found damaged are tried last: their other files may well be good.
  const replicas = [...(await center.db.replicas.listFor(regno))].sort(
    (a, b) => Number(a.state === 'damaged') - Number(b.state === 'damaged'),
  );
  const damaged: { path: string; problem: 'missing' | 'digest-mismatch' }[] = [];
  const repaired: { path: string; from: string }[] = [];
  const unrepaired: { path: string; reason: string }[] = [];
  const rewritten: string[] = [];
  const tmp = await mkdtemp(join(center.config.stagingDir, 'repair-'));
  let checked = 0;
  try {
    const check = async (w: Wanted): Promise<void> => {
      checked++;
      const problem = await localProblem(center, joinPath(root, w.path), w.digest);
      if (problem === undefined) return;
      damaged.push({ path: w.path, problem });
      const from = await replaceFromReplica(center, reg.objectId, root, w, replicas, tmp, signal);
      if (typeof from === 'string') repaired.push({ path: w.path, from });
      else unrepaired.push({ path: w.path, reason: from.reason });
    };
    const inventoryAt = (v: number): Wanted => ({
      path: `${versionName(v)}/${INVENTORY}`,
      source: `${versionName(v)}/${INVENTORY}`,
      digest: { algorithm: 'sha256', hex: recorded.get(v)! },
      version: v,
    });
    // The inventories first: they say what the content must be.
    for (let v = 1; v <= head; v++) if (recorded.has(v)) await check(inventoryAt(v));
    await check({ ...inventoryAt(head), path: INVENTORY });
    const headBytes = await center.storage
      .readBytes(joinPath(root, versionName(head), INVENTORY))
      .catch(() => undefined);
    if (headBytes === undefined || digestBuffer(headBytes) !== recorded.get(head)) {
      // No good head inventory (and no replica had one): the content cannot be checked.
      return { regno, checked, damaged, repaired, unrepaired, rewritten };
    }
    const inventory = JSON.parse(headBytes.toString('utf8')) as Inventory;
    const alg = inventory.digestAlgorithm as DigestAlgorithm;
    for (const [digest, paths] of Object.entries(inventory.manifest)) {
      for (const p of paths) {
        signal.throwIfAborted();
        const version = Number(/^v([0-9]+)\//.exec(p)?.[1] ?? head);
        await check({ path: p, source: p, digest: { algorithm: alg, hex: digest }, version });
      }
    }
    // Derived files: rewritten from the inventories when they differ.
    const derived: [string, string][] = [[OBJECT_NAMASTE, OBJECT_NAMASTE_CONTENT]];
    for (let v = 1; v <= head; v++) {
      const bytes = await center.storage.readBytes(joinPath(root, versionName(v), INVENTORY)).catch(() => undefined);
      if (bytes !== undefined && digestBuffer(bytes) === recorded.get(v)) {
        derived.push([`${versionName(v)}/${INVENTORY}.${alg}`, sidecarContent(inventory.digestAlgorithm, bytes)]);
      }
    }
    derived.push([`${INVENTORY}.${alg}`, sidecarContent(inventory.digestAlgorithm, headBytes)]);
    for (const [p, content] of derived) {
      const have = await center.storage.readBytes(joinPath(root, p)).catch(() => undefined);
      if (have?.toString('utf8') === content) continue;
      if (have !== undefined) await quarantine(center, joinPath(root, p));
      await center.storage.writeBytes(joinPath(root, p), content);
      rewritten.push(p);
    }
    return { regno, checked, damaged, repaired, unrepaired, rewritten };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function localProblem(
  center: Center,
  path: string,
  digest: Wanted['digest'],
): Promise<'missing' | 'digest-mismatch' | undefined> {
  let actual: string | undefined;
  try {
    actual = (await digestStream(await center.storage.read(path), [digest.algorithm])).digests[digest.algorithm];
  } catch (e) {
    if (e instanceof NotFoundError) return 'missing';
    return 'digest-mismatch'; // unreadable: as good as wrong
  }
  return actual === digest.hex ? undefined : 'digest-mismatch';
}

/** The first replica whose copy of the file verifies; returns the target id, or why none did. */
async function replaceFromReplica(
  center: Center,
  objectId: string,
  root: string,
  w: Wanted,
  replicas: readonly Replica[],
  tmp: string,
  signal: AbortSignal,
): Promise<string | { reason: string }> {
  const reasons: string[] = [];
  for (const r of replicas) {
    if (r.version < w.version) continue;
    const row = await center.db.replicaTargets.get(r.targetId);
    if (row === undefined || row.removedAt !== null) continue;
    const file = join(tmp, createHash('sha256').update(w.path).digest('hex'));
    const target = await openTarget(center, row);
    try {
      await fetchFile(
        target,
        objectId,
        { path: w.source, digest: w.digest },
        center.evidence.keys.replica,
        file,
        signal,
      );
      await quarantine(center, joinPath(root, w.path));
      await center.storage.put(
        joinPath(root, w.path),
        { file, move: true },
        { expected: { algorithm: w.digest.algorithm, digest: w.digest.hex }, signal },
      );
      return r.targetId;
    } catch (e) {
      if (signal.aborted) throw e;
      reasons.push(`${r.targetId}: ${isYinjiError(e) ? e.code : (e as Error).message}`);
    } finally {
      await target.close();
      await rm(file, { force: true });
    }
  }
  return { reason: reasons.length > 0 ? reasons.join('; ') : 'no replica holds it' };
}

/** Copy a damaged file aside (`<data>/quarantine/<time>/<path>`) before it is replaced; an unreadable one is noted only. */
async function quarantine(center: Center, path: string): Promise<void> {
  const stamp = center.clock.now().toISOString().replace(/[:.]/g, '-');
  const aside = join(center.dataDir, 'quarantine', stamp, ...path.split('/'));
  try {
    const source = await center.storage.read(path);
    await mkdir(dirname(aside), { recursive: true });
    await pipeline(source, createWriteStream(aside));
  } catch (e) {
    if (!(e instanceof NotFoundError)) center.logger.warn({ path, err: e }, 'could not copy a damaged file aside');
  }
}

/** repair: the job behind a failed fixity audit. It fails (and is retried) while damage remains unrepaired. */
export function repairHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const report = await repairLocal(center, regno, signal);
    const ok = report.unrepaired.length === 0;
    if (!ok) center.logger.error({ regno, unrepaired: report.unrepaired }, 'local copy damaged and not repaired');
    if (report.damaged.length > 0 && ok)
      center.logger.warn({ regno, repaired: report.repaired }, 'local copy repaired from replicas');
    const event = {
      regno,
      type: 'repair',
      agent: center.instanceId,
      outcome: ok ? ('success' as const) : ('failure' as const),
      detail: { ...report, jobId: job.id },
    };
    if (!ok) {
      // Record the failed attempt now (the job's own effects roll back with its failure), then retry later.
      await center.db.events.append(event);
      throw new DigestMismatchError({
        zh: `${regno} 有 ${report.unrepaired.length} 个文件无法从副本修复`,
        en: `${regno}: ${report.unrepaired.length} files could not be repaired from replicas`,
      });
    }
    return {
      result: { ...report },
      effects: async (tx) => {
        if (report.damaged.length > 0 || report.rewritten.length > 0) await tx.events.append(event);
      },
    };
  };
}
