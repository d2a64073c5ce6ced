import { randomUUID } from 'node:crypto';
import type { Lease } from '../records.js';
import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/**
 * Named locks that expire (DESIGN.md: no single machine). A holder renews
 * its lease while it works; if it dies, the lease runs out and another
 * instance may take it over. Every change is one compare-and-set statement
 * on the token, so two instances can never both believe they hold a lease,
 * on SQLite or PostgreSQL, without any transaction isolation tricks.
 *
 * Expiry uses the instances' clocks, which must agree to well within the
 * lease time (NTP; see docs/deploy.md).
 */
export interface LeaseRepository {
  /**
   * Take the lease `name` for `ttlMs`, or undefined when someone else holds
   * it and it has neither expired nor been judged stale by `isStale(owner)`
   * (e.g. its process is known to be dead).
   */
  acquire(name: string, owner: string, ttlMs: number, isStale?: (owner: string) => boolean): Promise<Lease | undefined>;
  /** Extend a held lease; false if it is no longer ours (expired and taken over). */
  renew(lease: Pick<Lease, 'name' | 'token'>, ttlMs: number): Promise<boolean>;
  /** Give a lease back; a lease no longer ours is left alone. */
  release(lease: Pick<Lease, 'name' | 'token'>): Promise<void>;
  get(name: string): Promise<Lease | undefined>;
}

export function leaseRepository(ctx: RepoContext): LeaseRepository {
  const expiry = (ttlMs: number): string => new Date(ctx.clock.now().getTime() + ttlMs).toISOString();
  const get = async (name: string): Promise<Lease | undefined> => {
    const row = await ctx.db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { name: row.name, owner: row.owner, token: row.token, expiresAt: row.expires_at };
  };

  return {
    acquire: (name, owner, ttlMs, isStale) =>
      guarded({ zh: `获取租约 ${name}`, en: `acquire lease ${name}` }, async () => {
        const token = randomUUID();
        const now = timestamp(ctx);
        const fresh = { name, owner, token, acquired_at: now, expires_at: expiry(ttlMs) };
        // ON CONFLICT DO NOTHING rather than catching a unique violation, which would abort a PostgreSQL transaction.
        const inserted = await ctx.db
          .insertInto('leases')
          .values(fresh)
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('name')
          .executeTakeFirst();
        if (inserted !== undefined) return { name, owner, token, expiresAt: fresh.expires_at };
        const held = await get(name);
        if (held === undefined) return undefined; // released between our two statements: the caller retries later
        if (held.expiresAt >= now && !(isStale?.(held.owner) ?? false)) return undefined;
        const taken = await ctx.db
          .updateTable('leases')
          .set({ owner, token, acquired_at: now, expires_at: fresh.expires_at })
          .where('name', '=', name)
          .where('token', '=', held.token)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) !== 1) return undefined; // someone else took it over first
        return { name, owner, token, expiresAt: fresh.expires_at, tookOverFrom: held.owner };
      }),

    renew: (lease, ttlMs) =>
      guarded({ zh: `续租 ${lease.name}`, en: `renew lease ${lease.name}` }, async () => {
        const result = await ctx.db
          .updateTable('leases')
          .set({ expires_at: expiry(ttlMs) })
          .where('name', '=', lease.name)
          .where('token', '=', lease.token)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }),

    release: (lease) =>
      guarded({ zh: `释放租约 ${lease.name}`, en: `release lease ${lease.name}` }, async () => {
        await ctx.db.deleteFrom('leases').where('name', '=', lease.name).where('token', '=', lease.token).execute();
      }),

    get: (name) => guarded({ zh: `读取租约 ${name}`, en: `read lease ${name}` }, () => get(name)),
  };
}
