import { timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ANONYMOUS,
  AuthenticationError,
  authenticateSession,
  authenticateToken,
  ForbiddenError,
  requirePermission,
  type Action,
  type Actor,
  type UserActor,
} from '../auth/index.js';
import type { Center } from '../center/index.js';
import { YinjiError } from '../core/index.js';

/** The session cookie: a 256-bit secret, HttpOnly, Secure, SameSite=Strict (auth/sessions.ts). */
export const SESSION_COOKIE = 'yinji_session';
/** The header a cookie-authenticated client echoes its session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * What a route needs from its caller: an action of the permission matrix
 * (auth/permissions.ts), checked by role before the handler runs, or 'none'
 * for the few routes open to anyone by nature (health, the API description,
 * signing in), or 'peer' for the partner-center API, whose callers sign
 * each request (peer-authentication.ts). Unit-scoped actions are checked again per record in the
 * handler. A route that declares nothing is refused (fail closed), and
 * test/e2e/access.test.ts fails on it.
 */
export type RouteAccess = Action | 'none' | 'peer';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: set by the onRequest hook before anything else runs. */
    actor: Actor;
    /** The CSRF token of the session the request came with, if it came with one. */
    sessionCsrf: string | undefined;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function invalidCredentials(): AuthenticationError {
  return new AuthenticationError({
    zh: '访问令牌无效、已过期或已吊销，请重新登录（yinji login）',
    en: 'the access token is invalid, expired or revoked: sign in again (yinji login)',
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function actorOfRequest(center: Center, request: FastifyRequest): Promise<void> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    // Credentials that are given but wrong are an error, never a silent fall back to anonymous.
    const m = /^Bearer ([^\s]+)$/i.exec(header);
    const actor = m === null ? undefined : await authenticateToken(center, m[1]!);
    if (actor === undefined) throw invalidCredentials();
    request.actor = actor;
    return;
  }
  const secret = request.cookies[SESSION_COOKIE];
  if (secret === undefined) return;
  const session = await authenticateSession(center, secret);
  if (session === undefined) return; // a stale cookie: the request is anonymous
  if (!SAFE_METHODS.has(request.method)) {
    const echoed = request.headers[CSRF_HEADER];
    if (typeof echoed !== 'string' || !sameText(echoed, session.csrfToken)) {
      throw new YinjiError('E_CSRF', {
        zh: `缺少或错误的 ${CSRF_HEADER} 请求头：请刷新页面后重试`,
        en: `missing or wrong ${CSRF_HEADER} header: reload the page and try again`,
      });
    }
  }
  request.actor = session.actor;
  request.sessionCsrf = session.csrfToken;
}

/**
 * Authentication and the role check, for every route, before the body is
 * read (so an unauthorised 5 GB upload is refused at its first byte).
 */
export async function registerAuthentication(app: FastifyInstance, center: Center): Promise<void> {
  await app.register(cookie);
  // Fastify wants no shared object as a decorator's initial value: set per request below.
  app.decorateRequest('actor', null as unknown as typeof ANONYMOUS);
  app.decorateRequest('sessionCsrf', undefined);
  app.addHook('onRequest', async (request) => {
    request.actor = ANONYMOUS;
    const access = request.routeOptions.config.access;
    // Partner centers sign their requests instead (peer-authentication.ts); user credentials mean nothing there.
    if (access === 'peer') return;
    await actorOfRequest(center, request);
    if (access === undefined) {
      // Fastify's own 404 for unknown URLs has no route options: let it answer.
      if (request.routeOptions.url === undefined) return;
      throw new ForbiddenError(
        { zh: '该接口未声明访问权限，已拒绝', en: 'this route declares no access rule and is refused' },
        { details: { route: request.routeOptions.url } },
      );
    }
    if (access !== 'none') requirePermission(request.actor, access);
  });
}

/** The signed-in account of a request whose route requires one (its access rule was checked already). */
export function userOf(request: FastifyRequest): UserActor {
  if (request.actor.kind !== 'user') {
    throw new AuthenticationError({ zh: '请先登录', en: 'sign in first' });
  }
  return request.actor;
}
