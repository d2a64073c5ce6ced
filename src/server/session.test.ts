/**
 * Signing in over HTTP (issue 5 items 1, 5 and 6): browser sessions with a
 * CSRF token, API tokens for the CLI, the login rate limit, security headers
 * and strict input. Every failed sign-in is in the security audit log, and
 * credentials that are given but wrong are refused, never taken as anonymous.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { hashPassword } from '../auth/passwords.js';
import { testAccount, testUnit, type TestAccount } from '../auth/test-support/accounts.js';
import { Center } from '../center/index.js';
import { buildApp } from './app.js';
import { CSRF_HEADER, SESSION_COOKIE } from './authentication.js';
import { LOGIN_RATE_LIMIT } from './hardening.js';
import { injectAs, type Inject } from './test-support/inject.js';

const databases = withTestDatabases();

const PASSWORD = '报送员的长口令-correct-horse';

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

const errorCode = (res: LightMyRequestResponse): string => res.json<ErrorBody>().error.code;

for (const dialect of TEST_DIALECTS) {
  describe(`sessions and tokens on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let app: FastifyInstance;
    let operator: TestAccount;
    let op: Inject;
    let anonymous: Inject;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-session-${dialect}-`));
      center = await Center.open({ dataDir: join(tmp, 'data'), config: { database: await databases.fresh(dialect) } });
      app = await buildApp(center, { logger: false });
      const unit = await testUnit(center.db, '330100');
      await testAccount(center, {
        username: 'dep',
        roles: ['depositor'],
        unit,
        passwordHash: await hashPassword(PASSWORD),
      });
      operator = await testAccount(center, { username: 'op', roles: ['operator'] });
      op = injectAs(app, operator);
      anonymous = injectAs(app, undefined);
    });

    afterAll(async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    /** Sign `dep` in with a browser session: the cookie to send back and the CSRF token to echo. */
    async function signIn(): Promise<{ cookie: string; csrf: string; res: LightMyRequestResponse }> {
      const res = await anonymous({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'dep', password: PASSWORD },
      });
      expect(res.statusCode, res.body).toBe(200);
      const value = res.cookies.find((c) => c.name === SESSION_COOKIE)?.value;
      expect(value).toBeDefined();
      return { cookie: `${SESSION_COOKIE}=${value!}`, csrf: res.json<{ csrfToken: string }>().csrfToken, res };
    }

    it('signs in with a password: a Secure, HttpOnly, SameSite=Strict cookie and a CSRF token', async () => {
      const { res, csrf } = await signIn();
      const setCookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith(`${SESSION_COOKIE}=`));
      expect(setCookie).toBeDefined();
      const attributes = setCookie!.split(';').map((a) => a.trim());
      expect(attributes[0]).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}$`));
      expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']));
      expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.json()).toMatchObject({
        account: { username: 'dep', roles: ['depositor'] },
        csrfToken: csrf,
        expiresAt: expect.any(String),
      });
    });

    it('answers a wrong password and an unknown name alike, and audits every attempt', async () => {
      const wrong = await anonymous({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'dep', password: 'not-the-password' },
      });
      const unknown = await anonymous({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'nobody', password: 'not-the-password' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(errorCode(wrong)).toBe('E_UNAUTHENTICATED');
      expect(unknown.body).toBe(wrong.body);
      expect(wrong.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();

      const log = await center.db.auditLog.list();
      const failed = log.filter((e) => e.action === 'login-failed');
      expect(failed.map((e) => [e.actor, e.target, e.outcome])).toEqual(
        expect.arrayContaining([
          ['anonymous', 'user:dep', 'failure'],
          ['anonymous', 'user:nobody', 'failure'],
        ]),
      );
      expect(JSON.parse(failed.find((e) => e.target === 'user:nobody')!.detailText)).toMatchObject({ via: 'session' });
      const ok = log.filter((e) => e.action === 'login' && e.actor === 'dep');
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(ok[0]).toMatchObject({ role: 'depositor', outcome: 'success' });
    });

    it('takes the cookie, asks for the CSRF token on every state change, and signs out', async () => {
      const { cookie, csrf } = await signIn();
      const asBrowser: Inject = (o) => app.inject({ ...o, headers: { cookie, ...(o.headers ?? {}) } });

      const me = await asBrowser({ url: '/api/v1/session' });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toEqual({
        account: expect.objectContaining({ username: 'dep', roles: ['depositor'] }),
        csrfToken: csrf,
      });

      const create = (headers: Record<string, string>) =>
        asBrowser({ method: 'POST', url: '/api/v1/submissions', headers, payload: { title: '会话中新建' } });
      const missing = await create({});
      expect(missing.statusCode).toBe(403);
      expect(errorCode(missing)).toBe('E_CSRF');
      const forged = await create({ [CSRF_HEADER]: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` });
      expect(forged.statusCode).toBe(403);
      expect(errorCode(forged)).toBe('E_CSRF');
      expect((await create({ [CSRF_HEADER]: 'short' })).statusCode).toBe(403);
      const created = await create({ [CSRF_HEADER]: csrf });
      expect(created.statusCode, created.body).toBe(200);
      expect(created.json()).toMatchObject({ title: '会话中新建', status: 'draft' });

      const noToken = await asBrowser({ method: 'DELETE', url: '/api/v1/session' });
      expect(noToken.statusCode).toBe(403);
      expect(errorCode(noToken)).toBe('E_CSRF');
      expect((await asBrowser({ url: '/api/v1/session' })).statusCode).toBe(200); // still signed in

      const out = await asBrowser({ method: 'DELETE', url: '/api/v1/session', headers: { [CSRF_HEADER]: csrf } });
      expect(out.statusCode).toBe(204);
      const cleared = out.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cleared?.value).toBe('');
      const after = await asBrowser({ url: '/api/v1/session' });
      expect(after.statusCode).toBe(401);
      expect(errorCode(after)).toBe('E_UNAUTHENTICATED');
      // A dead cookie is anonymous: it can no longer change anything, CSRF token or not.
      expect((await create({ [CSRF_HEADER]: csrf })).statusCode).toBe(401);
      expect((await center.db.auditLog.list()).some((e) => e.action === 'logout' && e.actor === 'dep')).toBe(true);
    });

    it('refuses wrong credentials outright instead of treating the request as anonymous', async () => {
      for (const authorization of [
        'Bearer not-a-token',
        `Bearer yj_${'A'.repeat(43)}`,
        'Basic ZGVwOnBhc3N3b3Jk',
        'Bearer',
      ]) {
        for (const url of ['/api/v1/session', '/healthz']) {
          const res = await app.inject({ url, headers: { authorization } });
          expect(res.statusCode, `${authorization} ${url}`).toBe(401);
          expect(errorCode(res)).toBe('E_UNAUTHENTICATED');
        }
      }
      // The same open route without credentials is fine; a signed-in route without them is 401.
      expect((await anonymous({ url: '/healthz' })).statusCode).toBe(200);
      expect((await anonymous({ url: '/api/v1/session' })).statusCode).toBe(401);
    });

    it('exchanges a password for an API token, which works until it is revoked; others cannot revoke it', async () => {
      const wrong = await anonymous({
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { username: 'dep', password: 'not-the-password', name: 'cli' },
      });
      expect(wrong.statusCode).toBe(401);

      const res = await anonymous({
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { username: 'dep', password: PASSWORD, name: 'yinji login on test' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const issued = res.json<{ id: number; token: string; scopes: string[]; expiresAt: string | null }>();
      expect(issued.token).toMatch(/^yj_[A-Za-z0-9_-]{43}$/);
      expect(issued.scopes).toEqual(expect.arrayContaining(['upload', 'submit', 'manage-own-tokens']));
      expect(issued.scopes).not.toContain('review.decide');
      expect(Date.parse(issued.expiresAt!)).toBeGreaterThan(Date.now() + 80 * 86_400_000);
      const dep: Inject = (o) =>
        app.inject({ ...o, headers: { authorization: `Bearer ${issued.token}`, ...(o.headers ?? {}) } });

      const me = await dep({ url: '/api/v1/session' });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({ account: expect.objectContaining({ username: 'dep', scopes: issued.scopes }) });
      const mine = await dep({ url: '/api/v1/tokens' });
      expect(mine.json<{ items: { id: number }[] }>().items.map((t) => t.id)).toContain(issued.id);
      expect(mine.body).not.toContain(issued.token);
      expect(mine.body).not.toContain('tokenHash');

      // Another account's token is "not found", like one that does not exist.
      const other = await op({ method: 'DELETE', url: `/api/v1/tokens/${issued.id}` });
      expect(other.statusCode).toBe(404);
      expect(errorCode(other)).toBe('E_NOT_FOUND');
      expect((await op({ method: 'DELETE', url: '/api/v1/tokens/999999' })).statusCode).toBe(404);
      expect((await dep({ url: '/api/v1/session' })).statusCode).toBe(200);

      // A bearer token is not a cookie: no CSRF token is asked for.
      expect((await dep({ method: 'DELETE', url: `/api/v1/tokens/${issued.id}` })).statusCode).toBe(204);
      const revoked = await dep({ url: '/api/v1/session' });
      expect(revoked.statusCode).toBe(401);
      expect(errorCode(revoked)).toBe('E_UNAUTHENTICATED');
      expect((await op({ url: '/api/v1/session' })).statusCode).toBe(200);

      const log = await center.db.auditLog.list();
      expect(log.some((e) => e.action === 'token-create' && e.target === `token:${issued.id}`)).toBe(true);
      expect(log.some((e) => e.action === 'token-revoke' && e.target === `token:${issued.id}`)).toBe(true);
    });

    it(`limits sign-in attempts to ${LOGIN_RATE_LIMIT.max} a minute per address`, async () => {
      const attempt = (remoteAddress: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/session',
          remoteAddress,
          headers: { 'accept-language': 'en' },
          payload: { username: 'dep', password: 'guess-guess-guess' },
        });
      for (let i = 0; i < LOGIN_RATE_LIMIT.max - 1; i++) {
        expect((await attempt('203.0.113.7')).statusCode).toBe(401);
      }
      // The token route counts against the same limit: one more try there uses it up.
      const viaToken = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        remoteAddress: '203.0.113.7',
        payload: { username: 'dep', password: 'guess-guess-guess', name: 'guess' },
      });
      expect(viaToken.statusCode).toBe(401);
      const limited = await attempt('203.0.113.7');
      expect(limited.statusCode, limited.body).toBe(429);
      expect(errorCode(limited)).toBe('E_RATE_LIMITED');
      expect(limited.json<ErrorBody>().error.message).toMatch(/too many requests/);
      // The right password from that address waits too; another address is not held up.
      const right = await app.inject({
        method: 'POST',
        url: '/api/v1/session',
        remoteAddress: '203.0.113.7',
        payload: { username: 'dep', password: PASSWORD },
      });
      expect(right.statusCode).toBe(429);
      expect((await attempt('203.0.113.8')).statusCode).toBe(401);
    });

    it('sends security headers on every response, and no-store on an authenticated one', async () => {
      const open = await anonymous({ url: '/healthz' });
      expect(open.statusCode).toBe(200);
      expect(open.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      expect(open.headers['content-security-policy']).toContain("default-src 'none'");
      expect(open.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(open.headers['cache-control']).toBeUndefined();
      expect(open.headers['strict-transport-security']).toBeUndefined(); // httpsOnly is off here

      const signedIn = await op({ url: '/api/v1/session' });
      expect(signedIn.headers['cache-control']).toBe('no-store');
      expect(signedIn.headers['x-frame-options']).toBe('DENY');
      // Errors too.
      const refused = await anonymous({ url: '/api/v1/session' });
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
    });

    it('refuses unknown fields and answers unknown URLs in the API error format', async () => {
      const query = await op({ url: '/api/v1/registrations?colour=red' });
      expect(query.statusCode).toBe(400);
      expect(errorCode(query)).toBe('E_INVALID_INPUT');
      expect(query.json<ErrorBody>().error.message).toContain('unknown field "colour"');
      expect((await op({ url: '/api/v1/registrations' })).statusCode).toBe(200);

      const dep = await signIn();
      const post = (payload: object) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/submissions',
          headers: { cookie: dep.cookie, [CSRF_HEADER]: dep.csrf },
          payload,
        });
      for (const payload of [
        { title: '多余字段', colour: 'red' },
        { title: '多余字段', declared: { colour: 'red' } },
        { title: '多余字段', carrier: { type: 'tape', colour: 'red' } },
      ]) {
        const res = await post(payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(errorCode(res)).toBe('E_INVALID_INPUT');
      }
      expect((await post({ title: '没有多余字段' })).statusCode).toBe(200);

      const login = await anonymous({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'dep', password: PASSWORD, remember: true },
      });
      expect(login.statusCode).toBe(400);

      for (const res of [await anonymous({ url: '/api/v1/no-such-thing' }), await op({ url: '/api/v2/session' })]) {
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(errorCode(res)).toBe('E_NOT_FOUND');
      }
    });
  });
}
