/**
 * Replication (issue 7 item 3): every registration is copied to the targets
 * its unit's policy names, asynchronously, one job per registration version
 * and target. A job copies what the target lacks (a partner keeps a cut
 * transfer's bytes, so it continues mid-file), commits each file against
 * the sender's size and SHA-256, writes the root inventory last, and then
 * records the copy. A target that is down fails the job, which the queue
 * retries with backoff (jobRetrySeconds, doubled up to 1024×) — so a
 * partner that was offline catches up when it is back; the hourly sweep
 * queues whatever is still behind (a new target, a changed policy).
 */
import { BusyError, forEachLimited } from '../core/index.js';
import type { Database, Replica, ReplicaTarget as TargetRow, Repositories } from '../db/index.js';
import { sendFile, storedSize, type JobHandler, type JobOutcome } from '../replication/index.js';
import type { Center } from './center.js';
import { enqueueLogReplication } from './log-replication.js';
import { holdLease } from './object-lease.js';
import { isMutable, objectFiles } from './object-files.js';
import { cipherFor, openTarget } from './peers.js';
import { getRegistration } from './queries.js';
import { allPolicyTargets, readPolicy, targetsFor } from './replication-policy.js';

export const REPLICATE_JOB = 'replicate';
/** Replication waits out a partner's outage, however long: retried with capped backoff, not given up. */
const REPLICATE_ATTEMPTS = 100_000;

/** Queue copies of a new version to its unit's targets (in the registration's transaction). */
export async function enqueueReplication(
  tx: Pick<Database, 'jobs' | 'settings' | 'replicaTargets'>,
  target: { regno: string; version: number; unitCode: string },
): Promise<void> {
  const policy = await readPolicy(tx);
  for (const targetId of targetsFor(policy, target.unitCode)) {
    await queueCopy(tx, { regno: target.regno, version: target.version, targetId });
  }
}

/**
 * Queue one copy. The key names the version and the target as added: a
 * target removed and added again gets its copies anew (a job once done is
 * never run again under its key).
 */
async function queueCopy(
  tx: Pick<Database, 'jobs' | 'replicaTargets'>,
  c: { regno: string; version: number; targetId: string },
): Promise<void> {
  const target = await tx.replicaTargets.get(c.targetId);
  if (target === undefined || target.removedAt !== null) return;
  await tx.jobs.enqueue({
    kind: REPLICATE_JOB,
    key: `${REPLICATE_JOB}:${c.regno}:v${c.version}:${c.targetId}:${target.addedAt}`,
    payload: c,
    maxAttempts: REPLICATE_ATTEMPTS,
  });
}
/**
 * Queue a copy of every registration that is behind at a target its policy
 * names: after a target or a policy was added, and hourly as a safety net.
 * Returns how many were queued.
 */
export async function enqueueDueReplication(center: Center): Promise<number> {
  const policy = await readPolicy(center.db);
  const codes = new Map<number, string>();
  const codeOf = async (unitId: number): Promise<string> => {
    if (!codes.has(unitId)) codes.set(unitId, (await center.db.units.getById(unitId))?.code ?? '');
    return codes.get(unitId)!;
  };
  let queued = 0;
  const size = await center.db.ledger.size();
  for (const peer of await center.db.replicaTargets.list({ kind: 'peer' })) {
    await enqueueLogReplication(center.db, peer.id, size);
  }
  for (const targetId of allPolicyTargets(policy)) {
    let after: string | undefined;
    for (;;) {
      const page = await center.db.replicas.behind(targetId, { limit: 1000, ...(after ? { afterRegno: after } : {}) });
      for (const r of page) {
        if (!targetsFor(policy, await codeOf(r.unitId)).includes(targetId)) continue;
        await queueCopy(center.db, { regno: r.regno, version: r.version, targetId });
        queued++;
      }
      if (page.length < 1000) break;
      after = page[page.length - 1]!.regno;
    }
  }
  return queued;
}

export function replicateHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const targetId = String(job.payload.targetId);
    const row = await center.db.replicaTargets.get(targetId);
    if (row === undefined || row.removedAt !== null) return { result: { skipped: 'target removed', targetId } };
    // One copy job per registration and target at a time: an older one finishing last would put an older
    // root inventory back. The other waits its turn (the queue retries it).
    const lease = await center.db.leases.acquire(`replica:${regno}:${targetId}`, center.instanceId, center.leaseMs);
    if (lease === undefined) {
      throw new BusyError({ zh: `${regno} 正在复制到 ${targetId}`, en: `${regno} is being copied to ${targetId}` });
    }
    const held = holdLease(center, lease, regno);
    try {
      return await copyTo(center, job.id, regno, row, AbortSignal.any([signal, held.signal]));
    } finally {
      await held.release();
    }
  };
}

