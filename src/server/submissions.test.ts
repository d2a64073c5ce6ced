/**
 * The registration workflow over HTTP (issue 5 item 3, DOMAIN.md §3): a
 * unit's depositor creates a submission with its registration form, uploads
 * the package, self-checks and submits it; a center operator reviews it and
 * registers it or returns it with reasons. The unit's manager files the
 * annual report (年度报送); the center sees who has and who has not.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import { Center } from '../center/index.js';
import type { Submission, SubmissionEvent } from '../db/index.js';
import { buildZip } from '../packages/test-support/raw-zip.js';
import { buildApp } from './app.js';
import { injectAs, type Inject } from './test-support/inject.js';

const databases = withTestDatabases();

const zip = buildZip([
  { name: '文书/2026/关于年度登记备份的通知.txt', data: '请各单位按时报送电子档案' },
  { name: '照片/会议.jpg', data: Buffer.alloc(3000, 5) },
]);
const packageDigest = `sha256:${createHash('sha256').update(zip).digest('hex')}`;

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

function ok<T>(res: LightMyRequestResponse, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return res.json<T>();
}

for (const dialect of TEST_DIALECTS) {
  describe(`submissions and annual reports over HTTP on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let app: FastifyInstance;
    let depA: Inject;
    let depB: Inject;
    let mgrA: Inject;
    let op: Inject;
    let unitA: number;
    let unitB: number;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-submissions-http-${dialect}-`));
      center = await Center.open({ dataDir: join(tmp, 'data'), config: { database: await databases.fresh(dialect) } });
      app = await buildApp(center, { logger: false });
      const a = await testUnit(center.db, '330100', '杭州市档案馆');
      const b = await testUnit(center.db, '330200', '宁波市档案馆');
      [unitA, unitB] = [a.id, b.id];
      depA = injectAs(app, await testAccount(center, { username: 'dep-a', roles: ['depositor'], unit: a }));
      depB = injectAs(app, await testAccount(center, { username: 'dep-b', roles: ['depositor'], unit: b }));
      mgrA = injectAs(app, await testAccount(center, { username: 'mgr-a', roles: ['unit-manager'], unit: a }));
      op = injectAs(app, await testAccount(center, { username: 'op', roles: ['operator'] }));
    });

    afterAll(async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    /** Create, upload, self-check and submit a package as depA; the submission, now 'submitted'. */
    async function submitted(title: string): Promise<Submission> {
      const created = ok<Submission>(
        await depA({ method: 'POST', url: '/api/v1/submissions', payload: { title, declared: { packageDigest } } }),
      );
      expect(created).toMatchObject({ title, status: 'draft', unitId: unitA, declared: { packageDigest } });
      const uploaded = ok<Submission>(
        await depA({
          method: 'PUT',
          url: `/api/v1/submissions/${created.id}/package`,
          headers: { 'content-type': 'application/zip' },
          payload: zip,
        }),
      );
      expect(uploaded).toMatchObject({ status: 'uploaded', packageBytes: zip.length });
      const checked = ok<{ submission: Submission; report: { blocked: boolean } }>(
        await depA({ method: 'POST', url: `/api/v1/submissions/${created.id}/self-check` }),
      );
      expect(checked.report.blocked).toBe(false);
      expect(checked.submission.status).toBe('self-checked');
      const done = ok<Submission>(await depA({ method: 'POST', url: `/api/v1/submissions/${created.id}/submit` }));
      expect(done.status).toBe('submitted');
      return done;
    }

    const review = (id: number, payload: object) =>
      op({ method: 'POST', url: `/api/v1/submissions/${id}/review`, payload });

    it('takes a package from the unit to a registration the unit can see', async () => {
      const s = await submitted('2026年文书档案');

      const queue = ok<{ items: Array<Submission & { unitCode: string }>; total: number }>(
        await op({ url: '/api/v1/review/queue' }),
      );
      expect(queue.items.map((x) => x.id)).toContain(s.id);
      // The reviewer reads which unit sent it, not its row id.
      const sender = (await center.db.units.getById(s.unitId))!;
      expect(queue.items.find((x) => x.id === s.id)).toMatchObject({ unitCode: sender.code, unitName: sender.name });
      expect(
        ok<{ submission: { unitCode: string } }>(await op({ url: `/api/v1/submissions/${s.id}` })).submission,
      ).toMatchObject({ unitCode: sender.code });
      // Another unit's depositor does not see it: "not found", like a submission that does not exist.
      const hidden = await depB({ url: `/api/v1/submissions/${s.id}` });
      expect(hidden.statusCode).toBe(404);
      expect(ok<{ items: Submission[] }>(await depB({ url: '/api/v1/submissions' })).items).toEqual([]);

      const started = ok<Submission>(await review(s.id, { decision: 'start' }));
      expect(started.status).toBe('under-review');
      const registered = ok<Submission>(await review(s.id, { decision: 'approve' }));
      expect(registered.status).toBe('registered');
      expect(registered.regno).toMatch(/^YINJI-\d{4}-\d{6}$/);
      expect(ok<{ items: Submission[] }>(await op({ url: '/api/v1/review/queue' })).items).toEqual([]);

      const reg = ok<{ regno: string; title: string; unitId: number }>(
        await depA({ url: `/api/v1/registrations/${registered.regno!}` }),
      );
      expect(reg).toMatchObject({ regno: registered.regno, title: '2026年文书档案', unitId: unitA });
      expect((await depB({ url: `/api/v1/registrations/${registered.regno!}` })).statusCode).toBe(404);

      const mine = ok<{ items: Submission[] }>(await depA({ url: '/api/v1/submissions?status=registered' }));
      expect(mine.items.map((x) => x.regno)).toEqual([registered.regno]);
    });

    it('returns a package with reasons the unit sees, with who did what when', async () => {
      const s = await submitted('2026年照片档案');
      ok(await review(s.id, { decision: 'start' }));
      const noReasons = await review(s.id, { decision: 'return' });
      expect(noReasons.statusCode).toBe(400);
      const reasons = ['缺少归档说明', '照片未著录拍摄时间'];
      const returned = ok<Submission>(await review(s.id, { decision: 'return', reasons }));
      expect(returned).toMatchObject({ status: 'returned', reasons, regno: null });

      const seen = ok<{ submission: Submission; events: SubmissionEvent[] }>(
        await depA({ url: `/api/v1/submissions/${s.id}` }),
      );
      expect(seen.submission).toMatchObject({ status: 'returned', reasons });
      expect(seen.events.map((e) => [e.fromStatus, e.toStatus, e.actor])).toEqual([
        [null, 'draft', 'dep-a'],
        ['draft', 'uploaded', 'dep-a'],
        ['uploaded', 'self-checked', 'dep-a'],
        ['self-checked', 'submitted', 'dep-a'],
        ['submitted', 'under-review', 'op'],
        ['under-review', 'returned', 'op'],
      ]);
      for (const e of seen.events) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
      const times = seen.events.map((e) => Date.parse(e.at));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(seen.events.at(-1)!.note).toContain('缺少归档说明');

      // The unit can upload a corrected package to the returned submission.
      const again = await depA({
        method: 'PUT',
        url: `/api/v1/submissions/${s.id}/package`,
        headers: { 'content-type': 'application/zip' },
        payload: zip,
      });
      expect(ok<Submission>(again).status).toBe('uploaded');
    });

    it('keeps each role to its side: a depositor cannot review, an operator cannot submit for a unit', async () => {
      const s = ok<Submission>(await depA({ method: 'POST', url: '/api/v1/submissions', payload: { title: '越权' } }));
      const byDepositor = await depA({
        method: 'POST',
        url: `/api/v1/submissions/${s.id}/review`,
        payload: { decision: 'start' },
      });
      expect(byDepositor.statusCode).toBe(403);
      expect(byDepositor.json<ErrorBody>().error.code).toBe('E_FORBIDDEN');
      expect((await depA({ url: '/api/v1/review/queue' })).statusCode).toBe(403);

      const byOperator = await op({ method: 'POST', url: '/api/v1/submissions', payload: { title: '代报' } });
      expect(byOperator.statusCode).toBe(403);
      expect(byOperator.json<ErrorBody>().error.code).toBe('E_FORBIDDEN');
      const submitByOperator = await op({ method: 'POST', url: `/api/v1/submissions/${s.id}/submit` });
      expect(submitByOperator.statusCode).toBe(403);

      // A unit manager may not review either, and nobody signed in may do anything.
      expect((await mgrA({ method: 'POST', url: `/api/v1/submissions/${s.id}/review`, payload: {} })).statusCode).toBe(
        403,
      );
      expect((await app.inject({ url: `/api/v1/submissions/${s.id}` })).statusCode).toBe(401);
    });

    it('files the annual report; the center sees who has reported and who has not', async () => {
      const year = new Date().getUTCFullYear();
      const unknown = await mgrA({
        method: 'PUT',
        url: `/api/v1/annual-reports/${year}`,
        headers: { 'accept-language': 'en' },
        payload: { form: { archivesTotalItems: 1, colour: 'red' } },
      });
      expect(unknown.statusCode).toBe(400);
      const error = unknown.json<ErrorBody>().error;
      expect(error).toMatchObject({ code: 'E_INVALID_INPUT', details: { field: 'colour' } });
      expect(error.message).toContain('colour');
      // Outside the form too.
      expect(
        (
          await mgrA({
            method: 'PUT',
            url: `/api/v1/annual-reports/${year}`,
            payload: { form: {}, colour: 'red' },
          })
        ).statusCode,
      ).toBe(400);

      const form = {
        archivesTotalItems: 120_000,
        electronicRecordsItems: 45_000,
        electronicRecordsGB: 812.375,
        digitizedGB: 2048.5,
        backupsThisYear: 4,
        carriers: [
          { type: 'optical-disc', count: 12 },
          { type: 'tape', count: 2 },
        ],
        recordsSystem: '档案管理系统 v5',
        responsiblePerson: '王芳',
        contactPhone: '0571-87000000',
        remarks: '',
      };
      const draft = ok<{ status: string; unitId: number; year: number; form: object }>(
        await mgrA({ method: 'PUT', url: `/api/v1/annual-reports/${year}`, payload: { form } }),
      );
      expect(draft).toMatchObject({ status: 'draft', unitId: unitA, year, form });
      // The depositor files nothing; the operator reads but does not file.
      expect((await depA({ method: 'PUT', url: `/api/v1/annual-reports/${year}`, payload: { form } })).statusCode).toBe(
        403,
      );
      expect((await op({ method: 'POST', url: `/api/v1/annual-reports/${year}/submit` })).statusCode).toBe(403);

      const submitted = ok<{ status: string; submittedAt: string | null }>(
        await mgrA({ method: 'POST', url: `/api/v1/annual-reports/${year}/submit` }),
      );
      expect(submitted.status).toBe('submitted');
      expect(submitted.submittedAt).not.toBeNull();
      const late = await mgrA({ method: 'PUT', url: `/api/v1/annual-reports/${year}`, payload: { form } });
      expect(late.statusCode).toBe(409);

      const overview = ok<{ items: { unitId: number; unitCode: string; status: string }[] }>(
        await op({ url: `/api/v1/annual-reports/${year}` }),
      );
      expect(overview.items.map((r) => [r.unitId, r.unitCode, r.status])).toEqual([
        [unitA, '330100', 'submitted'],
        [unitB, '330200', 'missing'],
      ]);
      const one = ok<{ form: object }>(await op({ url: `/api/v1/annual-reports/${year}/units/${unitA}` }));
      expect(one.form).toEqual(form);
      // The unit manager sees only the own unit.
      expect(ok<{ items: { unitId: number }[] }>(await mgrA({ url: `/api/v1/annual-reports/${year}` })).items).toEqual([
        expect.objectContaining({ unitId: unitA, status: 'submitted' }),
      ]);
      expect((await mgrA({ url: `/api/v1/annual-reports/${year}/units/${unitB}` })).statusCode).toBe(404);
    });
  });
}
