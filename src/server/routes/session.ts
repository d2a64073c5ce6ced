import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ACTIONS,
  AuthenticationError,
  authenticatePassword,
  authorize,
  createSession,
  createToken,
  endSession,
  isAction,
  PERMISSIONS,
  revokeToken,
  SESSION_MAX_MS,
  type Action,
  type UserActor,
} from '../../auth/index.js';
import { auditActor, bootstrapCenter, bootstrapNeeded, recordAudit, type Center } from '../../center/index.js';
import { InvalidInputError } from '../../core/index.js';
import { SESSION_COOKIE, userOf } from '../authentication.js';
import { LOGIN_RATE_LIMIT } from '../hardening.js';
import { errorSchema, idParams } from './schemas.js';

const credentials = {
  username: { type: 'string', minLength: 1, maxLength: 64 },
  password: { type: 'string', minLength: 1, maxLength: 1024 },
} as const;

const accountSchema = {
  type: 'object',
  properties: {
    username: { type: 'string' },
    unitId: { type: ['integer', 'null'] },
    roles: { type: 'array', items: { type: 'string' } },
    clearance: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
  },
} as const;

function accountOf(actor: UserActor) {
  return {
    username: actor.username,
    unitId: actor.unitId,
    roles: actor.roles,
    clearance: actor.clearance,
    ...(actor.scopes === undefined ? {} : { scopes: actor.scopes }),
  };
}

/**
 * Check a password and record the attempt in the security audit log either
 * way (issue 5 item 5). The answer to a wrong name and a wrong password is
 * the same, and takes the same time (auth/users.ts).
 */
async function signIn(
  center: Center,
  request: FastifyRequest,
  body: { username: string; password: string },
  via: 'session' | 'token',
): Promise<UserActor> {
  const actor = await authenticatePassword(center, body.username, body.password);
  // A failed attempt is nobody's act: the name tried is only its target, so nobody can write
  // entries under an administrator's name by failing to sign in as them.
  await recordAudit(center, {
    ...(actor === undefined ? { actor: 'anonymous', role: 'none' } : auditActor(actor)),
    action: actor === undefined ? 'login-failed' : 'login',
    target: `user:${body.username}`,
    outcome: actor === undefined ? 'failure' : 'success',
    detail: { via, ip: request.ip },
  });
  if (actor === undefined) {
    throw new AuthenticationError({ zh: '用户名或口令不正确', en: 'wrong username or password' });
  }
  return actor;
}

/** Everything an account may do beyond the public actions: a token's default scopes. */
function allScopesOf(actor: UserActor): Action[] {
  return ACTIONS.filter((a) => PERMISSIONS[a].scope !== 'public' && authorize(actor, a));
}

/**
 * Signing in: browser sessions (a cookie, with a CSRF token for the console to
 * echo) and API tokens for the CLI (`yinji login`) and machines.
 */
