import type { ExpressionBuilder } from 'kysely';
import { NotFoundError } from '../../core/index.js';
import type { EventListOptions, EventOutcome, EventRecord, NewEvent } from '../records.js';
import { guarded } from '../db-errors.js';
import type { RegistrationsTable, Schema } from '../schema.js';
import { clampLimit, timestamp, parseDetail, type RepoContext } from './context.js';

/** PREMIS-like events. Append-only: there is deliberately no update or delete. */
export interface EventRepository {
  /** NotFoundError if `event.regno` names no registration. */
  append(event: NewEvent): Promise<EventRecord>;
  /** All events of one registration, in the order they were appended. */
  listForRegistration(regno: string): Promise<readonly EventRecord[]>;
  /** Events in append order (by id), optionally of one type, after an id. */
  list(options?: EventListOptions): Promise<readonly EventRecord[]>;
  /**
   * Registrations due a successful event of `type` (the periodic audits): those whose head
   * version was registered before `registeredBefore` and whose latest successful `type`
   * event is older than `since` or missing. One grouped query per page, by id after `afterId`.
   */
  dueRegistrations(options: DueRegistrationsOptions): Promise<readonly DueRegistration[]>;
  /** How many registrations there are, how many had a successful `type` event since `since`, and how many are due. */
  coverage(options: { type: string; since: string }): Promise<EventCoverage>;
  /** Events of `type` with `outcome` at or after `since`, newest first (default 100, at most 1000). */
  recentOutcomes(options: {
    type: string;
    outcome: EventOutcome;
    since: string;
    limit?: number;
  }): Promise<readonly EventRecord[]>;
}

export interface DueRegistrationsOptions {
  readonly type: string;
  readonly since: string;
  readonly registeredBefore: string;
  /** Registration id to page after; default 0. */
  readonly afterId?: number;
  /** Default 1000, at most 1000. */
  readonly limit?: number;
}

export interface DueRegistration {
  /** The registration's row id: the paging cursor. */
  readonly id: number;
  readonly regno: string;
  readonly objectId: string;
  readonly headVersion: number;
  /** Latest successful event of the type, or null if it never had one. */
  readonly lastSuccessAt: string | null;
}

export interface EventCoverage {
  readonly registrations: number;
  /** Registrations with a successful event of the type at or after `since`. */
  readonly succeeded: number;
  /** Registrations whose head version was registered before `since` and with no such event since. */
  readonly due: number;
}

interface EventRow {
  id: number;
  regno: string | null;
  type: string;
  at: string;
  agent: string;
  outcome: string;
  detail: string;
}

function toEvent(row: EventRow): EventRecord {
  return {
    id: Number(row.id),
    regno: row.regno,
    type: row.type,
    at: row.at,
    agent: row.agent,
    outcome: row.outcome as EventOutcome,
    detail: parseDetail(row.detail),
  };
}

