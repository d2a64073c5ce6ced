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

/** Keep a lease just taken (perhaps in a caller's transaction) renewed until released. */
export function holdLease({ db, leaseMs, logger }: LeaseHolder, lease: Lease, regno: string): ObjectLease {
  const lost = new AbortController();
  let heldUntil = Date.now() + leaseMs;
  const timer = setInterval(() => {
    const asked = Date.now();
    db.leases
      .renew(lease, leaseMs)
      .then((held) => {
        if (held) heldUntil = asked + leaseMs;
        else lost.abort(leaseLost(regno));
      })
      .catch((e: unknown) => {
        // One failed renewal is not yet a lost lease; abort once the next attempt could come too late.
        if (Date.now() + leaseMs / 3 >= heldUntil) lost.abort(leaseLost(regno, e));
        logger.warn({ err: e, regno }, 'could not renew an object lease');
      });
  }, leaseMs / 3);
  timer.unref();
  return {
    signal: lost.signal,
    release: async () => {
      clearInterval(timer);
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
