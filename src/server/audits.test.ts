import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import { Center, runDueJobs } from '../center/index.js';
import { buildZip } from '../packages/test-support/raw-zip.js';
import { buildApp } from './app.js';
import { injectAs, type Inject } from './test-support/inject.js';

const databases = withTestDatabases();

for (const dialect of TEST_DIALECTS) {
  describe(`GET /api/v1/audits on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let app: FastifyInstance;
    let op: Inject;
    let sysadmin: Inject;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-audits-http-${dialect}-`));
      center = await Center.open({ dataDir: join(tmp, 'data'), config: { database: await databases.fresh(dialect) } });
      app = await buildApp(center, { logger: false });
      await testUnit(center.db, '330100');
      op = injectAs(app, await testAccount(center, { username: 'op', roles: ['operator'] }));
      sysadmin = injectAs(app, await testAccount(center, { username: 'sys', roles: ['system-admin'] }));
      const res = await op({
        method: 'POST',
        url: '/api/v1/registrations?unit=330100',
        headers: { 'content-type': 'application/zip' },
        payload: buildZip([{ name: '文书/通知.txt', data: '通知' }]),
      });
      expect(res.statusCode, res.body).toBe(200);
      await runDueJobs(center);
    });

    afterAll(async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('shows the system administrator the coverage of the audit period and the recent findings', async () => {
      const res = await sysadmin({ url: '/api/v1/audits' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        intervalDays: 30,
        registrations: 1,
        auditedInPeriod: 1,
        overdue: 0,
        findingsDays: 30,
        lastFindings: [],
        replicaFindings: [],
        repairs: [],
      });
      expect((await sysadmin({ url: '/api/v1/audits?days=7' })).json()).toMatchObject({ findingsDays: 7 });
      expect((await sysadmin({ url: '/api/v1/audits?days=0' })).statusCode).toBe(400);
      expect((await sysadmin({ url: '/api/v1/audits?bogus=1' })).statusCode).toBe(400);
    });

    it('refuses a center operator', async () => {
      expect((await op({ url: '/api/v1/audits' })).statusCode).toBe(403);
    });
  });
}