export function registerSessionRoutes(app: FastifyInstance, center: Center): void {
  // One limiter for both sign-in routes, so they share one count per address (a per-route limit
  // would give each its own).
  const signInLimit = app.rateLimit(LOGIN_RATE_LIMIT);
  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/session',
    {
      config: { access: 'none' },
      onRequest: signInLimit,
      schema: {
        summary: '登录（浏览器会话）/ sign in: a browser session',
        tags: ['session'],
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: credentials,
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { account: accountSchema, csrfToken: { type: 'string' }, expiresAt: { type: 'string' } },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = await signIn(center, request, request.body, 'session');
      const session = await createSession(center, actor);
      void reply.setCookie(SESSION_COOKIE, session.secret, {
        path: '/',
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
        maxAge: SESSION_MAX_MS / 1000,
      });
      return { account: accountOf(actor), csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    },
  );

  const administrator = {
    type: 'object',
    required: ['username', 'password'],
    properties: credentials,
    additionalProperties: false,
  } as const;
  app.get(
    '/api/v1/setup',
    {
      config: { access: 'none' },
      schema: {
        summary: '是否尚需建立“三员”账号 / whether the three administrators are still to be created',
        tags: ['session'],
        response: { 200: { type: 'object', properties: { needed: { type: 'boolean' } } } },
      },
    },
    async () => ({ needed: await bootstrapNeeded(center) }),
  );
  app.post<{
    Body: { code: string } & Record<'system' | 'security' | 'auditor', { username: string; password: string }>;
  }>(
    '/api/v1/setup',
    {
      config: { access: 'none' },
      // The setup code is a secret like a password: guesses share the sign-in limit.
      onRequest: signInLimit,
      schema: {
        summary:
          '首次运行：用初始化码建立“三员”账号（yinji admin bootstrap）/ first run: create the three administrators with the setup code',
        tags: ['session'],
        body: {
          type: 'object',
          required: ['code', 'system', 'security', 'auditor'],
          properties: {
            code: { type: 'string', minLength: 1, maxLength: 100 },
            system: administrator,
            security: administrator,
            auditor: administrator,
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { system: { type: 'string' }, security: { type: 'string' }, auditor: { type: 'string' } },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const { code, ...people } = request.body;
      return bootstrapCenter(center, code, people);
    },
  );

  app.get(
    '/api/v1/session',
    {
      config: { access: 'show-own-account' },
      schema: {
        summary: '当前账号 / the signed-in account',
        tags: ['session'],
        response: {
          200: { type: 'object', properties: { account: accountSchema, csrfToken: { type: 'string' } } },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => ({
      account: accountOf(userOf(request)),
      ...(request.sessionCsrf === undefined ? {} : { csrfToken: request.sessionCsrf }),
    }),
  );

  app.delete(
    '/api/v1/session',
    {
      config: { access: 'show-own-account' },
      schema: { summary: '退出登录 / sign out', tags: ['session'], response: { '4xx': errorSchema } },
    },
    async (request, reply) => {
      const secret = request.cookies[SESSION_COOKIE];
      if (secret !== undefined && (await endSession(center, secret))) {
        const actor = userOf(request);
        await recordAudit(center, {
          ...auditActor(actor),
          action: 'logout',
          target: actor.username,
          outcome: 'success',
        });
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.post<{
    Body: { username: string; password: string; name: string; scopes?: string[]; expiresInDays?: number };
  }>(
    '/api/v1/tokens',
    {
      config: { access: 'none' },
      onRequest: signInLimit,
      schema: {
        summary: '以口令换取 API 令牌（yinji login）/ exchange a password for an API token',
        tags: ['session'],
        body: {
          type: 'object',
          required: ['username', 'password', 'name'],
          properties: {
            ...credentials,
            name: { type: 'string', minLength: 1, maxLength: 200 },
            scopes: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 64 } },
            expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              token: { type: 'string' },
              scopes: { type: 'array', items: { type: 'string' } },
              expiresAt: { type: ['string', 'null'] },
              account: accountSchema,
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const actor = await signIn(center, request, body, 'token');
      const unknown = (body.scopes ?? []).filter((s) => !isAction(s));
      if (unknown.length > 0) {
        throw new InvalidInputError({
          zh: `未知的权限范围：${unknown.join('、')}`,
          en: `unknown scopes: ${unknown.join(', ')}`,
        });
      }
      const days = body.expiresInDays ?? 90;
      const created = await createToken(center, actor, {
        name: body.name,
        scopes: body.scopes?.filter(isAction) ?? allScopesOf(actor),
        expiresAt: new Date(center.clock.now().getTime() + days * 86_400_000).toISOString(),
      });
      await recordAudit(center, {
        ...auditActor(actor),
        action: 'token-create',
        target: `token:${created.token.id}`,
        outcome: 'success',
        detail: { name: body.name, scopes: created.token.scopes, expiresAt: created.token.expiresAt },
      });
      return {
        id: created.token.id,
        token: created.secret,
        scopes: created.token.scopes,
        expiresAt: created.token.expiresAt,
        account: accountOf(actor),
      };
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { access: 'manage-own-tokens' },
      schema: { summary: '我的 API 令牌 / my API tokens', tags: ['session'], response: { '4xx': errorSchema } },
    },
    async (request) => {
      const tokens = await center.db.apiTokens.listByUser(userOf(request).userId);
      return { items: tokens.map(({ tokenHash: _hash, ...t }) => t) };
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/v1/tokens/:id',
    {
      config: { access: 'manage-own-tokens' },
      schema: {
        summary: '吊销 API 令牌 / revoke an API token',
        tags: ['session'],
        params: idParams,
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const actor = userOf(request);
      const revoked = await revokeToken(center, actor, request.params.id);
      await recordAudit(center, {
        ...auditActor(actor),
        action: 'token-revoke',
        target: `token:${revoked.id}`,
        outcome: 'success',
        detail: { owner: revoked.userId },
      });
      return reply.status(204).send();
    },
  );
}
