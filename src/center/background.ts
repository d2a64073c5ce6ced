import { anchorAuditLogNow } from './audit-log.js';
import { enqueueDueAudits } from './audit-schedule.js';
import { pushCatalog } from './catalog-share.js';
import { createJobRunner } from './jobs.js';
import { enqueueDueRechecks } from './recheck.js';
import { enqueueReplicaAudits } from './replica-audit.js';
import { enqueueDueReplication } from './replication.js';
import { requestCosignatures } from './witness.js';
import { recoverInterruptedApprovals } from './submission-recovery.js';
import type { Center } from './center.js';

export interface BackgroundWork {
  stop(): Promise<void>;
}

/**
 * What a running server does besides answering requests: run background jobs
 * (when `jobWorkers` > 0) and, every `recoverySweepSeconds`, settle deposits
 * that another instance left half-done when it died — so with several
 * instances, nothing waits for the dead one to come back. Every
 * `auditAnchorMinutes` it anchors the security audit log's head; hourly it
 * queues due re-checks, fixity audits, challenges of replicas and copies
 * still to make; every `witnessIntervalMinutes` it asks partners to cosign
 * the log's checkpoint.
 */
export function startBackgroundWork(center: Center): BackgroundWork {
  const runner = center.config.jobWorkers > 0 ? createJobRunner(center) : undefined;
  runner?.start();
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = setInterval(() => {
    sweeping = (async () => {
      await center.recoverInterrupted();
      await recoverInterruptedApprovals(center);
    })().catch((e: unknown) => {
      center.logger.error({ err: e }, 'recovery sweep failed; will retry');
    });
  }, center.config.recoverySweepSeconds * 1000);
  sweep.unref();
  // Anchor the security audit log's head, so rewriting it is caught (auth/audit-log.ts).
  let anchoring: Promise<unknown> = Promise.resolve();
  const anchor = setInterval(() => {
    anchoring = anchorAuditLogNow(center).catch((e: unknown) => {
      center.logger.error({ err: e }, 'could not anchor the security audit log; will retry');
    });
  }, center.config.auditAnchorMinutes * 60_000);
  anchor.unref();
  // The preservation re-check schedule (off unless recheckIntervalDays is set) and the periodic fixity
  // audits (auditIntervalDays): looked at hourly and at start.
  const schedule = (): void => {
    enqueueDueRechecks(center).catch((e: unknown) => center.logger.error({ err: e }, 'could not queue re-checks'));
    enqueueDueAudits(center).catch((e: unknown) => center.logger.error({ err: e }, 'could not queue fixity audits'));
    enqueueReplicaAudits(center).catch((e: unknown) =>
      center.logger.error({ err: e }, 'could not queue replica audits'),
    );
    enqueueDueReplication(center).catch((e: unknown) => center.logger.error({ err: e }, 'could not queue replication'));
  };
  schedule();
  const hourly = setInterval(schedule, 3_600_000);
  hourly.unref();
  // Partners cosign the log's checkpoints (witness.ts): a partner that is down is asked again next time.
  let witnessing: Promise<unknown> = Promise.resolve();
  const witness =
    center.config.witnessIntervalMinutes > 0
      ? setInterval(() => {
          witnessing = requestCosignatures(center).catch((e: unknown) => {
            center.logger.error({ err: e }, 'could not ask partners to cosign the checkpoint');
          });
        }, center.config.witnessIntervalMinutes * 60_000)
      : undefined;
  witness?.unref();
  // The catalog goes to the upper-level catalog center, if one is set (catalog-share.ts); one that is down
  // gets the changes next time, from where the last push that it took ended.
  let pushing: Promise<unknown> = Promise.resolve();
  let pushInFlight = false;
  const stopping = new AbortController();
  const push =
    center.config.catalogPushMinutes > 0
      ? setInterval(() => {
          if (pushInFlight) return; // a long first push is still sending: never two from one cursor
          pushInFlight = true;
          pushing = pushCatalog(center, { signal: stopping.signal })
            .catch((e: unknown) => {
              if (!stopping.signal.aborted) {
                center.logger.warn({ err: e }, 'could not push the catalog to the catalog center; will retry');
              }
            })
            .finally(() => (pushInFlight = false));
        }, center.config.catalogPushMinutes * 60_000)
      : undefined;
  push?.unref();
  return {
    stop: async () => {
      clearInterval(sweep);
      clearInterval(hourly);
      clearInterval(anchor);
      clearInterval(witness);
      clearInterval(push);
      stopping.abort();
      await Promise.all([runner?.stop(), sweeping, anchoring, witnessing, pushing]);
    },
  };
}
