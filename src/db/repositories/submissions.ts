import type { Kysely, Selectable, Updateable } from 'kysely';
import type {
  NewSubmission,
  Page,
  Submission,
  SubmissionEvent,
  SubmissionListOptions,
  SubmissionTransition,
} from '../records.js';
import type { Schema, SubmissionEventsTable, SubmissionsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { clampLimit, parseDetail, timestamp, type RepoContext } from './context.js';

/**
 * Submissions and their state changes (007_workflow). Storage only: which
 * changes are allowed, and who may make them, is center/submissions.ts. Every
 * change is a compare-and-set on the status with its event written in the
 * same transaction, so of two operators acting at once exactly one succeeds,
 * on any instance, and the history never misses a step.
 */
export interface SubmissionRepository {
  /** Insert a submission and its creating event. */
  create(submission: NewSubmission): Promise<Submission>;
  getById(id: number): Promise<Submission | undefined>;
  /** By id, oldest first. */
  list(options?: SubmissionListOptions): Promise<Page<Submission>>;
  /**
   * Move the submission to `to` (with `changes`) if its status is one of
   * `from`; undefined when it is not (someone else moved it first) or there is
   * no such submission.
   */
  transition(id: number, change: SubmissionTransition): Promise<Submission | undefined>;
  /** Its state changes, oldest first. */
  events(id: number): Promise<readonly SubmissionEvent[]>;
}

function parseList(text: string | null): string[] {
  if (text === null) return [];
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

function toSubmission(row: Selectable<SubmissionsTable>): Submission {
  return {
    id: Number(row.id),
    unitId: Number(row.unit_id),
    createdBy: Number(row.created_by),
    title: row.title,
    status: row.status,
    classification: row.classification,
    declared: parseDetail(row.declared),
    packagePath: row.package_path,
    packageBytes: row.package_bytes === null ? null : Number(row.package_bytes),
    checkReport: row.check_report === null ? null : parseDetail(row.check_report),
    reasons: parseList(row.reasons),
    reviewerId: row.reviewer_id === null ? null : Number(row.reviewer_id),
    regno: row.regno,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toEvent(row: Selectable<SubmissionEventsTable>): SubmissionEvent {
  return {
    id: Number(row.id),
    submissionId: Number(row.submission_id),
    fromStatus: row.from_status,
    toStatus: row.to_status,
    actorId: row.actor_id === null ? null : Number(row.actor_id),
    actor: row.actor,
    at: row.at,
    note: row.note,
  };
}

function columnsOf(change: SubmissionTransition): Updateable<SubmissionsTable> {
  const c = change.changes ?? {};
  return {
    ...(c.packagePath === undefined ? {} : { package_path: c.packagePath }),
    ...(c.packageBytes === undefined ? {} : { package_bytes: c.packageBytes }),
    ...(c.checkReport === undefined
      ? {}
      : { check_report: c.checkReport === null ? null : JSON.stringify(c.checkReport) }),
    ...(c.reasons === undefined ? {} : { reasons: JSON.stringify(c.reasons) }),
    ...(c.reviewerId === undefined ? {} : { reviewer_id: c.reviewerId }),
    ...(c.regno === undefined ? {} : { regno: c.regno }),
    ...(c.title === undefined ? {} : { title: c.title }),
  };
}

export function submissionRepository(ctx: RepoContext): SubmissionRepository {
  const event = (
    db: Kysely<Schema>,
    e: { submissionId: number; from: string | null; to: string; actor: string; actorId: number | null },
    at: string,
    note: string,
  ) =>
    db
      .insertInto('submission_events')
      .values({
        submission_id: e.submissionId,
        from_status: e.from,
        to_status: e.to,
        actor_id: e.actorId,
        actor: e.actor,
        at,
        note,
      })
      .execute();

  return {
    create: (s) =>
      guarded({ zh: '创建提交', en: 'create a submission' }, () =>
        ctx.atomic(async (db) => {
          const now = timestamp(ctx);
          const status = s.status ?? 'draft';
          const row = await db
            .insertInto('submissions')
            .values({
              unit_id: s.unitId,
              created_by: s.createdBy,
              title: s.title,
              status,
              classification: s.classification,
              declared: JSON.stringify(s.declared),
              package_path: null,
              package_bytes: null,
              check_report: null,
              reasons: null,
              reviewer_id: null,
              regno: null,
              created_at: now,
              updated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          const id = Number(row.id);
          await event(
            db,
            { submissionId: id, from: null, to: status, actor: s.actor, actorId: s.createdBy },
            now,
            s.note ?? '',
          );
          return toSubmission(row);
        }),
      ),

    getById: (id) =>
      guarded({ zh: `读取提交 ${id}`, en: `read submission ${id}` }, async () => {
        const row = await ctx.db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toSubmission(row);
      }),

    list: (options = {}) =>
      guarded({ zh: '列出提交', en: 'list submissions' }, async () => {
        // An empty list matches nothing (and `in ()` is not valid SQL).
        if (options.statuses?.length === 0 || options.classifications?.length === 0) return { items: [], total: 0 };
        let base = ctx.db.selectFrom('submissions');
        if (options.unitId !== undefined) base = base.where('unit_id', '=', options.unitId);
        if (options.statuses !== undefined) base = base.where('status', 'in', [...options.statuses]);
        if (options.classifications !== undefined) {
          base = base.where('classification', 'in', [...options.classifications]);
        }
        const rows = await base
          .selectAll()
          .orderBy('id', 'asc')
          .limit(clampLimit(options.limit, 50, 1000))
          .offset(Math.max(0, Math.trunc(options.offset ?? 0)))
          .execute();
        const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        return { items: rows.map(toSubmission), total: Number(count.n) };
      }),

    transition: (id, change) =>
      guarded({ zh: `变更提交 ${id} 的状态`, en: `change the status of submission ${id}` }, () =>
        ctx.atomic(async (db) => {
          // An UPDATE that changes nothing takes the row lock (PostgreSQL) / the write lock (SQLite) and
          // reads the status under it: a concurrent transition waits here and then sees ours.
          const current = await db
            .updateTable('submissions')
            .set((eb) => ({ status: eb.ref('status') }))
            .where('id', '=', id)
            .returning(['status', 'package_path'])
            .executeTakeFirst();
          if (current === undefined || !change.from.includes(current.status)) return undefined;
          if (change.expectPackagePath !== undefined && current.package_path !== change.expectPackagePath) {
            return undefined;
          }
          const now = timestamp(ctx);
          const row = await db
            .updateTable('submissions')
            .set({ ...columnsOf(change), status: change.to, updated_at: now })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow();
          await event(
            db,
            { submissionId: id, from: current.status, to: change.to, actor: change.actor, actorId: change.actorId },
            now,
            change.note ?? '',
          );
          return toSubmission(row);
        }),
      ),

    events: (id) =>
      guarded({ zh: `读取提交 ${id} 的记录`, en: `read the history of submission ${id}` }, async () => {
        const rows = await ctx.db
          .selectFrom('submission_events')
          .selectAll()
          .where('submission_id', '=', id)
          .orderBy('id', 'asc')
          .execute();
        return rows.map(toEvent);
      }),
  };
}
