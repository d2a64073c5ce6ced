import { sql, type ExpressionBuilder } from 'kysely';
import type { Schema } from '../schema.js';
import { guarded } from '../db-errors.js';
import type { RepoContext } from './context.js';

/** The center's holdings counted for its dashboard: numbers only, never a record's content. */
export interface HoldingsFigures {
  /** Registrations made per month (YYYY-MM, oldest first), with their files and bytes as registered now. */
  readonly byMonth: ReadonlyArray<{ month: string; registrations: number; files: number; bytes: number }>;
  /** By the depositing unit's type (auth/units.ts UnitType; '' unknown). */
  readonly byUnitType: ReadonlyArray<{ key: string; registrations: number; bytes: number }>;
  /** By the unit's priority domain (重点领域; '' none). */
  readonly byDomain: ReadonlyArray<{ key: string; registrations: number; bytes: number }>;
  /** By 密级. */
  readonly byClassification: ReadonlyArray<{ key: string; registrations: number; bytes: number }>;
  readonly units: { readonly total: number; readonly registered: number };
  /** How many registrations have how many complete copies of their head version at targets in use (0 included). */
  readonly copies: ReadonlyArray<{ copies: number; registrations: number }>;
  /** Copies at the targets in use, per state (complete, damaged). */
  readonly replicaStates: ReadonlyArray<{ state: string; count: number }>;
  /** Each target in use: its copies, the damaged ones, bytes. */
  readonly targets: ReadonlyArray<{ targetId: string; copies: number; damaged: number; bytes: number }>;
  readonly lastAuditAt: string | null;
  /** Submissions waiting for the center (submitted, under review). */
  readonly awaitingReview: number;
}

export interface StatisticsRepository {
  holdings(): Promise<HoldingsFigures>;
}

const n = (v: unknown): number => Number(v ?? 0);

export function statisticsRepository(ctx: RepoContext): StatisticsRepository {
  const byUnit = (column: 'unit_type' | 'domain') =>
    ctx.db
      .selectFrom('registrations as r')
      .innerJoin('units as u', 'u.id', 'r.unit_id')
      .select((eb) => [
        `u.${column} as key` as const,
        eb.fn.countAll<number>().as('registrations'),
        eb.fn.sum<number>('r.byte_count').as('bytes'),
      ])
      .groupBy(`u.${column}`)
      .orderBy('registrations', 'desc')
      .execute();
  const rows = (r: ReadonlyArray<{ key: string; registrations: unknown; bytes: unknown }>) =>
    r.map((x) => ({ key: x.key, registrations: n(x.registrations), bytes: n(x.bytes) }));

  return {
    holdings: () =>
      guarded({ zh: '统计馆藏', en: 'count the holdings' }, async () => {
        const month = sql<string>`substr(created_at, 1, 7)`;
        const byMonth = await ctx.db
          .selectFrom('registrations')
          .select((eb) => [
            month.as('month'),
            eb.fn.countAll<number>().as('registrations'),
            eb.fn.sum<number>('file_count').as('files'),
            eb.fn.sum<number>('byte_count').as('bytes'),
          ])
          .groupBy(month)
          .orderBy(month)
          .execute();
        const byClassification = await ctx.db
          .selectFrom('registrations')
          .select((eb) => [
            'classification as key',
            eb.fn.countAll<number>().as('registrations'),
            eb.fn.sum<number>('byte_count').as('bytes'),
          ])
          .groupBy('classification')
          .orderBy('registrations', 'desc')
          .execute();
        const units = await ctx.db
          .selectFrom('units')
          .select((eb) => [
            eb.fn.countAll<number>().as('total'),
            eb.fn
              .count<number>(
                eb
                  .case()
                  .when(eb.exists(eb.selectFrom('registrations').select('id').whereRef('unit_id', '=', 'units.id')))
                  .then(1)
                  .end(),
              )
              .as('registered'),
          ])
          .executeTakeFirstOrThrow();
        const total = n(
          (
            await ctx.db
              .selectFrom('registrations')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
        // A copy counts when it is complete, of the head version, at a target still in use: an older
        // version is "behind" and a removed target's rows are only history (replica-targets.ts).
        const perRegistration = ctx.db
          .selectFrom('replicas as c')
          .innerJoin('replica_targets as t', (j) => j.onRef('t.id', '=', 'c.target_id').on('t.removed_at', 'is', null))
          .innerJoin('registrations as g', (j) =>
            j.onRef('g.regno', '=', 'c.regno').onRef('g.head_version', '=', 'c.version'),
          )
          .where('c.state', '=', 'complete')
          .select((eb) => ['c.regno', eb.fn.countAll<number>().as('c')])
          .groupBy('c.regno')
          .as('per');
        const copied = await ctx.db
          .selectFrom(perRegistration)
          .select((eb) => ['per.c as copies', eb.fn.countAll<number>().as('registrations')])
          .groupBy('per.c')
          .orderBy('per.c')
          .execute();
        const withCopies = copied.reduce((s, c) => s + n(c.registrations), 0);
        const current = (eb: ExpressionBuilder<Schema, 'replicas'>) =>
          eb.exists(
            eb
              .selectFrom('replica_targets as t')
              .select('t.id')
              .whereRef('t.id', '=', 'replicas.target_id')
              .where('t.removed_at', 'is', null),
          );
        const states = await ctx.db
          .selectFrom('replicas')
          .where(current)
          .select((eb) => ['state', eb.fn.countAll<number>().as('count')])
          .groupBy('state')
          .execute();
        // Every target in use, with or without copies yet.
        const targets = await ctx.db
          .selectFrom('replica_targets as t')
          .leftJoin('replicas as c', 'c.target_id', 't.id')
          .where('t.removed_at', 'is', null)
          .select((eb) => [
            't.id as targetId',
            eb.fn.count<number>('c.regno').as('copies'),
            eb.fn.sum<number>(eb.case().when('c.state', '=', 'damaged').then(1).else(0).end()).as('damaged'),
            eb.fn.sum<number>('c.bytes').as('bytes'),
          ])
          .groupBy('t.id')
          .orderBy('t.id')
          .execute();
        const audited = await ctx.db
          .selectFrom('replicas')
          .where(current)
          .select((eb) => eb.fn.max('audited_at').as('last'))
          .executeTakeFirst();
        const waiting = await ctx.db
          .selectFrom('submissions')
          .where('status', 'in', ['submitted', 'under-review'])
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        return {
          byMonth: byMonth.map((m) => ({
            month: m.month,
            registrations: n(m.registrations),
            files: n(m.files),
            bytes: n(m.bytes),
          })),
          byUnitType: rows(await byUnit('unit_type')),
          byDomain: rows(await byUnit('domain')),
          byClassification: rows(byClassification),
          units: { total: n(units.total), registered: n(units.registered) },
          copies: [
            ...(total > withCopies ? [{ copies: 0, registrations: total - withCopies }] : []),
            ...copied.map((c) => ({ copies: n(c.copies), registrations: n(c.registrations) })),
          ],
          replicaStates: states.map((s) => ({ state: s.state, count: n(s.count) })),
          targets: targets.map((t) => ({
            targetId: t.targetId,
            copies: n(t.copies),
            damaged: n(t.damaged),
            bytes: n(t.bytes),
          })),
          lastAuditAt: audited?.last ?? null,
          awaitingReview: n(waiting.n),
        };
      }),
  };
}
