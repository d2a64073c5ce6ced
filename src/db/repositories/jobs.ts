import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../core/index.js';
import type { ClaimedJob, Job, JobState, NewJob } from '../records.js';
import type { Selectable } from 'kysely';
import type { JobsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { clampLimit, parseDetail, timestamp, type RepoContext } from './context.js';

export interface ClaimOptions {
  /** The claiming instance (`host:pid:random`). */
  readonly owner: string;
  readonly leaseMs: number;
  /** Only these kinds; default any. */
  readonly kinds?: readonly string[];
}

export interface JobListOptions {
  readonly state?: JobState;
  readonly kind?: string;
  readonly limit?: number;
}

/**
 * The job queue shared by all instances (issue 6). A runner claims the oldest
 * runnable job — queued and due, or running under a lease that expired
 * because its runner died — with one UPDATE whose row is chosen by
 * `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent instances
 * claim different jobs and never wait on each other; on SQLite the statement
 * runs under the database's single write lock, which serialises claims.
 *
 * A job is done to completion exactly once: `complete` succeeds only for the
 * current claim's token, and a runner writes the job's effects in the same
 * transaction as `complete` — so a runner that lost its lease (it stalled,
 * the job was taken over) rolls its effects back instead of doubling them.
 */
export interface JobRepository {
  /** Queue a job; if one with the same key exists, nothing changes and that one is returned. */
  enqueue(job: NewJob): Promise<Job>;
  claim(options: ClaimOptions): Promise<ClaimedJob | undefined>;
  /** Extend the claim; false when it is no longer ours. */
  renew(job: Pick<ClaimedJob, 'id' | 'token'>, leaseMs: number): Promise<boolean>;
  /** Mark done with its result; ConflictError (E_CONFLICT) when the claim is no longer ours. */
  complete(job: Pick<ClaimedJob, 'id' | 'token'>, result: Readonly<Record<string, unknown>>): Promise<void>;
  /**
   * Record a failed attempt: back to the queue after `retryInMs`, or `failed`
   * for good when its attempts are used up. A claim no longer ours is left alone.
   */
  fail(job: Pick<ClaimedJob, 'id' | 'token'>, error: string, retryInMs: number): Promise<JobState | undefined>;
  get(id: number): Promise<Job | undefined>;
  getByKey(key: string): Promise<Job | undefined>;
  /** Newest first. */
  list(options?: JobListOptions): Promise<readonly Job[]>;
  /** Number of jobs per state. */
  counts(): Promise<Readonly<Record<JobState, number>>>;
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    key: row.job_key,
    payload: parseDetail(row.payload),
    state: row.state,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAfter: row.run_after,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    lastError: row.last_error,
    result: row.result === null ? null : parseDetail(row.result),
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export function jobRepository(ctx: RepoContext): JobRepository {
  const later = (ms: number): string => new Date(ctx.clock.now().getTime() + ms).toISOString();
  const getBy = async (column: 'id' | 'job_key', value: number | string): Promise<Job | undefined> => {
    const row = await ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where(column, '=', value as never)
      .executeTakeFirst();
    return row && toJob(row);
  };

  return {
    enqueue: (job) =>
      guarded({ zh: `加入任务 ${job.key}`, en: `queue job ${job.key}` }, async () => {
        const now = timestamp(ctx);
        await ctx.db
          .insertInto('jobs')
          .values({
            kind: job.kind,
            job_key: job.key,
            payload: JSON.stringify(job.payload ?? {}),
            state: 'queued',
            attempts: 0,
            max_attempts: job.maxAttempts ?? 5,
            run_after: timestamp(ctx, job.runAfter),
            lease_owner: null,
            lease_token: null,
            lease_expires_at: null,
            last_error: null,
            result: null,
            created_at: now,
            finished_at: null,
          })
          .onConflict((oc) => oc.column('job_key').doNothing())
          .execute();
        const stored = await getBy('job_key', job.key);
        if (stored === undefined) throw new Error(`job ${job.key} vanished after insert`);
        return stored;
      }),

    claim: ({ owner, leaseMs, kinds }) =>
      guarded({ zh: '领取任务', en: 'claim a job' }, async () => {
        const now = timestamp(ctx);
        const token = randomUUID();
        let pick = ctx.db
          .selectFrom('jobs')
          .select('id')
          .where((eb) =>
            eb.or([
              eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', now)]),
              eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<', now)]),
            ]),
          )
          .orderBy('id')
          .limit(1);
        if (kinds !== undefined) pick = pick.where('kind', 'in', kinds.length > 0 ? [...kinds] : ['']);
        if (ctx.dialect === 'postgres') pick = pick.forUpdate().skipLocked();
        const row = await ctx.db
          .updateTable('jobs')
          .set((eb) => ({
            state: 'running',
            attempts: eb('attempts', '+', 1),
            lease_owner: owner,
            lease_token: token,
            lease_expires_at: later(leaseMs),
          }))
          .where('id', '=', pick)
          .returningAll()
          .executeTakeFirst();
        return row && { ...toJob(row), token };
      }),

    renew: (job, leaseMs) =>
      guarded({ zh: `续租任务 ${job.id}`, en: `renew job ${job.id}` }, async () => {
        const r = await ctx.db
          .updateTable('jobs')
          .set({ lease_expires_at: later(leaseMs) })
          .where('id', '=', job.id)
          .where('state', '=', 'running')
          .where('lease_token', '=', job.token)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),

    complete: (job, result) =>
      guarded({ zh: `完成任务 ${job.id}`, en: `complete job ${job.id}` }, async () => {
        const r = await ctx.db
          .updateTable('jobs')
          .set({
            state: 'done',
            result: JSON.stringify(result),
            last_error: null,
            lease_token: null,
            lease_expires_at: null,
            finished_at: timestamp(ctx),
          })
          .where('id', '=', job.id)
          .where('state', '=', 'running')
          .where('lease_token', '=', job.token)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) {
          throw new ConflictError(
            {
              zh: `任务 ${job.id} 的租约已失效（已被其他实例接管），结果作废`,
              en: `the lease on job ${job.id} was lost (another instance took it over); its result is discarded`,
            },
            { details: { jobId: job.id } },
          );
        }
      }),

    fail: (job, error, retryInMs) =>
      guarded({ zh: `记录任务 ${job.id} 失败`, en: `record failure of job ${job.id}` }, async () => {
        const current = await ctx.db
          .selectFrom('jobs')
          .select(['attempts', 'max_attempts'])
          .where('id', '=', job.id)
          .where('lease_token', '=', job.token)
          .executeTakeFirst();
        if (current === undefined) return undefined;
        const state: JobState = Number(current.attempts) >= Number(current.max_attempts) ? 'failed' : 'queued';
        const r = await ctx.db
          .updateTable('jobs')
          .set({
            state,
            last_error: error.slice(0, 2000),
            run_after: later(retryInMs),
            lease_owner: null,
            lease_token: null,
            lease_expires_at: null,
            finished_at: state === 'failed' ? timestamp(ctx) : null,
          })
          .where('id', '=', job.id)
          .where('state', '=', 'running')
          .where('lease_token', '=', job.token) // the claim's token is unique, so attempts cannot have moved
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1 ? state : undefined;
      }),

    get: (id) => guarded({ zh: `读取任务 ${id}`, en: `read job ${id}` }, () => getBy('id', id)),
    getByKey: (key) => guarded({ zh: `读取任务 ${key}`, en: `read job ${key}` }, () => getBy('job_key', key)),

    list: (options = {}) =>
      guarded({ zh: '列出任务', en: 'list jobs' }, async () => {
        let q = ctx.db.selectFrom('jobs').selectAll();
        if (options.state !== undefined) q = q.where('state', '=', options.state);
        if (options.kind !== undefined) q = q.where('kind', '=', options.kind);
        const rows = await q
          .orderBy('id', 'desc')
          .limit(clampLimit(options.limit, 100, 10_000))
          .execute();
        return rows.map(toJob);
      }),

    counts: () =>
      guarded({ zh: '统计任务', en: 'count jobs' }, async () => {
        const rows = await ctx.db
          .selectFrom('jobs')
          .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
          .groupBy('state')
          .execute();
        const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
        for (const r of rows) counts[r.state] = Number(r.n);
        return counts;
      }),
  };
}
