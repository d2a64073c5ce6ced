import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { writeFourPropertiesFixtures, type Fixture } from '../../test/support/four-properties-fixtures.js';
import { actorOf, ForbiddenError, type AssignableRole, type UserActor } from '../auth/index.js';
import { ConflictError, InvalidInputError, NotFoundError, YinjiError } from '../core/index.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { getRegistration } from './queries.js';
import { stagingPath, SUBMISSIONS_DIR } from './staging.js';
import { approveSubmission, returnSubmission, reviewQueue, startReview } from './submission-review.js';
import { approvalLeaseName, approvalMessage, recoverInterruptedApprovals } from './submission-recovery.js';
import { submissionNotFound } from './submission-states.js';
import {
  attachPackage,
  createSubmission,
  getSubmission,
  listSubmissions,
  selfCheckSubmission,
  submitSubmission,
  withdrawSubmission,
} from './submissions.js';

const databases = withTestDatabases();
let tmp: string;
let fixtures: Record<string, Fixture>;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-submissions-'));
  fixtures = await writeFourPropertiesFixtures(join(tmp, 'fixtures'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** An error as a client sees it, with the id it was about written as `#`. */
async function seen(p: Promise<unknown>, id: number): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(YinjiError);
  const y = e as YinjiError;
  const text = JSON.stringify({ name: y.name, code: y.code, message: y.message, zh: y.zh, details: y.details });
  return text.replace(new RegExp(`(?<![0-9])${id}(?![0-9])`, 'g'), '#');
}

for (const dialect of TEST_DIALECTS) {
  describe(`submission workflow on ${dialect}`, () => {
    interface World {
      center: Center;
      depA: UserActor;
      mgrA: UserActor;
      depB: UserActor;
      op1: UserActor;
      op2: UserActor;
    }

    async function open(name: string): Promise<World> {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-${name}`),
        config: { database: await databases.fresh(dialect) },
      });
      const { db } = center;
      const a = await db.units.create({ code: 'Z109', name: '杭州市档案局' });
      const b = await db.units.create({ code: 'Z200', name: '宁波市档案局' });
      const user = async (
        username: string,
        unitId: number | null,
        role: AssignableRole,
        clearance = 'open',
      ): Promise<UserActor> => {
        const u = await db.users.create({ username, displayName: username, unitId, passwordHash: null, clearance });
        await db.users.addRole(u.id, role, 'test');
        return actorOf((await db.users.getById(u.id))!);
      };
      return {
        center,
        depA: await user('dep-a', a.id, 'depositor'),
        mgrA: await user('mgr-a', a.id, 'unit-manager'),
        depB: await user('dep-b', b.id, 'depositor'),
        op1: await user('op1', null, 'operator', 'internal'),
        op2: await user('op2', null, 'operator', 'internal'),
      };
    }

    /** Put a package into the staging directory, as the upload route does, and attach it. */
    async function upload(w: World, actor: UserActor, id: number, fixture: string) {
      const file = stagingPath(w.center.config.stagingDir, 'upload');
      await copyFile(fixtures[fixture]!.path, file);
      return attachPackage(w.center, actor, id, file, (await stat(file)).size);
    }

    async function packagesOf(w: World, id: number): Promise<string[]> {
      const names = await readdir(join(w.center.config.stagingDir, SUBMISSIONS_DIR)).catch(() => [] as string[]);
      return names.filter((n) => n.startsWith(`${id}-`));
    }

    async function toReview(w: World, fixture = 'good-eep') {
      const s = await createSubmission(w.center, w.depA, { title: '2025年文书档案' });
      await upload(w, w.depA, s.id, fixture);
      await selfCheckSubmission(w.center, w.depA, s.id);
      await submitSubmission(w.center, w.depA, s.id);
      return startReview(w.center, w.op1, s.id);
    }

    it('goes from draft to registered, every step kept with who and when', async () => {
      const w = await open('happy');
      try {
        const bytes = await readFile(fixtures['good-eep']!.path);
        const s = await createSubmission(w.center, w.depA, {
          title: '2025年文书档案',
          declared: { packageDigest: `SHA-256:${createHash('sha256').update(bytes).digest('hex')}`, itemCount: 1 },
          carrier: { type: 'optical-disc', serials: [' DVD-0001 '] },
          note: '第一批',
        });
        expect(s).toMatchObject({ status: 'draft', classification: 'open', unitId: w.depA.unitId });
        expect(s.declared).toMatchObject({ itemCount: 1, carrier: { type: 'optical-disc', serials: ['DVD-0001'] } });

        const uploaded = await upload(w, w.depA, s.id, 'good-eep');
        expect(uploaded).toMatchObject({ status: 'uploaded', packageBytes: bytes.length });
        expect(await packagesOf(w, s.id)).toHaveLength(1);

        const checked = await selfCheckSubmission(w.center, w.depA, s.id);
        expect(checked.report.blocked).toBe(false);
        expect(checked.submission.status).toBe('self-checked');
        expect(checked.submission.checkReport).toMatchObject({ blocked: false, stage: 'YJ' });

        expect((await submitSubmission(w.center, w.depA, s.id)).status).toBe('submitted');
        expect((await reviewQueue(w.center, w.op1)).items.map((x) => x.id)).toEqual([s.id]);
        expect((await startReview(w.center, w.op1, s.id)).reviewerId).toBe(w.op1.userId);
        const done = await approveSubmission(w.center, w.op1, s.id);
        expect(done).toMatchObject({ status: 'registered', packagePath: null });
        expect(done.regno).toMatch(/^YINJI-\d{4}-000001$/);
        expect(await packagesOf(w, s.id)).toEqual([]);
        expect((await reviewQueue(w.center, w.op1)).items).toEqual([]);

        const reg = await getRegistration(w.center, done.regno!);
        expect(reg).toMatchObject({ unitId: w.depA.unitId, title: '2025年文书档案', classification: 'open' });

        const { events } = await getSubmission(w.center, w.depA, s.id);
        expect(events.map((e) => [e.fromStatus, e.toStatus, e.actor, e.actorId])).toEqual([
          [null, 'draft', 'dep-a', w.depA.userId],
          ['draft', 'uploaded', 'dep-a', w.depA.userId],
          ['uploaded', 'self-checked', 'dep-a', w.depA.userId],
          ['self-checked', 'submitted', 'dep-a', w.depA.userId],
          ['submitted', 'under-review', 'op1', w.op1.userId],
          ['under-review', 'approved', 'op1', w.op1.userId],
          ['approved', 'registered', 'op1', w.op1.userId],
        ]);
        expect(events[0]!.note).toBe('第一批');
        expect(events.at(-1)!.note).toBe(done.regno);
        for (const e of events) expect(new Date(e.at).toISOString()).toBe(e.at);

        const audit = await w.center.db.auditLog.list();
        expect(audit.map((a) => [a.action, a.actor])).toEqual(
          expect.arrayContaining([
            ['submit', 'dep-a'],
            ['review-start', 'op1'],
            ['deposit', 'op1'],
            ['review-approve', 'op1'],
          ]),
        );
        // A registered submission is closed.
        await expect(withdrawSubmission(w.center, w.depA, s.id)).rejects.toBeInstanceOf(ConflictError);
      } finally {
        await w.center.close();
      }
    });

    it('keeps a submission whose self-check is blocked in "uploaded", with its report', async () => {
      const w = await open('blocked');
      try {
        const s = await createSubmission(w.center, w.depA, { title: '坏包' });
        await expect(selfCheckSubmission(w.center, w.depA, s.id)).rejects.toThrow(/草稿|draft/);
        await upload(w, w.depA, s.id, 'malformed-eep');
        const { submission, report } = await selfCheckSubmission(w.center, w.depA, s.id);
        expect(report.blocked).toBe(true);
        expect(submission.status).toBe('uploaded');
        expect(submission.checkReport).toMatchObject({ blocked: true });
        const refused = submitSubmission(w.center, w.depA, s.id);
        await expect(refused).rejects.toBeInstanceOf(ConflictError);
        await expect(refused).rejects.toMatchObject({
          zh: `提交 ${s.id} 当前状态为“已上传”，不能提交；请先自检；自检未通过的，请修正后重新上传登记包`,
          details: { submission: s.id, status: 'uploaded', step: 'submit' },
        });
        // A corrected package replaces the bad one (whose file goes) and passes.
        const [bad] = await packagesOf(w, s.id);
        await upload(w, w.depA, s.id, 'good-eep');
        expect(await packagesOf(w, s.id)).not.toContain(bad);
        expect((await selfCheckSubmission(w.center, w.depA, s.id)).submission.status).toBe('self-checked');
      } finally {
        await w.center.close();
      }
    });

    it('returns with reasons; a new package then goes round again to registration', async () => {
      const w = await open('returned');
      try {
        const s = await toReview(w);
        await expect(returnSubmission(w.center, w.op1, s.id, [])).rejects.toBeInstanceOf(InvalidInputError);
        await expect(returnSubmission(w.center, w.op1, s.id, ['x'.repeat(501)])).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(returnSubmission(w.center, w.depA, s.id, ['不行'])).rejects.toBeInstanceOf(ForbiddenError);
        const returned = await returnSubmission(w.center, w.op1, s.id, [
          ' 目录缺少第3件的页数 ',
          '载体编号与登记表不符',
        ]);
        expect(returned).toMatchObject({
          status: 'returned',
          reasons: ['目录缺少第3件的页数', '载体编号与登记表不符'],
        });

        await expect(selfCheckSubmission(w.center, w.depA, s.id)).rejects.toMatchObject({
          code: 'E_CONFLICT',
          zh: `提交 ${s.id} 当前状态为“已退回”，不能自检；请重新上传登记包后再自检`,
        });
        await expect(approveSubmission(w.center, w.op1, s.id)).rejects.toMatchObject({
          code: 'E_CONFLICT',
          zh: `提交 ${s.id} 当前状态为“已退回”，不能批准登记；已退回，等待单位重新上传登记包`,
        });

        await upload(w, w.depA, s.id, 'good-eep');
        await selfCheckSubmission(w.center, w.depA, s.id);
        await submitSubmission(w.center, w.depA, s.id);
        await startReview(w.center, w.op2, s.id);
        const done = await approveSubmission(w.center, w.op2, s.id);
        expect(done.status).toBe('registered');
        const { events } = await getSubmission(w.center, w.op1, s.id);
        expect(events.map((e) => e.toStatus)).toEqual([
          'draft',
          'uploaded',
          'self-checked',
          'submitted',
          'under-review',
          'returned',
          'uploaded',
          'self-checked',
          'submitted',
          'under-review',
          'approved',
          'registered',
        ]);
        expect(events[5]).toMatchObject({ actor: 'op1', note: '目录缺少第3件的页数；载体编号与登记表不符' });
      } finally {
        await w.center.close();
      }
    });

    it('returns a submission the check at registration blocks, with the failed items as reasons', async () => {
      const w = await open('approve-blocked');
      try {
        const s = await toReview(w);
        // The package changed on disk after the self-check (it must never, but the deposit checks again).
        const current = (await w.center.db.submissions.getById(s.id))!;
        await copyFile(fixtures['malformed-eep']!.path, join(w.center.config.stagingDir, current.packagePath!));
        const returned = await approveSubmission(w.center, w.op1, s.id);
        expect(returned.status).toBe('returned');
        expect(returned.regno).toBeNull();
        expect(returned.reasons.join()).toContain('YJ-3-1');
        expect(returned.checkReport).toMatchObject({ blocked: true });
        expect((await w.center.db.registrations.list()).total).toBe(0);
      } finally {
        await w.center.close();
      }
    });

    it("answers another unit's submission exactly as one that does not exist", async () => {
      const w = await open('scope');
      try {
        const s = await toReview(w, 'good-eep');
        const draft = await createSubmission(w.center, w.depA, { title: '草稿' });
        const missing = 987_654;
        const file = stagingPath(w.center.config.stagingDir, 'upload');
        await writeFile(file, 'x');
        const calls: [string, (id: number) => Promise<unknown>][] = [
          ['attach', (id) => attachPackage(w.center, w.depB, id, file, 1)],
          ['self-check', (id) => selfCheckSubmission(w.center, w.depB, id)],
          ['submit', (id) => submitSubmission(w.center, w.depB, id)],
          ['withdraw', (id) => withdrawSubmission(w.center, w.depB, id)],
          ['get', (id) => getSubmission(w.center, w.depB, id)],
        ];
        for (const [name, call] of calls) {
          for (const id of [s.id, draft.id]) {
            const foreign = await seen(call(id), id);
            expect(foreign, name).toEqual(await seen(call(missing), missing));
            expect(foreign, name).toEqual(await seen(Promise.reject(submissionNotFound(id)), id));
          }
        }
        await expect(getSubmission(w.center, w.depB, s.id)).rejects.toBeInstanceOf(NotFoundError);
        expect(await readFile(file, 'utf8')).toBe('x'); // the other unit's upload was not touched
        expect((await listSubmissions(w.center, w.depB)).items).toEqual([]);
        expect((await listSubmissions(w.center, w.depA)).items.map((x) => x.id)).toEqual([s.id, draft.id]);
        expect((await listSubmissions(w.center, w.mgrA, { status: 'draft' })).items.map((x) => x.id)).toEqual([
          draft.id,
        ]);
        expect((await listSubmissions(w.center, w.op1)).total).toBe(2);
        await expect(listSubmissions(w.center, w.op1, { status: 'done' })).rejects.toBeInstanceOf(InvalidInputError);
        // Unit users do not review; the center does not deposit for a unit.
        await expect(startReview(w.center, w.depA, s.id)).rejects.toBeInstanceOf(ForbiddenError);
        await expect(reviewQueue(w.center, w.depA)).rejects.toBeInstanceOf(ForbiddenError);
        await expect(createSubmission(w.center, w.op1, { title: 't' })).rejects.toBeInstanceOf(ForbiddenError);
        await expect(attachPackage(w.center, w.op1, draft.id, file, 1)).rejects.toBeInstanceOf(ForbiddenError);
      } finally {
        await w.center.close();
      }
    });

    it('registers once when two operators approve at once; the other is told what happened', async () => {
      const w = await open('race');
      try {
        const s = await toReview(w);
        const results = await Promise.allSettled([
          approveSubmission(w.center, w.op1, s.id),
          approveSubmission(w.center, w.op2, s.id),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
        expect((lost[0]!.reason as ConflictError).zh).toMatch(
          new RegExp(
            `^提交 ${s.id} (刚被他人处理，当前状态为“(已批准，正在登记|已登记)”，未能批准登记|当前状态为“(已批准，正在登记|已登记)”，不能批准登记|正由他人批准登记，未能批准登记)`,
          ),
        );
        expect((await w.center.db.registrations.list()).total).toBe(1);
        const events = (await getSubmission(w.center, w.op1, s.id)).events;
        expect(events.filter((e) => e.toStatus === 'approved')).toHaveLength(1);
        expect(events.at(-1)!.toStatus).toBe('registered');
      } finally {
        await w.center.close();
      }
    });

    it('refuses classified material and material above the depositor’s clearance; withdraws', async () => {
      const w = await open('classified');
      try {
        await expect(
          createSubmission(w.center, w.depA, { title: '涉密', classification: 'secret' }),
        ).rejects.toBeInstanceOf(ForbiddenError);
        await expect(
          createSubmission(w.center, w.depA, { title: '内部', classification: 'internal' }),
        ).rejects.toBeInstanceOf(ForbiddenError);
        await expect(createSubmission(w.center, w.depA, { title: ' ' })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(
          createSubmission(w.center, w.depA, { title: 't', declared: { packageDigest: 'md5:123' } }),
        ).rejects.toBeInstanceOf(InvalidInputError);
        await expect(
          createSubmission(w.center, w.depA, { title: 't', carrier: { type: 'floppy' as 'tape' } }),
        ).rejects.toBeInstanceOf(InvalidInputError);
        expect((await listSubmissions(w.center, w.op1)).total).toBe(0);

        const s = await createSubmission(w.center, w.depA, { title: '撤回的' });
        await upload(w, w.depA, s.id, 'good-eep');
        await selfCheckSubmission(w.center, w.depA, s.id);
        await submitSubmission(w.center, w.depA, s.id);
        const gone = await withdrawSubmission(w.center, w.depA, s.id);
        expect(gone).toMatchObject({ status: 'withdrawn', packagePath: null });
        expect(await packagesOf(w, s.id)).toEqual([]);
        await expect(startReview(w.center, w.op1, s.id)).rejects.toMatchObject({
          code: 'E_CONFLICT',
          details: { status: 'withdrawn' },
        });
        const other = await toReview(w);
        await expect(withdrawSubmission(w.center, w.depA, other.id)).rejects.toMatchObject({
          zh: `提交 ${other.id} 当前状态为“审核中”，不能撤回；中心正在审核，请等待审核结果`,
        });
      } finally {
        await w.center.close();
      }
    });
    it('settles an approval whose process died: finishes it if registered, reopens it if not, leaves a live one', async () => {
      const w = await open('crashed-approval');
      try {
        const { center, op1 } = w;
        const approve = (id: number) =>
          center.db.submissions.transition(id, {
            from: ['under-review'],
            to: 'approved',
            actor: 'op1',
            actorId: op1.userId,
          });
        // Died before registering anything.
        const early = await toReview(w);
        await approve(early.id);
        // Died after the registration was made, before the submission learnt its number.
        const late = await toReview(w);
        await approve(late.id);
        const unit = (await center.db.units.getById(late.unitId))!;
        const made = await deposit(center, {
          source: join(
            center.config.stagingDir,
            (await getSubmission(center, w.depA, late.id)).submission.packagePath!,
          ),
          unit: unit.code,
          title: late.title,
          message: approvalMessage(late.id),
          agent: op1,
        });
        // Still being registered by a live process: left alone.
        const live = await toReview(w);
        await approve(live.id);
        await center.db.leases.acquire(approvalLeaseName(live.id), `${center.instanceId}-other`, 60_000, () => false);

        expect(await recoverInterruptedApprovals(center)).toEqual({ completed: [late.id], reopened: [early.id] });
        expect((await getSubmission(center, w.depA, early.id)).submission.status).toBe('under-review');
        expect((await getSubmission(center, w.depA, late.id)).submission).toMatchObject({
          status: 'registered',
          regno: made.regno,
          packagePath: null,
        });
        expect(await packagesOf(w, late.id)).toEqual([]);
        expect((await getSubmission(center, w.depA, live.id)).submission.status).toBe('approved');
        // The reopened one is approved again, once: one registration each.
        expect((await approveSubmission(center, op1, early.id)).status).toBe('registered');
        expect((await center.db.registrations.list()).total).toBe(2);
      } finally {
        await w.center.close();
      }
    });
  });
}
