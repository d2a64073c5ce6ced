import { BusyError, type Logger } from '../core/index.js';
import type { Database, Lease } from '../db/index.js';
import { isDeadOwner } from './instance.js';

/**
 * A lease on one OCFL object (by registration number), held while a version
 * is written or recovered, so no two processes — on one machine or on
 * several instances sharing the database — write one object at once, and
 * recovery never rolls back a commit that a live writer is still making.
 *
 * The holder renews it every third of its term; if a renewal fails or finds
 * the lease taken over, `signal` aborts, so the writer stops before anyone
 * else could start repairing the object.
 */
export interface ObjectLease {
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

export interface LeaseHolder {
  readonly db: Database;
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly logger: Logger;
}

export const objectLeaseName = (regno: string): string => `object:${regno}`;

export async function acquireObjectLease(holder: LeaseHolder, regno: string): Promise<ObjectLease> {
  const { db, instanceId, leaseMs } = holder;
  const name = objectLeaseName(regno);
  const lease = await db.leases.acquire(name, instanceId, leaseMs, isDeadOwner);
  if (lease === undefined) {
    const owner = (await db.leases.get(name))?.owner ?? '?';
    throw new BusyError(
      {
        zh: `${regno} 正被另一进程（${owner}）写入，请稍后重试`,
        en: `${regno} is being written by another process (${owner}); retry later`,
      },
      { details: { regno, owner } },
    );
  }
  return holdLease(holder, lease, regno);
}

/**
 * Keep a lease just taken (perhaps in a caller's transaction) renewed until
 * released. A deadline timer, independent of any renewal, aborts the holder a
 * sixth of the term before the lease could run out: a renewal that hangs (the
 * database unreachable behind a dead network link) must not let the writer
 * carry on while another instance takes the lease and repairs the object.
 */
export function holdLease({ db, leaseMs, logger }: LeaseHolder, lease: Lease, regno: string): ObjectLease {
  const lost = new AbortController();
  const margin = leaseMs / 6;
  let deadline: NodeJS.Timeout | undefined;
  const armDeadline = (heldUntil: number): void => {
    clearTimeout(deadline);
    deadline = setTimeout(() => lost.abort(leaseLost(regno)), Math.max(0, heldUntil - margin - Date.now()));
    deadline.unref();
  };
  armDeadline(Date.now() + leaseMs);
  const timer = setInterval(() => {
    const asked = Date.now();
    db.leases
      .renew(lease, leaseMs)
      .then((held) => {
        if (!held) lost.abort(leaseLost(regno));
        else if (!lost.signal.aborted) armDeadline(asked + leaseMs); // counted from before the request left
      })
      .catch((e: unknown) => logger.warn({ err: e, regno }, 'could not renew an object lease'));
  }, leaseMs / 3);
  timer.unref();
  return {
    signal: lost.signal,
    release: async () => {
      clearInterval(timer);
      clearTimeout(deadline);
      await db.leases.release(lease);
    },
  };
}

function leaseLost(regno: string, cause?: unknown): BusyError {
  return new BusyError(
    {
      zh: `${regno} 的写入租约已失效（数据库不可达或被接管），已停止写入`,
      en: `lost the write lease on ${regno} (database unreachable or taken over); writing stopped`,
    },
    { cause },
  );
}
