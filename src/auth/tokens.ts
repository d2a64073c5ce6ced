/**
 * API tokens for the CLI (`yinji login`) and machines. A token is 32 random
 * bytes, base64url, prefixed `yj_` (so secret scanners and people can tell
 * what it is); it is shown once and only its SHA-256 is stored — the secret
 * has 256 bits of entropy, so a fast hash loses nothing and lookup is one
 * indexed equality. Scopes narrow what the token may do within its owner's
 * roles; it never grants more than the owner has at the time of use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../core/index.js';
import type { ApiTokenRecord } from '../db/index.js';
import { authorize, isAction, requirePermission, type Action, type UserActor } from './permissions.js';
import { actorOf, type AuthContext } from './users.js';

export const TOKEN_PREFIX = 'yj_';
const TOKEN_SHAPE = /^yj_[A-Za-z0-9_-]{43}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface CreateTokenOptions {
  /** Shown in token lists, e.g. 'yinji login on host-1'. */
  readonly name: string;
  /** What the token may do; each must be an action the owner's roles allow. */
  readonly scopes: readonly Action[];
  /** Default: no expiry. */
  readonly expiresAt?: string;
}

export interface CreatedToken {
  /** The secret: shown to the user once, never stored. */
  readonly secret: string;
  readonly token: ApiTokenRecord;
}

/** Create a token for the acting user's own account. */
export async function createToken(
  ctx: AuthContext,
  actor: UserActor,
  options: CreateTokenOptions,
): Promise<CreatedToken> {
  requirePermission(actor, 'manage-own-tokens');
  if (options.scopes.length === 0) {
    throw new InvalidInputError({ zh: '令牌至少需要一项权限范围', en: 'a token needs at least one scope' });
  }
  for (const scope of options.scopes) {
    // A token made through a scoped token stays within that token's scopes (authorize checks actor.scopes too).
    if (!isAction(scope) || !authorize(actor, scope)) {
      throw new InvalidInputError({
        zh: `令牌权限范围 "${scope}" 超出了账号的权限`,
        en: `token scope "${scope}" is not something this account may do`,
      });
    }
  }
  if (options.expiresAt !== undefined && new Date(options.expiresAt).getTime() <= ctx.clock.now().getTime()) {
    throw new InvalidInputError({ zh: '令牌的过期时间已过', en: 'the token expiry is in the past' });
  }
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const token = await ctx.db.apiTokens.create({
    userId: actor.userId,
    name: options.name,
    tokenHash: sha256Hex(secret),
    scopes: [...new Set(options.scopes)],
    ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
  });
  return { secret, token };
}

/**
 * The actor a token secret stands for, or undefined for anything not a live
 * token: malformed, unknown, revoked, expired, or its account disabled.
 * The secret is attacker-controlled: it is only hashed, never echoed or parsed further.
 */
export async function authenticateToken(ctx: AuthContext, secret: string): Promise<UserActor | undefined> {
  if (!TOKEN_SHAPE.test(secret)) return undefined;
  const token = await ctx.db.apiTokens.getByHash(sha256Hex(secret));
  if (!token || token.revokedAt !== null) return undefined;
  if (token.expiresAt !== null && token.expiresAt <= ctx.clock.now().toISOString()) return undefined;
  const user = await ctx.db.users.getById(token.userId);
  if (!user || user.disabled) return undefined;
  await ctx.db.apiTokens.touch(token.id);
  return actorOf(user, token.scopes.filter(isAction));
}

/**
 * Revoke a token: one's own, or anyone's for the security administrator. A
 * token of someone else is "not found" to anyone else.
 */
export async function revokeToken(ctx: AuthContext, actor: UserActor, tokenId: number): Promise<ApiTokenRecord> {
  const token = await ctx.db.apiTokens.getById(tokenId);
  const own = token?.userId === actor.userId;
  if (!token || !(own ? authorize(actor, 'manage-own-tokens') : authorize(actor, 'revoke-tokens'))) {
    throw new NotFoundError({ zh: `令牌 ${tokenId} 不存在`, en: `no token ${tokenId}` });
  }
  const revoked = await ctx.db.apiTokens.revoke(tokenId);
  if (!revoked) throw new NotFoundError({ zh: `令牌 ${tokenId} 不存在`, en: `no token ${tokenId}` });
  return revoked;
}
