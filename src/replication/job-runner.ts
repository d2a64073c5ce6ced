import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, type Logger } from '../core/index.js';
import type { ClaimedJob, Database, Repositories } from '../db/index.js';

/** What a job produced: its result, and database writes to commit together with its completion. */
export interface JobOutcome {
  readonly result: Readonly<Record<string, unknown>>;
  /**
   * The job's effects (events, rows). They run in the transaction that marks
   * the job done, so they happen exactly once: if the claim was lost, both
   * roll back.
   */
  readonly effects?: (tx: Repositories) => Promise<void>;
}

/** Does one kind of job. Must stop promptly when `signal` aborts (the claim was lost or the runner stops). */
export type JobHandler = (job: ClaimedJob, signal: AbortSignal) => Promise<JobOutcome>;

export interface JobRunnerOptions {
  readonly db: Database;
  /** This instance (`host:pid:random`), recorded as the claim's owner. */
  readonly owner: string;
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** Claim term; renewed every third of it while the job runs. */
  readonly leaseMs: number;
  /** Pause when the queue is empty. Default 1000. */
  readonly pollMs?: number;
  /** Jobs run at once by this runner. Default 1. */
  readonly workers?: number;
  /** Delay before retrying a failed job, doubled per attempt. Default 5000. */
  readonly retryMs?: number;
  readonly logger: Logger;
}

/**
 * Runs background jobs from the shared queue (db jobs repository): claims
 * the oldest due job, keeps its claim alive while the handler works, and
 * marks it done together with its effects — or failed, to be retried with
 * backoff. Any number of runners, in any number of instances, may share a
 * queue; each job is done to completion once.
 */
export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #stop = new AbortController();
  #loops: Promise<void>[] = [];

  constructor(options: JobRunnerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#loops.length > 0) return;
    const workers = this.#options.workers ?? 1;
    this.#loops = Array.from({ length: workers }, () => this.#loop());
  }

  /** Stop claiming; a running job is aborted (its claim expires and another runner redoes it). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /** Claim and run one job; false when none was due. For `yinji jobs run` and tests. */
  async runOne(): Promise<boolean> {
    const { db, owner, leaseMs, handlers } = this.#options;
    const job = await db.jobs.claim({ owner, leaseMs, kinds: Object.keys(handlers) });
    if (job === undefined) return false;
    await this.#run(job);
    return true;
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    const pollMs = this.#options.pollMs ?? 1000;
    while (!signal.aborted) {
      let ran = false;
      try {
        ran = await this.runOne();
      } catch (e) {
        // The database is unreachable, say: keep trying, it is not this runner's to give up.
        this.#options.logger.error({ err: e }, 'job runner: could not claim a job');
      }
      if (!ran) await sleep(pollMs * (0.5 + Math.random()), undefined, { signal }).catch(() => undefined);
    }
  }

  async #run(job: ClaimedJob): Promise<void> {
    const { db, leaseMs, handlers, logger } = this.#options;
    const where = { jobId: job.id, kind: job.kind, key: job.key };
    if (job.attempts > job.maxAttempts) {
      // Claimed again after its runner died once too often: stop retrying it.
      await db.jobs.fail(job, job.lastError ?? 'too many attempts (runner died)', 0);
      return;
    }
    const lost = new AbortController();
    const signal = AbortSignal.any([lost.signal, this.#stop.signal]);
    const renewal = setInterval(() => {
      db.jobs
        .renew(job, leaseMs)
        .then((held) => {
          if (!held) lost.abort(new Error('job claim lost'));
        })
        .catch((e: unknown) => logger.warn({ ...where, err: e }, 'could not renew a job claim'));
    }, leaseMs / 3);
    renewal.unref();
    try {
      const handler = handlers[job.kind];
      if (handler === undefined) throw new Error(`no handler for job kind ${job.kind}`);
      const outcome = await handler(job, signal);
      signal.throwIfAborted();
      await db.transaction(async (tx) => {
        await tx.jobs.complete(job, outcome.result);
        await outcome.effects?.(tx);
      });
      logger.info({ ...where, attempts: job.attempts }, 'job done');
    } catch (e) {
      if (e instanceof ConflictError || lost.signal.aborted) {
        logger.warn({ ...where, err: e }, 'job claim lost; another instance does it');
      } else if (this.#stop.signal.aborted) {
        logger.info(where, 'runner stopping; the job will be taken again when its claim expires');
      } else {
        const retryMs = (this.#options.retryMs ?? 5000) * 2 ** Math.min(job.attempts - 1, 10);
        const state = await db.jobs.fail(job, (e as Error).message, retryMs).catch(() => undefined);
        logger.error({ ...where, err: e, state }, 'job failed');
      }
    } finally {
      clearInterval(renewal);
    }
  }
}
