/**
 * Audits of the copies at replica targets (issue 7 item 4b), LOCKSS-style:
 * a fresh random nonce goes to the target, which answers SHA-256(nonce ‖
 * bytes) for every file of the copy; this center computes the same from its
 * own copy (re-encrypted the deterministic way, checked against the
 * registered digests on the way) and compares. The target proves it holds
 * the bytes without sending them, and cannot answer from a cache of digests.
 *
 * A copy that fails is marked damaged, recorded as a `replica-audit` event
 * with what differed, and a `replica-repair` job re-sends exactly those files
 * from the local copy and challenges them again. If the local copy is the
 * one that is wrong, it is the local copy that gets repaired (repair.ts).
 */
import { randomBytes } from 'node:crypto';
import { BusyError, DigestMismatchError, forEachLimited } from '../core/index.js';
import type { Repositories } from '../db/index.js';
import { expectedAnswer, sendFile, type JobHandler, type ObjectFile } from '../replication/index.js';
import type { Center } from './center.js';
import { objectFiles } from './object-files.js';
import { cipherFor, openTarget, requireTarget } from './peers.js';
import { getRegistration } from './queries.js';
import { enqueueRepair } from './repair.js';

export const REPLICA_AUDIT_JOB = 'replica-audit';
export const REPLICA_REPAIR_JOB = 'replica-repair';

export interface ReplicaFinding {
  readonly path: string;
  readonly problem: 'missing' | 'mismatch';
}

export interface ReplicaAuditResult {
  readonly regno: string;
  readonly targetId: string;
  readonly version: number;
  readonly files: number;
  readonly findings: readonly ReplicaFinding[];
  /** Files whose local copy does not match its registered digest (a local repair is queued). */
  readonly localDamage: readonly string[];
}

function queueReplicaAudit(
  tx: Pick<Repositories, 'jobs'>,
  regno: string,
  targetId: string,
  round: string,
): Promise<unknown> {
  return tx.jobs.enqueue({
    kind: REPLICA_AUDIT_JOB,
    key: `${REPLICA_AUDIT_JOB}:${regno}:${targetId}:${round}`,
    payload: { regno, targetId },
    maxAttempts: 20,
  });
}

/** Challenge the copy of `regno` at `targetId` (only the version the copy was made of). */
export async function auditReplica(
  center: Center,
  regno: string,
  targetId: string,
  signal?: AbortSignal,
  only?: ReadonlySet<string>,
): Promise<ReplicaAuditResult> {
  const reg = await getRegistration(center, regno);
  const row = await requireTarget(center, targetId);
  const copy = await center.db.replicas.get(regno, targetId);
  if (copy === undefined || copy.version < reg.headVersion) {
    // The head's files would be missing there for a good reason: the copy is not made yet.
    throw new BusyError({
      zh: `${targetId} 上 ${regno} 的副本尚未复制到第 ${reg.headVersion} 版，稍后再巡检`,
      en: `the copy of ${regno} at ${targetId} is not yet at version ${reg.headVersion}; audit it later`,
    });
  }
  // As the copy was written (a target's setting may have changed since).
  const cipher = cipherFor(center, row, copy.encryption);
  const files = await objectFiles(center, reg, signal);
  const all = [...files.content, ...files.rest].filter((f) => only === undefined || only.has(f.path));
  const nonce = randomBytes(32);
  const target = await openTarget(center, row);
  const findings: ReplicaFinding[] = [];
  const localDamage: string[] = [];
  try {
    const answers = await target.challenge(
      reg.objectId,
      nonce,
      all.map((f) => f.path),
      signal,
    );
    await forEachLimited(all, 2, async (f: ObjectFile) => {
      signal?.throwIfAborted();
      let expected: string;
      try {
        expected = await expectedAnswer(reg.objectId, f, cipher, nonce);
      } catch (e) {
        if (e instanceof DigestMismatchError && (e.details as { local?: boolean }).local === true) {
          localDamage.push(f.path);
          return;
        }
        throw e;
      }
      const answer = answers.get(f.path);
      if (answer === undefined) findings.push({ path: f.path, problem: 'missing' });
      else if (answer !== expected) findings.push({ path: f.path, problem: 'mismatch' });
    });
  } finally {
    await target.close();
  }
  findings.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { regno, targetId, version: reg.headVersion, files: all.length, findings, localDamage };
}

