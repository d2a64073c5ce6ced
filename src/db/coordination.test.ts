import { expect, it } from 'vitest';
import type { Clock } from '../core/index.js';
import { ConflictError } from '../core/index.js';
import { describeEachDialect, T0 } from './database.suite.js';

/** A clock the test moves by hand, to expire leases without waiting. */
const clock: Clock & { at: number } = { at: new Date(T0).getTime(), now: (): Date => new Date(clock.at) };
const advance = (ms: number): void => {
  clock.at += ms;
};

describeEachDialect(
  'leases, jobs and settings',
  (t) => {
    it('gives a lease to one holder at a time, and lets a stale or expired one be taken over', async () => {
      clock.at = new Date(T0).getTime();
      const db = t.db();
      const a = await db.leases.acquire('object:X', 'host:1:a', 60_000);
      expect(a).toMatchObject({ name: 'object:X', owner: 'host:1:a' });
      expect(await db.leases.acquire('object:X', 'host:2:b', 60_000)).toBeUndefined();
      // Renewal keeps it past the first expiry.
      advance(50_000);
      expect(await db.leases.renew(a!, 60_000)).toBe(true);
      advance(50_000);
      expect(await db.leases.acquire('object:X', 'host:2:b', 60_000)).toBeUndefined();
      // Expired: another instance takes it over; the old holder can neither renew nor release it.
      advance(11_000);
      const b = await db.leases.acquire('object:X', 'host:2:b', 60_000);
      expect(b).toMatchObject({ owner: 'host:2:b', tookOverFrom: 'host:1:a' });
      expect(await db.leases.renew(a!, 60_000)).toBe(false);
      await db.leases.release(a!);
      expect((await db.leases.get('object:X'))?.owner).toBe('host:2:b');
      // A holder judged stale (its process is gone) is replaced before expiry.
      const c = await db.leases.acquire('object:X', 'host:3:c', 60_000, (owner) => owner === 'host:2:b');
      expect(c).toMatchObject({ owner: 'host:3:c', tookOverFrom: 'host:2:b' });
      await db.leases.release(c!);
      expect(await db.leases.get('object:X')).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent callers take a lease', async () => {
      const db = t.db();
      const got = await Promise.all(
        Array.from({ length: 20 }, (_, i) => db.leases.acquire('object:race', `host:${i}:r`, 60_000)),
      );
      expect(got.filter((l) => l !== undefined)).toHaveLength(1);
      // Also the takeover of an expired lease.
      advance(61_000);
      const again = await Promise.all(
        Array.from({ length: 20 }, (_, i) => db.leases.acquire('object:race', `other:${i}:r`, 60_000)),
      );
      expect(again.filter((l) => l !== undefined)).toHaveLength(1);
    });

    it('queues a job once per key, and concurrent claimers each get a different job', async () => {
      const db = t.db();
      for (let i = 0; i < 30; i++) await db.jobs.enqueue({ kind: 'fixity', key: `fixity:R${i}:v1`, payload: { i } });
      const dup = await db.jobs.enqueue({ kind: 'fixity', key: 'fixity:R0:v1', payload: { i: 99 } });
      expect(dup.payload).toEqual({ i: 0 });
      const claims = await Promise.all(
        Array.from({ length: 40 }, (_, i) => db.jobs.claim({ owner: `w${i}`, leaseMs: 60_000 })),
      );
      const ids = claims.filter((c) => c !== undefined).map((c) => c.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      expect(await db.jobs.counts()).toEqual({ queued: 0, running: 30, done: 0, failed: 0 });
      expect(await db.jobs.claim({ owner: 'late', leaseMs: 60_000 })).toBeUndefined();
    });

    it('completes a job only under its current claim, so a job is done exactly once', async () => {
      const db = t.db();
      await db.jobs.enqueue({ kind: 'fixity', key: 'k1' });
      const first = await db.jobs.claim({ owner: 'dies', leaseMs: 30_000 });
      expect(first).toMatchObject({ key: 'k1', attempts: 1, leaseOwner: 'dies' });
      // Not yet expired: nobody else gets it.
      expect(await db.jobs.claim({ owner: 'other', leaseMs: 30_000 })).toBeUndefined();
      advance(31_000);
      const second = await db.jobs.claim({ owner: 'other', leaseMs: 30_000 });
      expect(second).toMatchObject({ id: first!.id, attempts: 2, leaseOwner: 'other' });
      // The first runner comes back: its completion is refused, and so are effects in its transaction.
      await expect(
        db.transaction(async (tx) => {
          await tx.events.append({ type: 'fixity-check', agent: 'dies', outcome: 'success' });
          await tx.jobs.complete(first!, { by: 'dies' });
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await db.jobs.renew(first!, 30_000)).toBe(false);
      expect(await db.events.list({ type: 'fixity-check' })).toHaveLength(0);
      await db.jobs.complete(second!, { by: 'other' });
      const done = await db.jobs.get(first!.id);
      expect(done).toMatchObject({ state: 'done', result: { by: 'other' }, attempts: 2 });
      expect(done?.finishedAt).not.toBeNull();
      await expect(db.jobs.complete(second!, { by: 'twice' })).rejects.toBeInstanceOf(ConflictError);
    });

    it('retries a failed job after a delay and gives up after its attempts', async () => {
      const db = t.db();
      await db.jobs.enqueue({ kind: 'fixity', key: 'flaky', maxAttempts: 2 });
      const a = await db.jobs.claim({ owner: 'w', leaseMs: 30_000, kinds: ['fixity'] });
      expect(await db.jobs.fail(a!, 'S3 timeout', 5_000)).toBe('queued');
      expect(await db.jobs.claim({ owner: 'w', leaseMs: 30_000 })).toBeUndefined(); // not due yet
      advance(5_000);
      expect(await db.jobs.claim({ owner: 'w', leaseMs: 30_000, kinds: ['replicate'] })).toBeUndefined();
      const b = await db.jobs.claim({ owner: 'w', leaseMs: 30_000, kinds: ['fixity'] });
      expect(await db.jobs.fail(b!, 'S3 timeout again', 5_000)).toBe('failed');
      expect(await db.jobs.getByKey('flaky')).toMatchObject({ state: 'failed', lastError: 'S3 timeout again' });
      expect(await db.jobs.list({ state: 'failed' })).toHaveLength(1);
      expect(await db.jobs.fail(b!, 'stale', 1)).toBeUndefined();
    });

    it('keeps the first value of a center setting', async () => {
      const db = t.db();
      expect(await db.settings.get('log-key')).toBeUndefined();
      const got = await Promise.all(['a', 'b', 'c'].map((v) => db.settings.putIfAbsent('log-key', v)));
      expect(new Set(got).size).toBe(1);
      expect(await db.settings.putIfAbsent('log-key', 'z')).toBe(got[0]);
    });
  },
  clock,
);
