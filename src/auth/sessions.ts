/**
 * Browser sessions for the web console (issue 5 item 1). The cookie holds a
 * 256-bit random secret; the database only its SHA-256, so a copy of the
 * database signs nobody in. Each session has its own CSRF token, which the
 * console sends back in a header on every state-changing request
 * (synchroniser token pattern, OWASP CSRF cheat sheet); the cookie is also
 * SameSite=Strict. Sessions expire after `SESSION_IDLE_MS` without use and
 * `SESSION_MAX_MS` after sign-in, whichever comes first.
 */
import { randomBytes } from 'node:crypto';
import type { UserActor } from './permissions.js';
import { sha256Hex } from './tokens.js';
import { actorOf, type AuthContext } from './users.js';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3600_000;
const SESSION_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface NewBrowserSession {
  /** The cookie value: shown to the browser once, never stored. */
  readonly secret: string;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export async function createSession(ctx: AuthContext, actor: UserActor): Promise<NewBrowserSession> {
  const secret = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(ctx.clock.now().getTime() + SESSION_IDLE_MS).toISOString();
  await ctx.db.sessions.create({ idHash: sha256Hex(secret), userId: actor.userId, csrfToken, expiresAt });
  return { secret, csrfToken, expiresAt };
}

/**
 * The account a session cookie stands for, with the session's CSRF token, or
 * undefined for anything not a live session (malformed, unknown, revoked,
 * idle too long, too old, account disabled). Use extends the idle expiry.
 */
export async function authenticateSession(
  ctx: AuthContext,
  secret: string,
): Promise<{ actor: UserActor; csrfToken: string } | undefined> {
  if (!SESSION_SHAPE.test(secret)) return undefined;
  const idHash = sha256Hex(secret);
  const session = await ctx.db.sessions.getByHash(idHash);
  if (!session || session.revokedAt !== null) return undefined;
  const now = ctx.clock.now().getTime();
  const hardEnd = Date.parse(session.createdAt) + SESSION_MAX_MS;
  if (Date.parse(session.expiresAt) <= now || hardEnd <= now) return undefined;
  const user = await ctx.db.users.getById(session.userId);
  if (!user || user.disabled) return undefined;
  await ctx.db.sessions.touch(idHash, new Date(Math.min(now + SESSION_IDLE_MS, hardEnd)).toISOString());
  return { actor: actorOf(user), csrfToken: session.csrfToken };
}

/** Sign out: the session ends now. */
export async function endSession(ctx: AuthContext, secret: string): Promise<boolean> {
  if (!SESSION_SHAPE.test(secret)) return false;
  return ctx.db.sessions.revoke(sha256Hex(secret));
}
