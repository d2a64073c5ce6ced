import { guarded } from '../db-errors.js';
import type { RepoContext } from './context.js';

export interface SequenceRepository {
  /**
   * The next number of `series`, starting at 1. Atomic and gap-free: one
   * statement increments and returns, so concurrent callers (other pool
   * connections, other server instances) each get a distinct number, and a
   * caller's rolled-back transaction rolls its increment back too.
   */
  next(series: string): Promise<number>;
  /** Make the next number of `series` at least `next` (never lower it): after a center is rebuilt. */
  advanceTo(series: string, next: number): Promise<void>;
}

export function sequenceRepository(ctx: RepoContext): SequenceRepository {
  return {
    advanceTo: (series, next) =>
      guarded({ zh: `调整序列 ${series}`, en: `advance series ${series}` }, async () => {
        await ctx.db
          .insertInto('regno_sequences')
          .values({ series, next_value: next })
          .onConflict((oc) =>
            oc.column('series').doUpdateSet((eb) => ({
              next_value: eb
                .case()
                .when('regno_sequences.next_value', '<', next)
                .then(next)
                .else(eb.ref('regno_sequences.next_value'))
                .end(),
            })),
          )
          .execute();
      }),
    next: (series) =>
      guarded({ zh: `取号（序列 ${series}）`, en: `next number in series ${series}` }, async () => {
        // next_value holds the number the next caller gets. INSERT … ON CONFLICT DO UPDATE … RETURNING
        // is a single atomic statement on both SQLite (≥ 3.35) and PostgreSQL: on PostgreSQL a second
        // caller waits for the first one's row lock, then increments the committed value.
        const row = await ctx.db
          .insertInto('regno_sequences')
          .values({ series, next_value: 2 })
          .onConflict((oc) =>
            oc.column('series').doUpdateSet((eb) => ({ next_value: eb('regno_sequences.next_value', '+', 1) })),
          )
          .returning('next_value')
          .executeTakeFirstOrThrow();
        return Number(row.next_value) - 1;
      }),
  };
}
