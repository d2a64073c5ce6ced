import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CHECK_CATALOG, runChecks, type CheckReport, type DeclaredDigest } from '../checks/index.js';
import type { Repositories } from '../db/index.js';
import { stageDeposit } from '../packages/index.js';
import type { JobHandler } from '../replication/index.js';
import type { Center } from './center.js';
import { buildDepositView } from './check-view.js';
import { getRegistration } from './queries.js';
import { PAYLOAD_PREFIX } from './registration-record.js';
import { stagingPath } from './staging.js';

/** The job kind of a preservation-stage re-check (长期保存阶段检测, DA/T 70 BC items). */
export const RECHECK_JOB = 'preservation-check';

/**
 * Queue a re-check of a registered version. `round` makes each request its
 * own job (a re-check a year later is new work, not a duplicate).
 */
export async function enqueueRecheck(
  db: Pick<Repositories, 'jobs'>,
  target: { regno: string; version: number; round: string },
): Promise<void> {
  await db.jobs.enqueue({
    kind: RECHECK_JOB,
    key: `${RECHECK_JOB}:${target.regno}:v${target.version}:${target.round}`,
    payload: { regno: target.regno, version: target.version },
  });
}

/**
 * The deposited files of a stored version, copied out as they are — not
 * verified on the way, unlike a restore: a file that no longer matches its
 * registered digest must reach the checks (item 1-1 reports it), not stop them.
 */
async function copyVersionOut(
  center: Center,
  regno: string,
  version: number,
  out: string,
  signal?: AbortSignal,
): Promise<void> {
  const reg = await getRegistration(center, regno);
  const reader = await center.store.openVersion(reg.objectId, version);
  const root = resolve(out);
  await mkdir(root, { recursive: true });
  for (const logical of reader.state.keys()) {
    if (!logical.startsWith(PAYLOAD_PREFIX)) continue; // the registration record and report are not deposited files
    const target = resolve(root, logical.slice(PAYLOAD_PREFIX.length));
    const rel = relative(root, target);
    if (rel === '' || rel.startsWith('..')) throw new Error(`unsafe path in the inventory of ${regno}: ${logical}`);
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await reader.open(logical, { signal }), createWriteStream(target), { signal });
  }
}

/**
 * The preservation-stage check (BC): the version's files are read back out
 * of the store as they are, and the
 * BC items run over it as over a deposit — formats validated again, the
 * catalog again, viruses scanned with today's signatures — with the digests
 * the registration recorded as the declared ones. The report is kept beside
 * the transfer-stage report; nothing in the store changes.
 */
export async function recheckVersion(
  center: Center,
  regno: string,
  version: number,
  signal?: AbortSignal,
): Promise<CheckReport> {
  const dir = stagingPath(center.config.stagingDir, 'recheck');
  try {
    const out = join(dir, 'version');
    await copyVersionOut(center, regno, version, out, signal);
    const staged = await stageDeposit(out, join(dir, 'staged'), { algorithms: center.config.digests, signal });
    const registered = await center.db.registrations.versionFiles(regno, version);
    const declared = new Map<string, DeclaredDigest[]>(
      registered.map((f) => [f.path, [{ algorithm: 'sha256', value: f.sha256, source: `${regno} v${version}` }]]),
    );
    const now = center.clock.now();
    const view = await buildDepositView({
      source: out,
      staged,
      profile: center.checkProfile,
      clamd: center.config.clamd,
      qpdf: center.config.qpdfCheck,
      now,
      signal,
      declaredDigests: declared,
    });
    return runChecks({ ...view, package: { ...view.package, name: `${regno} v${version}` } }, CHECK_CATALOG, {
      stage: 'BC',
      profile: center.checkProfile,
      now,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function recheckHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const version = Number(job.payload.version);
    const report = await recheckVersion(center, regno, version, signal);
    const failed = report.items.filter((i) => i.outcome === 'fail').map((i) => i.id);
    if (failed.length > 0) center.logger.error({ regno, version, failed }, 'preservation re-check found problems');
    return {
      result: { blocked: report.blocked, failed, summary: report.summary },
      effects: async (tx) => {
        await tx.checkReports.put({
          regno,
          version,
          stage: 'BC',
          blocked: report.blocked,
          failCount: report.summary.fail,
          warnCount: report.summary.warn,
          report: report as unknown as Record<string, unknown>,
        });
        await tx.events.append({
          regno,
          type: RECHECK_JOB,
          agent: center.instanceId,
          outcome: report.blocked ? 'failure' : report.summary.warn > 0 ? 'warning' : 'success',
          detail: { version, failed, summary: report.summary, jobId: job.id },
        });
      },
    };
  };
}

/**
 * The schedule hook (issue 7's audits build on it): with `recheckIntervalDays`
 * set, every registration's head version gets one re-check per period. The
 * period is part of the job key, so calling this again within a period
 * queues nothing new.
 */
export async function enqueueDueRechecks(center: Center, now: Date = center.clock.now()): Promise<number> {
  const days = center.config.recheckIntervalDays;
  if (days <= 0) return 0;
  const period = Math.floor(now.getTime() / (days * 86_400_000));
  let queued = 0;
  for (let offset = 0; ; offset += 500) {
    const page = await center.db.registrations.list({ limit: 500, offset });
    for (const r of page.items) {
      await enqueueRecheck(center.db, { regno: r.regno, version: r.headVersion, round: `every-${days}d-${period}` });
      queued++;
    }
    if (page.items.length < 500) return queued;
  }
}
