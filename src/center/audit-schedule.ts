import type { Center } from './center.js';
import { FIXITY_JOB } from './jobs.js';

/** The PREMIS event type a fixity job records (jobs.ts); the audits look for its successes. */
export const FIXITY_EVENT = 'fixity-check';

const DAY_MS = 86_400_000;
const BATCH = 1000;

/**
 * The periodic fixity audit of the whole store (巡检, issue 7): every
 * registration whose last successful fixity check is older than
 * `auditIntervalDays` gets a fixity job for its head version.
 *
 * The head version, not every version: the check reads every file of the
 * version's state, and in OCFL (1.1 §3.5.3) the head's state points at content
 * stored under whichever earlier version first held it, so one head audit
 * reads all content still in use, once. What it does not read is content only
 * earlier versions hold (files later removed or replaced), nor their
 * inventories; auditing every version would re-read the shared content once
 * per version.
 *
 * A registration whose head version is younger than the interval is not due:
 * its post-ingest fixity check is its audit for the first period.
 *
 * The job is the ordinary fixity job, with the period index in its key: the
 * jobs table keeps one job per key, so calling this again within a period,
 * from any instance or after a restart, queues nothing new, and a queued job
 * survives a restart as a row. Reads are paced by `fixityBytesPerSecond`.
 * Returns how many registrations were due (each has a job now).
 */
export async function enqueueDueAudits(center: Center, now: Date = center.clock.now()): Promise<number> {
  const days = center.config.auditIntervalDays;
  if (days <= 0) return 0;
  const period = Math.floor(now.getTime() / (days * DAY_MS));
  const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
  let due = 0;
  for (let afterId = 0; ;) {
    const page = await center.db.events.dueRegistrations({
      type: FIXITY_EVENT,
      since: cutoff,
      registeredBefore: cutoff,
      afterId,
      limit: BATCH,
    });
    for (const r of page) {
      await center.db.jobs.enqueue({
        kind: FIXITY_JOB,
        key: `audit:${r.regno}:v${r.headVersion}:${period}`,
        payload: { regno: r.regno, objectId: r.objectId, version: r.headVersion },
      });
      due++;
    }
    if (page.length < BATCH) break;
    afterId = page[page.length - 1]!.id;
  }
  if (due > 0) center.logger.info({ due, intervalDays: days, period }, 'fixity audits queued');
  return due;
}

export interface AuditFinding {
  readonly regno: string;
  readonly version: number | null;
  readonly at: string;
  /** The fixity-check event's detail: files, bytes, problems (path, problem, expected, actual), jobId. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditOverview {
  /** `auditIntervalDays`; 0 = periodic audits off. */
  readonly intervalDays: number;
  readonly registrations: number;
  /** Registrations with a successful fixity check in the last interval; null when audits are off. */
  readonly auditedInPeriod: number | null;
  /** Registrations whose head version is older than the interval with no successful check in it; null when off. */
  readonly overdue: number | null;
  /** The window of lastFindings, days. */
  readonly findingsDays: number;
  /** Failed fixity checks (post-ingest or audit) in the window, newest first, at most 100. */
  readonly lastFindings: readonly AuditFinding[];
  /** Failed challenges of copies at replica targets in the window (detail: targetId, findings), newest first, at most 100. */
  readonly replicaFindings: readonly AuditFinding[];
  /** Repairs in the window, of the local copy or of a replica (detail says which and from where), newest first. */
  readonly repairs: readonly (AuditFinding & { readonly outcome: string })[];
}

/** What `yinji audits` and GET /api/v1/audits show. */
export async function auditOverview(
  center: Center,
  options: { findingsDays?: number; now?: Date } = {},
): Promise<AuditOverview> {
  const now = options.now ?? center.clock.now();
  const intervalDays = center.config.auditIntervalDays;
  const findingsDays = options.findingsDays ?? (intervalDays > 0 ? intervalDays : 30);
  const ago = (days: number): string => new Date(now.getTime() - days * DAY_MS).toISOString();
  const coverage = await center.db.events.coverage({ type: FIXITY_EVENT, since: ago(intervalDays) });
  const failures = await center.db.events.recentOutcomes({
    type: FIXITY_EVENT,
    outcome: 'failure',
    since: ago(findingsDays),
    limit: 100,
  });
  const replicaFailures = await center.db.events.recentOutcomes({
    type: 'replica-audit',
    outcome: 'failure',
    since: ago(findingsDays),
    limit: 100,
  });
  const repairs = [
    ...(await center.db.events.recentOutcomes({
      type: 'repair',
      outcome: 'success',
      since: ago(findingsDays),
      limit: 100,
    })),
    ...(await center.db.events.recentOutcomes({
      type: 'repair',
      outcome: 'failure',
      since: ago(findingsDays),
      limit: 100,
    })),
  ].sort((a, b) => (a.at < b.at ? 1 : -1));
  const finding = (e: (typeof failures)[number]): AuditFinding => ({
    regno: e.regno ?? '',
    version: typeof e.detail.version === 'number' ? e.detail.version : null,
    at: e.at,
    detail: e.detail,
  });
  const on = intervalDays > 0;
  return {
    intervalDays,
    registrations: coverage.registrations,
    auditedInPeriod: on ? coverage.succeeded : null,
    overdue: on ? coverage.due : null,
    findingsDays,
    lastFindings: failures.map(finding),
    replicaFindings: replicaFailures.map(finding),
    repairs: repairs.slice(0, 100).map((e) => ({ ...finding(e), outcome: e.outcome })),
  };
}
