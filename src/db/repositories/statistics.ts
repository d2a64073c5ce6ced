import { sql } from 'kysely';
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
  /** How many registrations have how many complete copies at replica targets (0 included). */
  readonly copies: ReadonlyArray<{ copies: number; registrations: number }>;
  /** Replica rows per state (complete, damaged …). */
  readonly replicaStates: ReadonlyArray<{ state: string; count: number }>;
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
        const perRegistration = ctx.db
          .selectFrom('replicas')
          .where('state', '=', 'complete')
          .select((eb) => ['regno', eb.fn.countAll<number>().as('c')])
          .groupBy('regno')
          .as('per');
        const copied = await ctx.db
          .selectFrom(perRegistration)
          .select((eb) => ['per.c as copies', eb.fn.countAll<number>().as('registrations')])
          .groupBy('per.c')
          .orderBy('per.c')
          .execute();
        const withCopies = copied.reduce((s, c) => s + n(c.registrations), 0);
        const states = await ctx.db
          .selectFrom('replicas')
          .select((eb) => ['state', eb.fn.countAll<number>().as('count')])
          .groupBy('state')
          .execute();
        const audited = await ctx.db
          .selectFrom('replicas')
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
          lastAuditAt: audited?.last ?? null,
          awaitingReview: n(waiting.n),
        };
      }),
  };
}
