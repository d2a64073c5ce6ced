import type { Database, Job, JobState } from '../db/index.js';
import { JobRunner, checkVersionFixity, type JobHandler } from '../replication/index.js';
import type { Center } from './center.js';
import { CATALOG_JOB, catalogHandler } from './catalog-deposit.js';
import { FULL_TEXT_JOB, fullTextHandler } from './full-text.js';
import { LOG_REPLICA_JOB, logReplicaHandler } from './log-replication.js';
import { RECHECK_JOB, recheckHandler } from './recheck.js';
import { REPAIR_JOB, enqueueRepair, repairHandler } from './repair.js';
import { REPLICA_AUDIT_JOB, REPLICA_REPAIR_JOB, replicaAuditHandler, replicaRepairHandler } from './replica-audit.js';
import { REPLICATE_JOB, replicateHandler } from './replication.js';

/** The kinds of background job a center runs (the replication ones are in replication.ts, replica-audit.ts, repair.ts). */
export const FIXITY_JOB = 'fixity';

/** Queue the post-ingest fixity check of a newly stored version (in the registration's transaction). */
export async function enqueueFixity(
  tx: Pick<Database, 'jobs'>,
  target: { regno: string; objectId: string; version: number },
): Promise<void> {
  await tx.jobs.enqueue({ kind: FIXITY_JOB, key: `${FIXITY_JOB}:${target.regno}:v${target.version}`, payload: target });
}

/**
 * fixity: read a registered version back from the preservation store and
 * compare every byte with its digests (and its inventory with the one the
 * evidence binds). Recorded as a `fixity-check` event — PREMIS's event type
 * for it — with outcome success or failure; a failure is also logged as an
 * error for the operators. Runs right after registration (a post-ingest
 * check), so a store that lost or mangled a write is caught
 * while the depositor still has the originals, and again every
 * `auditIntervalDays` as a periodic audit (audit-schedule.ts).
 */
function fixityHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const version = Number(job.payload.version);
    const registration = await center.db.registrations.getByRegno(regno);
    const registered = (await center.db.registrations.versions(regno)).find((v) => v.version === version);
    if (registration === undefined || registered === undefined) {
      throw new Error(`registration ${regno} v${version} not found`);
    }
    const report = await checkVersionFixity(center.store, registration.objectId, version, {
      inventoryDigest: registered.inventoryDigest,
      bytesPerSecond: center.config.fixityBytesPerSecond,
      signal,
    });
    const ok = report.problems.length === 0;
    const summary = {
      version,
      files: report.files,
      bytes: report.bytes,
      problems: report.problems.slice(0, 50),
      problemCount: report.problems.length,
    };
    if (!ok) {
      const paths = report.problems.slice(0, 50).map((p) => p.path);
      center.logger.error({ regno, ...summary, paths }, 'fixity check failed: stored copy differs from its digests');
    }
    return {
      result: { ok, ...summary },
      effects: async (tx) => {
        await tx.events.append({
          regno,
          type: 'fixity-check',
          // The center's clock, which the audit schedule (audit-schedule.ts) compares with.
          at: center.clock.now().toISOString(),
          agent: center.instanceId,
          outcome: ok ? 'success' : 'failure',
          detail: { ...summary, jobId: job.id },
        });
        // A damaged local copy is repaired from a replica that passes (repair.ts), if there is one.
        if (!ok && (await tx.replicas.listFor(regno)).length > 0) await enqueueRepair(tx, regno, center.clock.now());
      },
    };
  };
}

export function createJobRunner(center: Center, options: { workers?: number; pollMs?: number } = {}): JobRunner {
  return new JobRunner({
    db: center.db,
    owner: center.instanceId,
    handlers: {
      [FIXITY_JOB]: fixityHandler(center),
      [RECHECK_JOB]: recheckHandler(center),
      [REPLICATE_JOB]: replicateHandler(center),
      [REPLICA_AUDIT_JOB]: replicaAuditHandler(center),
      [REPLICA_REPAIR_JOB]: replicaRepairHandler(center),
      [REPAIR_JOB]: repairHandler(center),
      [LOG_REPLICA_JOB]: logReplicaHandler(center),
      [CATALOG_JOB]: catalogHandler(center),
      [FULL_TEXT_JOB]: fullTextHandler(center),
    },
    leaseMs: center.leaseMs,
    workers: options.workers ?? center.config.jobWorkers,
    pollMs: options.pollMs ?? 1000,
    retryMs: center.config.jobRetrySeconds * 1000,
    logger: center.logger,
  });
}

export interface JobsOverview {
  readonly counts: Readonly<Record<JobState, number>>;
  /** Newest first. */
  readonly jobs: readonly Job[];
}

/** What `yinji jobs` and GET /api/v1/jobs show: how many jobs are in each state, and the latest ones. */
export async function jobsOverview(
  center: Center,
  options: { state?: JobState; kind?: string; limit?: number } = {},
): Promise<JobsOverview> {
  return { counts: await center.db.jobs.counts(), jobs: await center.db.jobs.list(options) };
}

/**
 * Run due jobs in this process until none is left (`yinji jobs run`): for an
 * embedded center with no server running, or to drain a queue by hand.
 */
export async function runDueJobs(center: Center, onJob?: (done: number) => void): Promise<number> {
  const runner = createJobRunner(center, { workers: 1 });
  let done = 0;
  while (await runner.runOne()) {
    done++;
    onJob?.(done);
  }
  return done;
}
