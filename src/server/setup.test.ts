/**
 * First run over HTTP (issue 9 item 2, "sign-in with the setup flow for the
 * three administrators"): the console asks whether setup is needed, and
 * creates the three administrators with the one-time setup code — a wrong
 * code is refused and audited, a weak password refused, and once done the
 * form is gone for good.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Center, setupCodeIfUnbootstrapped } from '../center/index.js';
import { buildApp } from './app.js';

const person = (username: string) => ({ username, password: `${username} 的足够长的口令-2026` });
const body = (code: string) => ({
  code,
  system: person('sysadmin'),
  security: person('secadmin'),
  auditor: person('auditor'),
});

describe('the first-run setup over HTTP', () => {
  let tmp: string;
  let center: Center;
  let app: FastifyInstance;
  let code: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-setup-'));
    center = await Center.open({ dataDir: join(tmp, 'data') });
    app = await buildApp(center, { logger: false });
    code = (await setupCodeIfUnbootstrapped(center))!;
  });

  afterAll(async () => {
    await app.close();
    await center.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const setup = (payload: object) =>
    app.inject({ method: 'POST', url: '/api/v1/setup', payload, headers: { 'accept-language': 'en' } });

  it('creates the three administrators with the setup code, once', async () => {
    expect((await app.inject({ url: '/api/v1/setup' })).json()).toEqual({ needed: true });

    const wrong = await setup(body('AAAA-BBBB-CCCC-DDDD'));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toContain('setup code is wrong');
    const weak = await setup({ ...body(code), auditor: { username: 'auditor', password: 'short' } });
    expect(weak.statusCode).toBe(400);
    // Neither attempt used the code up or created anyone.
    expect((await app.inject({ url: '/api/v1/setup' })).json()).toEqual({ needed: true });

    const done = await setup(body(code));
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toEqual({ system: 'sysadmin', security: 'secadmin', auditor: 'auditor' });
    expect((await app.inject({ url: '/api/v1/setup' })).json()).toEqual({ needed: false });
    // The new administrator signs in with the password chosen in the form.
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/session', payload: person('sysadmin') });
    expect(signIn.statusCode).toBe(200);
    expect(signIn.json().account.roles).toEqual(['system-admin']);

    const again = await setup(body(code));
    expect(again.statusCode).toBe(409);
    const audited = await center.db.auditLog.list();
    expect(audited.filter((e) => e.detailText.includes('"bootstrap"')).map((e) => e.outcome)).toEqual(
      expect.arrayContaining(['failure', 'success']),
    );
  });
});
