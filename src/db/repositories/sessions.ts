import type { Selectable } from 'kysely';
import type { NewSession, SessionRecord } from '../records.js';
import type { SessionsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/** Browser sessions (007_workflow), keyed by the SHA-256 of the cookie secret. */
export interface SessionRepository {
  create(session: NewSession): Promise<SessionRecord>;
  getByHash(idHash: string): Promise<SessionRecord | undefined>;
  /** Note activity (for idle expiry) and push the expiry to `expiresAt`. */
  touch(idHash: string, expiresAt: string): Promise<void>;
  /** True if a live session was revoked. */
  revoke(idHash: string): Promise<boolean>;
  /** Revoke every session of a user (password change, account disabled); how many. */
  revokeAllOf(userId: number): Promise<number>;
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: row.id_hash,
    userId: Number(row.user_id),
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
  };
}

export function sessionRepository(ctx: RepoContext): SessionRepository {
  return {
    create: (s) =>
      guarded({ zh: '创建会话', en: 'create a session' }, async () => {
        const now = timestamp(ctx);
        const row = await ctx.db
          .insertInto('sessions')
          .values({
            id_hash: s.idHash,
            user_id: s.userId,
            csrf_token: s.csrfToken,
            created_at: now,
            expires_at: s.expiresAt,
            last_seen_at: now,
            revoked_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toSession(row);
      }),
    getByHash: (idHash) =>
      guarded({ zh: '读取会话', en: 'read a session' }, async () => {
        const row = await ctx.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
        return row && toSession(row);
      }),
    touch: (idHash, expiresAt) =>
      guarded({ zh: '更新会话', en: 'update a session' }, async () => {
        await ctx.db
          .updateTable('sessions')
          .set({ last_seen_at: timestamp(ctx), expires_at: expiresAt })
          .where('id_hash', '=', idHash)
          .execute();
      }),
    revoke: (idHash) =>
      guarded({ zh: '注销会话', en: 'revoke a session' }, async () => {
        const r = await ctx.db
          .updateTable('sessions')
          .set({ revoked_at: timestamp(ctx) })
          .where('id_hash', '=', idHash)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
    revokeAllOf: (userId) =>
      guarded({ zh: '注销用户的全部会话', en: "revoke a user's sessions" }, async () => {
        const r = await ctx.db
          .updateTable('sessions')
          .set({ revoked_at: timestamp(ctx) })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows);
      }),
  };
}
