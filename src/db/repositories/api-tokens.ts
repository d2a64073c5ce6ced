import type { Selectable } from 'kysely';
import type { ApiTokenRecord, NewApiToken } from '../records.js';
import type { ApiTokensTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/** API tokens for the CLI and machines (006_auth): only the SHA-256 of each secret is stored. */
export interface ApiTokenRepository {
  create(token: NewApiToken): Promise<ApiTokenRecord>;
  getById(id: number): Promise<ApiTokenRecord | undefined>;
  getByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  /** A user's tokens, oldest first, revoked ones included. */
  listByUser(userId: number): Promise<readonly ApiTokenRecord[]>;
  /** Mark revoked now (a token revoked before keeps its first time); undefined if there is no such token. */
  revoke(id: number): Promise<ApiTokenRecord | undefined>;
  /** Revoke every live token of a user; how many. */
  revokeAllOf(userId: number): Promise<number>;
  /** Record a use (now). */
  touch(id: number): Promise<void>;
}

function toToken(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    name: row.name,
    tokenHash: row.token_hash,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export function apiTokenRepository(ctx: RepoContext): ApiTokenRepository {
  const byId = async (id: number): Promise<ApiTokenRecord | undefined> => {
    const row = await ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toToken(row);
  };
  return {
    create: (t) =>
      guarded({ zh: `创建令牌 ${t.name}`, en: `create token ${t.name}` }, async () => {
        const row = await ctx.db
          .insertInto('api_tokens')
          .values({
            user_id: t.userId,
            name: t.name,
            token_hash: t.tokenHash,
            scopes: JSON.stringify(t.scopes),
            created_at: timestamp(ctx),
            expires_at: t.expiresAt == null ? null : timestamp(ctx, t.expiresAt),
            revoked_at: null,
            last_used_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toToken(row);
      }),
    getById: (id) => guarded({ zh: `读取令牌 ${id}`, en: `read token ${id}` }, () => byId(id)),
    getByHash: (tokenHash) =>
      guarded({ zh: '查找令牌', en: 'look up a token' }, async () => {
        const row = await ctx.db
          .selectFrom('api_tokens')
          .selectAll()
          .where('token_hash', '=', tokenHash)
          .executeTakeFirst();
        return row && toToken(row);
      }),
    listByUser: (userId) =>
      guarded({ zh: `列出用户 ${userId} 的令牌`, en: `list the tokens of user ${userId}` }, async () =>
        (await ctx.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute()).map(
          toToken,
        ),
      ),
    revoke: (id) =>
      guarded({ zh: `吊销令牌 ${id}`, en: `revoke token ${id}` }, async () => {
        await ctx.db
          .updateTable('api_tokens')
          .set({ revoked_at: timestamp(ctx) })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        return byId(id);
      }),
    revokeAllOf: (userId) =>
      guarded({ zh: `吊销用户 ${userId} 的全部令牌`, en: `revoke the tokens of user ${userId}` }, async () => {
        const r = await ctx.db
          .updateTable('api_tokens')
          .set({ revoked_at: timestamp(ctx) })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows);
      }),
    touch: (id) =>
      guarded({ zh: `记录令牌 ${id} 的使用`, en: `record a use of token ${id}` }, async () => {
        await ctx.db
          .updateTable('api_tokens')
          .set({ last_used_at: timestamp(ctx) })
          .where('id', '=', id)
          .execute();
      }),
  };
}
