import { NotFoundError } from '../../core/index.js';
import type { EventListOptions, EventOutcome, EventRecord, NewEvent } from '../records.js';
import { guarded } from '../db-errors.js';
import { clampLimit, timestamp, parseDetail, type RepoContext } from './context.js';

/** PREMIS-like events. Append-only: there is deliberately no update or delete. */
export interface EventRepository {
  /** NotFoundError if `event.regno` names no registration. */
  append(event: NewEvent): Promise<EventRecord>;
  /** All events of one registration, in the order they were appended. */
  listForRegistration(regno: string): Promise<readonly EventRecord[]>;
  /** Events in append order (by id), optionally of one type, after an id. */
  list(options?: EventListOptions): Promise<readonly EventRecord[]>;
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
  };
}
