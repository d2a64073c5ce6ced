import { guarded } from '../db-errors.js';
import type { Schema } from '../schema.js';
import { clampLimit, timestamp, type RepoContext } from './context.js';

export type AccessRequestStatus = 'pending' | 'approved' | 'rejected';

export interface AccessRequest {
  readonly id: number;
  readonly userId: number;
  readonly purpose: string;
  readonly status: AccessRequestStatus;
  readonly entryIds: readonly number[];
  readonly createdAt: string;
  readonly decidedBy: number | null;
  readonly decidedAt: string | null;
  readonly decisionNote: string;
  /** Approved requests: when the permission ends. */
  readonly expiresAt: string | null;
}

export interface AccessRequestRepository {
  create(input: { userId: number; purpose: string; entryIds: readonly number[] }): Promise<AccessRequest>;
  get(id: number): Promise<AccessRequest | undefined>;
  /** Newest first; by requester and/or status. */
  list(filter: { userId?: number; status?: AccessRequestStatus; limit?: number }): Promise<AccessRequest[]>;
  /**
   * Settle a pending request (approve with an expiry, or reject); undefined
   * when it is not pending any more (someone else decided first).
   */
  decide(
    id: number,
    decision: { status: 'approved' | 'rejected'; by: number; note: string; expiresAt: string | null },
  ): Promise<AccessRequest | undefined>;
  /**
   * The approved request of `userId` covering `entryId` that lasts longest, if any; the caller
   * compares its end with now (one read tells "may read" from "approval expired").
   */
  latestGrant(userId: number, entryId: number): Promise<AccessRequest | undefined>;
}

type Row = Schema['access_requests'];

export function accessRequestRepository(ctx: RepoContext): AccessRequestRepository {
  const withEntries = async (
    rows: ReadonlyArray<Omit<Row, 'id' | 'decision_note'> & { id: number; decision_note: string }>,
  ) => {
    if (rows.length === 0) return [];
    const grants = await ctx.db
      .selectFrom('access_grants')
      .select(['request_id', 'entry_id'])
      .where(
        'request_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('entry_id')
      .execute();
    const byRequest = new Map<number, number[]>();
    for (const g of grants) {
      const list = byRequest.get(Number(g.request_id)) ?? [];
      list.push(Number(g.entry_id));
      byRequest.set(Number(g.request_id), list);
    }
    return rows.map((r): AccessRequest => ({
      id: Number(r.id),
      userId: Number(r.user_id),
      purpose: r.purpose,
      status: r.status as AccessRequestStatus,
      entryIds: byRequest.get(Number(r.id)) ?? [],
      createdAt: r.created_at,
      decidedBy: r.decided_by === null ? null : Number(r.decided_by),
      decidedAt: r.decided_at,
      decisionNote: r.decision_note,
      expiresAt: r.expires_at,
    }));
  };
  const get = async (id: number): Promise<AccessRequest | undefined> => {
    const row = await ctx.db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : (await withEntries([row]))[0];
  };

  return {
    create: (input) =>
      guarded({ zh: '保存利用申请', en: 'save the access request' }, () =>
        ctx
          .atomic(async (db) => {
            const row = await db
              .insertInto('access_requests')
              .values({ user_id: input.userId, purpose: input.purpose, status: 'pending', created_at: timestamp(ctx) })
              .returning('id')
              .executeTakeFirstOrThrow();
            const ids = [...new Set(input.entryIds)];
            await db
              .insertInto('access_grants')
              .values(ids.map((entry_id) => ({ request_id: Number(row.id), entry_id })))
              .execute();
            return Number(row.id);
          })
          .then(async (id) => (await get(id))!),
      ),

    get: (id) => guarded({ zh: `读取利用申请 ${id}`, en: `read access request ${id}` }, () => get(id)),

    list: (filter) =>
      guarded({ zh: '列出利用申请', en: 'list access requests' }, async () => {
        let q = ctx.db.selectFrom('access_requests').selectAll();
        if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
        if (filter.status !== undefined) q = q.where('status', '=', filter.status);
        const rows = await q
          .orderBy('id', 'desc')
          .limit(clampLimit(filter.limit, 50, 500))
          .execute();
        return withEntries(rows);
      }),

    decide: (id, d) =>
      guarded({ zh: `处理利用申请 ${id}`, en: `decide access request ${id}` }, async () => {
        const r = await ctx.db
          .updateTable('access_requests')
          .set({
            status: d.status,
            decided_by: d.by,
            decided_at: timestamp(ctx),
            decision_note: d.note,
            expires_at: d.expiresAt,
          })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 0 ? undefined : get(id);
      }),

    latestGrant: (userId, entryId) =>
      guarded({ zh: '核对利用许可', en: 'check the access permission' }, async () => {
        const row = await ctx.db
          .selectFrom('access_requests as r')
          .innerJoin('access_grants as g', 'g.request_id', 'r.id')
          .select('r.id')
          .where('r.user_id', '=', userId)
          .where('g.entry_id', '=', entryId)
          .where('r.status', '=', 'approved')
          .orderBy('r.expires_at', 'desc')
          .executeTakeFirst();
        return row === undefined ? undefined : get(Number(row.id));
      }),
  };
}
