import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/**
 * Nonces of signed peer requests (RFC 9421 §7.2.2): a request is accepted
 * once. A nonce is kept until its signature expires; after that the
 * signature itself is refused, so the row can go.
 */
export interface PeerNonceRepository {
  /** Record the nonce; false when it was seen before (a replay). */
  use(keyId: string, nonce: string, expiresAt: string): Promise<boolean>;
  /** Forget nonces whose signatures have expired; returns how many. */
  purgeExpired(): Promise<number>;
}

export function peerNonceRepository(ctx: RepoContext): PeerNonceRepository {
  return {
    use: (keyId, nonce, expiresAt) =>
      guarded({ zh: '记录请求随机数', en: 'record request nonce' }, async () => {
        const inserted = await ctx.db
          .insertInto('peer_nonces')
          .values({ key_id: keyId, nonce, expires_at: timestamp(ctx, expiresAt) })
          .onConflict((oc) => oc.columns(['key_id', 'nonce']).doNothing())
          .returning('nonce')
          .executeTakeFirst();
        return inserted !== undefined;
      }),
    purgeExpired: () =>
      guarded({ zh: '清理过期的请求随机数', en: 'purge expired nonces' }, async () => {
        const r = await ctx.db.deleteFrom('peer_nonces').where('expires_at', '<', timestamp(ctx)).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),
  };
}