export function eventRepository(ctx: RepoContext): EventRepository {
  const select = () =>
    ctx.db
      .selectFrom('events')
      .leftJoin('registrations', 'registrations.id', 'events.registration_id')
      .select([
        'events.id',
        'registrations.regno',
        'events.type',
        'events.at',
        'events.agent',
        'events.outcome',
        'events.detail',
      ]);

  return {
    append: (event) =>
      guarded({ zh: `记录事件 ${event.type}`, en: `append event ${event.type}` }, async () => {
        let registrationId: number | null = null;
        if (event.regno !== undefined) {
          const reg = await ctx.db
            .selectFrom('registrations')
            .select('id')
            .where('regno', '=', event.regno)
            .executeTakeFirst();
          if (!reg) {
            throw new NotFoundError({ zh: `登记号 ${event.regno} 不存在`, en: `no registration ${event.regno}` });
          }
          registrationId = Number(reg.id);
        }
        const at = timestamp(ctx, event.at);
        const detail = JSON.stringify(event.detail ?? {});
        const row = await ctx.db
          .insertInto('events')
          .values({
            registration_id: registrationId,
            type: event.type,
            at,
            agent: event.agent,
            outcome: event.outcome,
            detail,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return toEvent({
          id: row.id,
          regno: event.regno ?? null,
          type: event.type,
          at,
          agent: event.agent,
          outcome: event.outcome,
          detail,
        });
      }),
    listForRegistration: (regno) =>
      guarded({ zh: `列出 ${regno} 的事件`, en: `list events of ${regno}` }, async () => {
        const rows = await select().where('registrations.regno', '=', regno).orderBy('events.id').execute();
        return rows.map(toEvent);
      }),
    list: (options = {}) =>
      guarded({ zh: '列出事件', en: 'list events' }, async () => {
        let query = select();
        if (options.type !== undefined) query = query.where('events.type', '=', options.type);
        if (options.afterId !== undefined) query = query.where('events.id', '>', options.afterId);
        const rows = await query
          .orderBy('events.id')
          .limit(clampLimit(options.limit, 100, 1000))
          .execute();
        return rows.map(toEvent);
      }),
    dueRegistrations: (options) =>
      guarded({ zh: `列出待${options.type}的登记`, en: `list registrations due ${options.type}` }, async () => {
        // Text comparison of `at` orders by time: timestamps are stored in one fixed-width UTC form (context.ts).
        const since = timestamp(ctx, options.since);
        const rows = await ctx.db
          .selectFrom('registrations as r')
          .leftJoin('events as e', (join) =>
            join
              .onRef('e.registration_id', '=', 'r.id')
              .on('e.type', '=', options.type)
              .on('e.outcome', '=', 'success'),
          )
          .where('r.id', '>', options.afterId ?? 0)
          .where('r.updated_at', '<', timestamp(ctx, options.registeredBefore))
          .groupBy(['r.id', 'r.regno', 'r.object_id', 'r.head_version'])
          .having((eb) => eb.or([eb(eb.fn.max('e.at'), 'is', null), eb(eb.fn.max('e.at'), '<', since)]))
          .select(['r.id', 'r.regno', 'r.object_id', 'r.head_version'])
          .select((eb) => eb.fn.max<string | null>('e.at').as('last_at'))
          .orderBy('r.id')
          .limit(clampLimit(options.limit, 1000, 1000))
          .execute();
        return rows.map((r) => ({
          id: Number(r.id),
          regno: r.regno,
          objectId: r.object_id,
          headVersion: Number(r.head_version),
          lastSuccessAt: r.last_at ?? null,
        }));
      }),
    coverage: ({ type, since: given }) =>
      guarded({ zh: `统计${type}覆盖情况`, en: `count ${type} coverage` }, async () => {
        const since = timestamp(ctx, given);
        const recent = (eb: ExpressionBuilder<Schema & { r: RegistrationsTable }, 'r'>) =>
          eb.exists(
            eb
              .selectFrom('events as e')
              .select('e.id')
              .whereRef('e.registration_id', '=', 'r.id')
              .where('e.type', '=', type)
              .where('e.outcome', '=', 'success')
              .where('e.at', '>=', since),
          );
        const row = await ctx.db
          .selectFrom('registrations as r')
          .select((eb) => [
            eb.fn.countAll<number | string>().as('total'),
            eb.fn.sum<number | string | null>(eb.case().when(recent(eb)).then(1).else(0).end()).as('succeeded'),
            eb.fn
              .sum<number | string | null>(
                eb
                  .case()
                  .when(eb.and([eb('r.updated_at', '<', since), eb.not(recent(eb))]))
                  .then(1)
                  .else(0)
                  .end(),
              )
              .as('due'),
          ])
          .executeTakeFirstOrThrow();
        return { registrations: Number(row.total), succeeded: Number(row.succeeded ?? 0), due: Number(row.due ?? 0) };
      }),
    recentOutcomes: (options) =>
      guarded({ zh: `列出近期${options.type}事件`, en: `list recent ${options.type} events` }, async () => {
        const rows = await select()
          .where('events.type', '=', options.type)
          .where('events.outcome', '=', options.outcome)
          .where('events.at', '>=', timestamp(ctx, options.since))
          .orderBy('events.id', 'desc')
          .limit(clampLimit(options.limit, 100, 1000))
          .execute();
        return rows.map(toEvent);
      }),
  };
}