/** replica-audit: challenge one copy; record the outcome, and queue its repair (or the local one's) when needed. */
export function replicaAuditHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const targetId = String(job.payload.targetId);
    const copy = await center.db.replicas.get(regno, targetId);
    const reg = await getRegistration(center, regno);
    if (copy === undefined || copy.version < reg.headVersion) {
      return { result: { skipped: 'the copy is not at the head version yet', regno, targetId } };
    }
    const r = await auditReplica(center, regno, targetId, signal);
    const ok = r.findings.length === 0;
    if (!ok)
      center.logger.error(
        { regno, targetId, findings: r.findings.slice(0, 20) },
        'replica audit failed: the copy differs',
      );
    const now = center.clock.now();
    const detail = {
      targetId,
      version: r.version,
      files: r.files,
      findings: r.findings.slice(0, 100),
      findingCount: r.findings.length,
      localDamage: r.localDamage.slice(0, 100),
    };
    return {
      result: { ok, ...detail },
      effects: async (tx) => {
        await tx.replicas.recordAudit(regno, targetId, {
          at: now.toISOString(),
          outcome: ok ? 'success' : 'failure',
          detail,
        });
        await tx.events.append({
          regno,
          type: 'replica-audit',
          agent: center.instanceId,
          outcome: ok ? 'success' : 'failure',
          detail: { ...detail, jobId: job.id },
        });
        if (!ok) {
          await tx.jobs.enqueue({
            kind: REPLICA_REPAIR_JOB,
            key: `${REPLICA_REPAIR_JOB}:${regno}:${targetId}:${now.toISOString()}`,
            payload: { regno, targetId, paths: r.findings.map((f) => f.path) },
            maxAttempts: 100_000,
          });
        }
        if (r.localDamage.length > 0) await enqueueRepair(tx, regno, now);
      },
    };
  };
}

/**
 * Re-send the files of a copy an audit found missing or different, from the
 * local copy (checked against the registered digests as it is read), then
 * challenge them again. The target keeps the replaced bytes aside.
 */
export async function repairReplica(
  center: Center,
  regno: string,
  targetId: string,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<ReplicaAuditResult> {
  const reg = await getRegistration(center, regno);
  const row = await requireTarget(center, targetId);
  const cipher = cipherFor(center, row, (await center.db.replicas.get(regno, targetId))?.encryption);
  const files = await objectFiles(center, reg, signal);
  const wanted = new Set(paths);
  const target = await openTarget(center, row);
  try {
    const chosen = [...files.content, ...files.rest].filter((f) => wanted.has(f.path));
    const status = await target.status(
      reg.objectId,
      chosen.map((f) => f.path),
      signal,
    );
    for (const f of chosen) await sendFile(target, reg.objectId, f, cipher, status.get(f.path), signal);
  } finally {
    await target.close();
  }
  return auditReplica(center, regno, targetId, signal, wanted);
}

export function replicaRepairHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const targetId = String(job.payload.targetId);
    const paths = (job.payload.paths as string[] | undefined) ?? [];
    const r = await repairReplica(center, regno, targetId, paths, signal);
    if (r.findings.length > 0 || r.localDamage.length > 0) {
      throw new DigestMismatchError({
        zh: `${targetId} 上 ${regno} 的副本修复后仍有 ${r.findings.length} 个文件不符`,
        en: `the copy of ${regno} at ${targetId} still differs in ${r.findings.length} files after repair`,
      });
    }
    const now = center.clock.now().toISOString();
    const detail = { targetId, repaired: paths, version: r.version };
    center.logger.warn({ regno, ...detail }, 'replica repaired from the local copy');
    return {
      result: detail,
      effects: async (tx) => {
        // The repaired files passed a fresh challenge; the rest of the copy passed the audit that found them.
        await tx.replicas.recordAudit(regno, targetId, { at: now, outcome: 'success', detail: { repaired: paths } });
        await tx.events.append({
          regno,
          type: 'repair',
          agent: center.instanceId,
          outcome: 'success',
          detail: { ...detail, jobId: job.id },
        });
      },
    };
  };
}

/**
 * Queue a challenge of the copies not audited within `auditIntervalDays`
 * (hourly, up to 1,000 per target each time), or of every copy of the given
 * registrations now.
 * Returns how many were queued.
 */
export async function enqueueReplicaAudits(
  center: Center,
  options: { regnos?: readonly string[] } = {},
): Promise<number> {
  const now = center.clock.now();
  let queued = 0;
  for (const t of await center.db.replicaTargets.list()) {
    if (options.regnos !== undefined) {
      for (const regno of options.regnos) {
        if ((await center.db.replicas.get(regno, t.id)) === undefined) continue;
        await queueReplicaAudit(center.db, regno, t.id, now.toISOString());
        queued++;
      }
      continue;
    }
    const days = center.config.auditIntervalDays;
    if (days === 0) continue;
    const before = new Date(now.getTime() - days * 86_400_000).toISOString();
    // One round per copy, state and audit period: a copy made anew, an audit done, or a new period each
    // make a new key, so nothing is queued twice and nothing is left out (a round whose job gave up is
    // queued again next period).
    const period = Math.floor(now.getTime() / (days * 86_400_000));
    for (const d of await center.db.replicas.dueForAudit(t.id, before, 1000)) {
      await queueReplicaAudit(center.db, d.regno, t.id, `${d.copiedAt}:${d.auditedAt ?? 'never'}:${period}`);
      queued++;
    }
  }
  return queued;
}
