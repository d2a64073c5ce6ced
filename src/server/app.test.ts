import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { buildZip } from '../packages/test-support/raw-zip.js';
import { Center, runDueJobs } from '../center/index.js';
import { validateBag } from '../packages/index.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import { buildApp } from './app.js';
import { injectAs, type Inject } from './test-support/inject.js';

const databases = withTestDatabases();

const zip = buildZip([
  { name: '文书/2026/通知.txt', data: '关于开展登记备份工作的通知' },
  { name: '照片/合影.jpg', data: Buffer.alloc(2048, 9) },
]);

for (const dialect of TEST_DIALECTS) {
  describe(`HTTP API on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let app: FastifyInstance;
    let op: Inject;
    let sysadmin: Inject;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-http-${dialect}-`));
      center = await Center.open({ dataDir: join(tmp, 'data'), config: { database: await databases.fresh(dialect) } });
      app = await buildApp(center, { logger: false });
      await testUnit(center.db, '330100');
      op = injectAs(app, await testAccount(center, { username: 'op', roles: ['operator'] }));
      sysadmin = injectAs(app, await testAccount(center, { username: 'sys', roles: ['system-admin'] }));
    });

    afterAll(async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    let regno: string;

    it('registers an uploaded zip', async () => {
      const res = await op({
        method: 'POST',
        url: `/api/v1/registrations?unit=330100&title=${encodeURIComponent('往来文书')}`,
        headers: { 'content-type': 'application/zip' },
        payload: zip,
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ regno: string; version: number; fileCount: number }>();
      expect(body).toMatchObject({ version: 1, fileCount: 2 });
      regno = body.regno;
    });

    it('lists, shows and lists files of a registration', async () => {
      const list = await op({ url: '/api/v1/registrations' });
      expect(list.json<{ total: number }>().total).toBe(1);
      const show = await op({ url: `/api/v1/registrations/${regno}` });
      expect(show.json()).toMatchObject({ regno, title: '往来文书', headVersion: 1, versions: [{ version: 1 }] });
      const files = await op({ url: `/api/v1/registrations/${regno}/files` });
      expect(
        files
          .json<{ files: { path: string }[] }>()
          .files.map((f) => f.path)
          .sort(),
      ).toEqual(['文书/2026/通知.txt', '照片/合影.jpg']);
    });

    it('shows background jobs: the registration queued its fixity check, done once a runner ran it', async () => {
      const before = await sysadmin({ url: '/api/v1/jobs' });
      expect(before.statusCode).toBe(200);
      expect(before.json()).toMatchObject({
        counts: { queued: 2, running: 0, done: 0, failed: 0 },
        // Newest first: the catalog job (catalog-deposit.ts), then the fixity check.
        jobs: [
          { kind: 'catalog', key: `catalog:${regno}:v1`, state: 'queued' },
          { kind: 'fixity', key: `fixity:${regno}:v1`, state: 'queued' },
        ],
      });
      expect(await runDueJobs(center)).toBe(3); // and the full-text job the catalog job queued
      const after = await sysadmin({ url: '/api/v1/jobs?state=done&kind=fixity' });
      expect(after.json()).toMatchObject({ jobs: [{ state: 'done', result: { ok: true, files: 4 } }] });
      expect((await sysadmin({ url: '/api/v1/jobs?state=bogus' })).statusCode).toBe(400);
    });

    it('downloads a registered file with its digest', async () => {
      const res = await op({ url: `/api/v1/registrations/${regno}/files/${encodeURI('文书/2026/通知.txt')}` });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('关于开展登记备份工作的通知');
      expect(res.headers.digest).toMatch(/^sha-256=/);
    });

    it('adds a version and exports a valid zipped bag', async () => {
      const v2 = await op({
        method: 'POST',
        url: `/api/v1/registrations/${regno}/versions`,
        headers: { 'content-type': 'application/zip' },
        payload: buildZip([{ name: '文书/2026/通知.txt', data: '修订后的通知' }]),
      });
      expect(v2.json()).toMatchObject({ regno, version: 2, storedFiles: 1 });
      const bag = await op({ url: `/api/v1/registrations/${regno}/bag?version=1` });
      expect(bag.statusCode).toBe(200);
      expect(bag.headers['content-type']).toBe('application/zip');
      const file = join(tmp, 'bag.zip');
      await writeFile(file, bag.rawPayload);
      expect((await validateBag(file, {})).violations).toEqual([]);
    });

    it('refuses a traversal zip with 422 and a code, registering nothing', async () => {
      const res = await op({
        method: 'POST',
        url: '/api/v1/registrations?unit=330100',
        headers: { 'content-type': 'application/zip', 'accept-language': 'en' },
        payload: buildZip([{ name: '../../etc/passwd', data: 'x' }]),
      });
      expect(res.statusCode).toBe(422);
      expect(res.json<{ error: { code: string } }>().error.code).toMatch(/^E_/);
      expect((await op({ url: '/api/v1/registrations' })).json<{ total: number }>().total).toBe(1);
    });

    it("cuts off a direct upload over the unit's package limit, declared or not, and registers nothing", async () => {
      const small = await testUnit(center.db, 'SMALL');
      await center.db.units.setLimits(small.id, { maxPackageBytes: 100 });
      const before = (await op({ url: '/api/v1/registrations' })).json<{ total: number }>().total;
      const declared = await op({
        method: 'POST',
        url: '/api/v1/registrations?unit=SMALL',
        headers: { 'content-type': 'application/zip' },
        payload: zip,
      });
      expect(declared.statusCode).toBe(413);
      expect(declared.json()).toMatchObject({
        error: { code: 'E_UPLOAD_TOO_LARGE', details: { limit: 100, unit: 'SMALL' } },
      });
      // A streamed body with no Content-Length is counted as it arrives.
      const streamed = await op({
        method: 'POST',
        url: '/api/v1/registrations?unit=SMALL',
        headers: { 'content-type': 'application/zip' },
        payload: Readable.from([zip.subarray(0, 64), zip.subarray(64)]),
      });
      expect(streamed.statusCode).toBe(413);
      expect((await op({ url: '/api/v1/registrations' })).json<{ total: number }>().total).toBe(before);
    });

    it('answers 404 with a Chinese message for an unknown registration', async () => {
      const res = await op({ url: '/api/v1/registrations/YINJI-1999-000009' });
      expect(res.statusCode).toBe(404);
      expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'E_NOT_FOUND' });
      expect(res.json<{ error: { message: string } }>().error.message).toContain('不存在');
    });

    it('serves an OpenAPI document listing the routes', async () => {
      const doc = (await app.inject({ url: '/openapi.json' })).json<{
        openapi: string;
        paths: Record<string, unknown>;
      }>();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/registrations',
          '/api/v1/registrations/{regno}',
          '/api/v1/registrations/{regno}/bag',
        ]),
      );
    });
  });
}
