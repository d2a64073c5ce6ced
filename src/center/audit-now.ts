/**
 * `yinji audit`: an audit of every copy, now (issue 7 items 4–5, Must show
 * "a final full audit over every copy passes"). For each registration: the
 * local copy is read back against its digests (a fixity check); each replica
 * is challenged; what fails is repaired from a copy that passes, unless
 * asked not to, and checked again. Everything is recorded as the scheduled
 * audits record it (fixity-check, replica-audit, repair events), so the
 * history does not depend on who started the audit.
 */
import { checkVersionFixity } from '../replication/index.js';
import type { Center } from './center.js';
import { selectRegistrations, type CarrierSelection } from './carrier-plan.js';
import { repairLocal } from './repair.js';
import { auditReplica, repairReplica, type ReplicaFinding } from './replica-audit.js';

export interface CopyAudit {
  /** 'local', or the replica target's id. */
  readonly copy: string;
  readonly ok: boolean;
  readonly findings: readonly { path: string; problem: string }[];
  /** Files replaced (local: from which target; replica: re-sent from the local copy). */
  readonly repaired: readonly string[];
  /** Whether the copy passes now (after any repair). */
  readonly passes: boolean;
  readonly error?: string;
}

export interface RegistrationAudit {
  readonly regno: string;
  readonly copies: readonly CopyAudit[];
}

export interface AuditRun {
  readonly registrations: readonly RegistrationAudit[];
  /** Copies audited, copies with findings, and copies still failing after repair. */
  readonly copies: number;
  readonly withFindings: number;
  readonly failing: number;
}

export async function auditNow(
  center: Center,
  selection: CarrierSelection,
  options: {
    repair?: boolean;
    onProgress?: (p: { done: number; total: number; bytes: number; totalBytes: number }) => void;
  } = {},
): Promise<AuditRun> {
  const repair = options.repair ?? true;
  const regs = await selectRegistrations(center, selection);
  const out: RegistrationAudit[] = [];
  const totalBytes = regs.reduce((n, r) => n + r.byteCount, 0);
  let bytes = 0;
  for (const [i, reg] of regs.entries()) {
    const copies: CopyAudit[] = [await auditLocal(center, reg.regno, reg.objectId, reg.headVersion, repair)];
    for (const replica of await center.db.replicas.listFor(reg.regno)) {
      const t = await center.db.replicaTargets.get(replica.targetId);
      if (t === undefined || t.removedAt !== null) continue;
      copies.push(await auditCopy(center, reg.regno, replica.targetId, repair));
    }
    out.push({ regno: reg.regno, copies });
    bytes += reg.byteCount;
    options.onProgress?.({ done: i + 1, total: regs.length, bytes, totalBytes });
  }
  const all = out.flatMap((r) => r.copies);
  return {
    registrations: out,
    copies: all.length,
    withFindings: all.filter((c) => !c.ok).length,
    failing: all.filter((c) => !c.passes).length,
  };
}

async function auditLocal(
  center: Center,
  regno: string,
  objectId: string,
  version: number,
  repair: boolean,
): Promise<CopyAudit> {
  const registered = (await center.db.registrations.versions(regno)).find((v) => v.version === version);
  const report = await checkVersionFixity(center.store, objectId, version, {
    ...(registered !== undefined ? { inventoryDigest: registered.inventoryDigest } : {}),
  });
  const ok = report.problems.length === 0;
  await center.db.events.append({
    regno,
    type: 'fixity-check',
    at: center.clock.now().toISOString(),
    agent: center.instanceId,
    outcome: ok ? 'success' : 'failure',
    detail: {
      version,
      files: report.files,
      bytes: report.bytes,
      problems: report.problems.slice(0, 50),
      problemCount: report.problems.length,
      by: 'yinji audit',
    },
  });
  const findings = report.problems.map((p) => ({ path: p.path, problem: p.problem }));
  if (ok || !repair) return { copy: 'local', ok, findings, repaired: [], passes: ok };
  const fixed = await repairLocal(center, regno);
  const passes = fixed.unrepaired.length === 0;
  await center.db.events.append({
    regno,
    type: 'repair',
    agent: center.instanceId,
    outcome: passes ? 'success' : 'failure',
    detail: { ...fixed, by: 'yinji audit' },
  });
  return {
    copy: 'local',
    ok,
    findings,
    repaired: fixed.repaired.map((r) => `${r.path} ← ${r.from}`),
    passes,
    ...(passes ? {} : { error: fixed.unrepaired.map((u) => `${u.path}: ${u.reason}`).join('; ') }),
  };
}

async function auditCopy(center: Center, regno: string, targetId: string, repair: boolean): Promise<CopyAudit> {
  let findings: readonly ReplicaFinding[];
  try {
    const r = await auditReplica(center, regno, targetId);
    findings = r.findings;
    await recordReplicaAudit(center, regno, targetId, r.findings, r.version);
  } catch (e) {
    // A target that cannot be reached has not shown it holds the copy.
    return { copy: targetId, ok: false, findings: [], repaired: [], passes: false, error: (e as Error).message };
  }
  if (findings.length === 0 || !repair)
    return { copy: targetId, ok: findings.length === 0, findings, repaired: [], passes: findings.length === 0 };
  const paths = findings.map((f) => f.path);
  try {
    const again = await repairReplica(center, regno, targetId, paths);
    const passes = again.findings.length === 0;
    if (passes) await recordReplicaAudit(center, regno, targetId, [], again.version);
    await center.db.events.append({
      regno,
      type: 'repair',
      agent: center.instanceId,
      outcome: passes ? 'success' : 'failure',
      detail: { targetId, repaired: paths, by: 'yinji audit' },
    });
    return { copy: targetId, ok: false, findings, repaired: paths, passes };
  } catch (e) {
    return { copy: targetId, ok: false, findings, repaired: [], passes: false, error: (e as Error).message };
  }
}

async function recordReplicaAudit(
  center: Center,
  regno: string,
  targetId: string,
  findings: readonly ReplicaFinding[],
  version: number,
): Promise<void> {
  const ok = findings.length === 0;
  const detail = {
    targetId,
    version,
    findings: findings.slice(0, 100),
    findingCount: findings.length,
    by: 'yinji audit',
  };
  await center.db.transaction(async (tx) => {
    await tx.replicas.recordAudit(regno, targetId, { outcome: ok ? 'success' : 'failure', detail });
    await tx.events.append({
      regno,
      type: 'replica-audit',
      agent: center.instanceId,
      outcome: ok ? 'success' : 'failure',
      detail,
    });
  });
}
