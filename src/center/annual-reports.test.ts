import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { actorOf, ForbiddenError, type AssignableRole, type UserActor } from '../auth/index.js';
import { ConflictError, fixedClock, InvalidInputError, NotFoundError } from '../core/index.js';
import {
  annualReportOverview,
  getAnnualReport,
  saveAnnualReport,
  submitAnnualReport,
  type AnnualReportForm,
} from './annual-reports.js';
import { Center } from './center.js';

const databases = withTestDatabases();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-annual-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const FULL: AnnualReportForm = {
  archivesTotalItems: 120_345,
  electronicRecordsItems: 45_678,
  electronicRecordsGB: 12.345,
  digitizedGB: 3000,
  backupsThisYear: 4,
  carriers: [
    { type: 'optical-disc', count: 12 },
    { type: 'online', count: 1 },
  ],
  recordsSystem: '某某档案管理系统 V5',
  responsiblePerson: '张三',
  contactPhone: '0571-88888888转123',
};

for (const dialect of TEST_DIALECTS) {
  describe(`annual reports on ${dialect}`, () => {
    async function open(name: string) {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-${name}`),
        config: { database: await databases.fresh(dialect) },
        clock: fixedClock('2026-03-01T08:00:00.000Z'),
      });
      const { db } = center;
      const a = await db.units.create({ code: 'A', name: '甲局' });
      const b = await db.units.create({ code: 'B', name: '乙局' });
      const c = await db.units.create({ code: 'C', name: '丙局' });
      const user = async (username: string, unitId: number | null, role: AssignableRole): Promise<UserActor> => {
        const u = await db.users.create({
          username,
          displayName: username,
          unitId,
          passwordHash: null,
          clearance: 'open',
        });
        await db.users.addRole(u.id, role, 'test');
        return actorOf((await db.users.getById(u.id))!);
      };
      return {
        center,
        units: { a, b, c },
        mgrA: await user('mgr-a', a.id, 'unit-manager'),
        mgrB: await user('mgr-b', b.id, 'unit-manager'),
        depA: await user('dep-a', a.id, 'depositor'),
        op: await user('op', null, 'operator'),
      };
    }

    it('validates the form strictly, field by field', async () => {
      const w = await open('validate');
      try {
        const save = (form: unknown, year = 2025) =>
          saveAnnualReport(w.center, w.mgrA, { year, form: form as AnnualReportForm });
        const field = async (form: unknown, year?: number) => {
          const e = await save(form, year).catch((err: unknown) => err);
          expect(e).toBeInstanceOf(InvalidInputError);
          return (e as InvalidInputError).details.field;
        };
        expect(await field({ ...FULL, archivesCount: 1 })).toBe('archivesCount');
        expect(await field({ archivesTotalItems: -1 })).toBe('archivesTotalItems');
        expect(await field({ backupsThisYear: 1.5 })).toBe('backupsThisYear');
        expect(await field({ electronicRecordsGB: 1.2345 })).toBe('electronicRecordsGB');
        expect(await field({ digitizedGB: '3' })).toBe('digitizedGB');
        expect(await field({ carriers: [{ type: 'floppy', count: 1 }] })).toBe('carriers[0].type');
        expect(await field({ carriers: [{ type: 'tape', count: 1, serial: 'x' }] })).toBe('carriers[0].serial');
        expect(
          await field({
            carriers: [
              { type: 'tape', count: 1 },
              { type: 'tape', count: 2 },
            ],
          }),
        ).toBe('carriers[1].type');
        expect(await field({ remarks: '备'.repeat(2001) })).toBe('remarks');
        expect(await field({ contactPhone: 'call me' })).toBe('contactPhone');
        expect(await field([])).toBe('form');
        expect(await field({}, 1999)).toBe('year');
        expect(await field({}, 2027)).toBe('year');
        expect((await save({ remarks: '备'.repeat(2000), electronicRecordsGB: 0.001 })).status).toBe('draft');
        expect((await save({}, 2026)).year).toBe(2026);
      } finally {
        await w.center.close();
      }
    });

    it('saves drafts, submits once complete, then no longer changes', async () => {
      const w = await open('submit');
      try {
        await expect(saveAnnualReport(w.center, w.depA, { year: 2025, form: FULL })).rejects.toBeInstanceOf(
          ForbiddenError,
        );
        await expect(saveAnnualReport(w.center, w.op, { year: 2025, form: FULL })).rejects.toBeInstanceOf(
          ForbiddenError,
        );
        await expect(submitAnnualReport(w.center, w.mgrA, 2025)).rejects.toBeInstanceOf(NotFoundError);

        const partial = await saveAnnualReport(w.center, w.mgrA, { year: 2025, form: { archivesTotalItems: 1 } });
        expect(partial).toMatchObject({ unitId: w.units.a.id, year: 2025, status: 'draft', updatedBy: w.mgrA.userId });
        const missing = await submitAnnualReport(w.center, w.mgrA, 2025).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(InvalidInputError);
        expect((missing as InvalidInputError).details.missing).toContain('contactPhone');
        expect((missing as InvalidInputError).details.missing).not.toContain('remarks');

        await saveAnnualReport(w.center, w.mgrA, { year: 2025, form: FULL });
        const submitted = await submitAnnualReport(w.center, w.mgrA, 2025);
        expect(submitted).toMatchObject({ status: 'submitted', submittedAt: expect.any(String), form: FULL });
        await expect(saveAnnualReport(w.center, w.mgrA, { year: 2025, form: FULL })).rejects.toBeInstanceOf(
          ConflictError,
        );
        await expect(submitAnnualReport(w.center, w.mgrA, 2025)).rejects.toBeInstanceOf(ConflictError);
        expect(await getAnnualReport(w.center, w.mgrA, { year: 2025 })).toEqual(submitted);
        expect(await getAnnualReport(w.center, w.op, { unitId: w.units.a.id, year: 2025 })).toEqual(submitted);
        const audit = await w.center.db.auditLog.list();
        expect(audit.map((e) => [e.action, e.actor, e.target])).toContainEqual([
          'annual-report-submit',
          'mgr-a',
          `annual-report:${w.units.a.id}:2025`,
        ]);
      } finally {
        await w.center.close();
      }
    });

    it("answers another unit's report as one that does not exist; the center sees every unit", async () => {
      const w = await open('scope');
      try {
        await saveAnnualReport(w.center, w.mgrA, { year: 2025, form: FULL });
        await submitAnnualReport(w.center, w.mgrA, 2025);
        await saveAnnualReport(w.center, w.mgrB, { year: 2025, form: { remarks: '草稿' } });

        /** The error as a client sees it, with the unit id it was about written as `#`. */
        const seen = async (p: Promise<unknown>, unitId: number) => {
          const e = await p.then(
            () => undefined,
            (err: unknown) => err,
          );
          expect(e).toBeInstanceOf(NotFoundError);
          const n = e as NotFoundError;
          const text = JSON.stringify({ code: n.code, message: n.message, zh: n.zh, details: n.details });
          return text.replace(new RegExp(`(?<![0-9])${unitId}(?![0-9])`, 'g'), '#');
        };
        const { a, c } = w.units;
        // Unit C exists and has not reported: the answer about unit A's report is the same.
        expect(await seen(getAnnualReport(w.center, w.mgrB, { unitId: a.id, year: 2025 }), a.id)).toBe(
          await seen(getAnnualReport(w.center, w.op, { unitId: c.id, year: 2025 }), c.id),
        );
        expect(await seen(getAnnualReport(w.center, w.mgrB, { unitId: a.id, year: 2025 }), a.id)).toBe(
          await seen(getAnnualReport(w.center, w.mgrB, { unitId: 999_999, year: 2025 }), 999_999),
        );
        await expect(getAnnualReport(w.center, w.op, { year: 2025 })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(getAnnualReport(w.center, w.depA, { year: 2025 })).rejects.toBeInstanceOf(ForbiddenError);

        const overview = await annualReportOverview(w.center, w.op, 2025);
        expect(overview.map((r) => [r.unitCode, r.status])).toEqual([
          ['A', 'submitted'],
          ['B', 'draft'],
          ['C', 'missing'],
        ]);
        expect(overview[0]).toMatchObject({ unitName: '甲局', submittedAt: expect.any(String) });
        expect(overview[2]).toMatchObject({ updatedAt: null, submittedAt: null });
        expect((await annualReportOverview(w.center, w.op, 2024)).map((r) => r.status)).toEqual([
          'missing',
          'missing',
          'missing',
        ]);
        expect((await annualReportOverview(w.center, w.mgrB, 2025)).map((r) => [r.unitCode, r.status])).toEqual([
          ['B', 'draft'],
        ]);
      } finally {
        await w.center.close();
      }
    });
  });
}