async function copyTo(
  center: Center,
  jobId: number,
  regno: string,
  row: TargetRow,
  signal: AbortSignal,
): Promise<JobOutcome> {
  const targetId = row.id;
  const reg = await getRegistration(center, regno);
  const cipher = cipherFor(center, row);
  // Copies written another way (the target's encryption was changed) are all written again.
  const previous = await center.db.replicas.get(regno, targetId);
  const rewrite = previous !== undefined && previous.encryption !== cipher.encryption;
  const files = await objectFiles(center, reg, signal);
  const target = await openTarget(center, row);
  let sent = 0;
  let skipped = 0;
  let storedBytes = 0;
  try {
    const all = [...files.content, ...files.rest];
    const status = await target.status(
      reg.objectId,
      all.map((f) => f.path),
      signal,
    );
    const copy = async (f: (typeof all)[number]): Promise<void> => {
      const st = status.get(f.path);
      const size = storedSize(f, cipher);
      // Content never changes under a path (OCFL): a complete file of the right size is this file.
      if (!rewrite && !isMutable(f.path) && st?.stored?.size === size) {
        skipped++;
        storedBytes += size;
        return;
      }
      const r = await sendFile(target, reg.objectId, f, cipher, st, signal);
      sent += r.sent;
      storedBytes += r.storedBytes;
    };
    await forEachLimited(files.content, 4, copy);
    for (const f of files.rest) await copy(f);
  } finally {
    await target.close();
  }
  const summary = {
    targetId,
    version: reg.headVersion,
    files: files.content.length + files.rest.length,
    sent,
    skipped,
  };
  return {
    result: summary,
    effects: async (tx: Repositories) => {
      await tx.replicas.recordCopy({
        regno,
        targetId,
        version: reg.headVersion,
        encryption: cipher.encryption,
        files: summary.files,
        bytes: storedBytes,
      });
      await tx.events.append({
        regno,
        // PREMIS event type "replication".
        type: 'replication',
        agent: center.instanceId,
        outcome: 'success',
        detail: { ...summary, encryption: cipher.encryption, jobId },
      });
      // The log goes along, so a partner holds what rebuilding this center needs (log-replication.ts).
      if (row.kind === 'peer') await enqueueLogReplication(tx, targetId, await tx.ledger.size());
    },
  };
}

export interface ReplicaView extends Partial<Replica> {
  readonly targetId: string;
  readonly kind: string | undefined;
  /** copied: complete as of the head; behind: an older version; pending: none yet; damaged: an audit found a difference. */
  readonly status: 'copied' | 'behind' | 'pending' | 'damaged' | 'not-in-policy';
  /** The latest replication job for the head version, if any. */
  readonly job?: {
    readonly state: string;
    readonly attempts: number;
    readonly lastError: string | null;
    readonly runAfter: string;
  };
}

/** `yinji replicas <regno>` and GET /api/v1/registrations/:regno/replicas: each copy and its state. */
export async function replicasOf(
  center: Center,
  regno: string,
): Promise<{ regno: string; headVersion: number; replicas: ReplicaView[] }> {
  const reg = await getRegistration(center, regno);
  const unit = await center.db.units.getById(reg.unitId);
  const wanted = new Set(targetsFor(await readPolicy(center.db), unit?.code ?? ''));
  const held = new Map((await center.db.replicas.listFor(regno)).map((r) => [r.targetId, r]));
  const out: ReplicaView[] = [];
  for (const targetId of [...new Set([...wanted, ...held.keys()])].sort()) {
    const r = held.get(targetId);
    const t = await center.db.replicaTargets.get(targetId);
    const j =
      t === undefined
        ? undefined
        : await center.db.jobs.getByKey(`${REPLICATE_JOB}:${regno}:v${reg.headVersion}:${targetId}:${t.addedAt}`);
    const status: ReplicaView['status'] =
      r === undefined
        ? wanted.has(targetId)
          ? 'pending'
          : 'not-in-policy'
        : r.state === 'damaged'
          ? 'damaged'
          : r.version < reg.headVersion
            ? 'behind'
            : 'copied';
    out.push({
      ...r,
      targetId,
      kind: t?.kind,
      status,
      ...(j !== undefined
        ? { job: { state: j.state, attempts: j.attempts, lastError: j.lastError, runAfter: j.runAfter } }
        : {}),
    });
  }
  return { regno, headVersion: reg.headVersion, replicas: out };
}

export interface TargetOverview {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly location: string;
  readonly encryption: string;
  readonly copies: number;
  readonly damaged: number;
  readonly bytes: number;
}

/** Per target: how many registrations it holds, how many of them an audit found damaged, and the bytes (dashboard data). */
export async function replicationOverview(center: Center): Promise<{ targets: TargetOverview[] }> {
  const summary = new Map((await center.db.replicas.summary()).map((s) => [s.targetId, s]));
  const targets = (await center.db.replicaTargets.list()).map((t) => ({
    id: t.id,
    kind: t.kind,
    name: t.name,
    location: t.location,
    encryption: t.encryption,
    copies: summary.get(t.id)?.copies ?? 0,
    damaged: summary.get(t.id)?.damaged ?? 0,
    bytes: summary.get(t.id)?.bytes ?? 0,
  }));
  return { targets };
}
