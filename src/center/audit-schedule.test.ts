import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { writeFourPropertiesFixtures, type Fixture } from '../../test/support/four-properties-fixtures.js';
import { silentLogger, type Clock, type Logger } from '../core/index.js';
import { FIXITY_EVENT, auditOverview, enqueueDueAudits } from './audit-schedule.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { FIXITY_JOB, runDueJobs } from './jobs.js';

const databases = withTestDatabases();
const DAY = 86_400_000;
let tmp: string;
let fixtures: Record<string, Fixture>;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-audits-'));
  fixtures = await writeFourPropertiesFixtures(join(tmp, 'fixtures'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A clock the test moves forward by hand. */
function movableClock(): Clock & { advance(days: number): void } {
  let now = Date.now();
  return {
    now: () => new Date(now),
    advance: (days) => {
      now += days * DAY;
    },
  };
}

for (const dialect of TEST_DIALECTS) {
  describe(`periodic fixity audits on ${dialect}`, () => {
    it('queues one audit per registration per period, and again once the interval has passed', async () => {
      const clock = movableClock();
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-schedule`),
        config: { database: await databases.fresh(dialect), auditIntervalDays: 30 },
        clock,
      });
      try {
        const a = await deposit(center, { source: fixtures.good!.path });
        const b = await deposit(center, { source: fixtures['gbk-catalog']!.path });
        await runDueJobs(center); // the post-ingest checks, and the catalog and full-text jobs
        // Freshly checked: nothing is due, and nothing is overdue.
        expect(await enqueueDueAudits(center)).toBe(0);
        expect(await auditOverview(center)).toMatchObject({ registrations: 2, auditedInPeriod: 2, overdue: 0 });

        clock.advance(31);
        expect(await auditOverview(center)).toMatchObject({ auditedInPeriod: 0, overdue: 2, lastFindings: [] });
        expect(await enqueueDueAudits(center)).toBe(2);
        const audits = (await center.db.jobs.list({ kind: FIXITY_JOB })).filter((j) => j.key.startsWith('audit:'));
        expect(audits.map((j) => j.key.replace(/:\d+$/, '')).sort()).toEqual(
          [`audit:${a.regno}:v1`, `audit:${b.regno}:v1`].sort(),
        );
        // Called again before they ran (another instance, a restart): the keys hold them to one each.
        await enqueueDueAudits(center);
        expect(await runDueJobs(center)).toBe(2);
        const events = (await center.db.events.list({ type: FIXITY_EVENT })).map((e) => [e.regno, e.outcome]);
        expect(events).toHaveLength(4);
        expect(events.every(([, outcome]) => outcome === 'success')).toBe(true);
        expect(await auditOverview(center)).toMatchObject({ auditedInPeriod: 2, overdue: 0 });

        clock.advance(1); // same period, just audited: nothing new
        expect(await enqueueDueAudits(center)).toBe(0);
        expect(await runDueJobs(center)).toBe(0);

        clock.advance(30); // the interval has passed again
        expect(await enqueueDueAudits(center)).toBe(2);
        expect(await runDueJobs(center)).toBe(2);
      } finally {
        await center.close();
      }
    });

    it('reports a rotten stored file as a finding: logged, listed, and the registration stays overdue', async () => {
      const clock = movableClock();
      const errors: Record<string, unknown>[] = [];
      const logger: Logger = { ...silentLogger, error: (obj) => void errors.push(obj as Record<string, unknown>) };
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-rot`),
        config: { database: await databases.fresh(dialect), auditIntervalDays: 30 },
        clock,
        logger,
      });
      try {
        const good = await deposit(center, { source: fixtures.good!.path });
        const other = await deposit(center, { source: fixtures['gbk-catalog']!.path });
        await runDueJobs(center);
        const target = (await readdir(center.config.storageRoot, { recursive: true, withFileTypes: true })).find(
          (e) => e.isFile() && e.name === '0003.xml',
        )!;
        await writeFile(join(target.parentPath, target.name), '<rotten/>');

        clock.advance(31);
        expect(await enqueueDueAudits(center)).toBe(2);
        expect(await runDueJobs(center)).toBe(2);

        const overview = await auditOverview(center);
        expect(overview).toMatchObject({ intervalDays: 30, registrations: 2, findingsDays: 30 });
        expect(overview.lastFindings).toHaveLength(1);
        const finding = overview.lastFindings[0]!;
        const rotten = finding.regno;
        expect([good.regno, other.regno]).toContain(rotten);
        expect(finding.version).toBe(1);
        expect(finding.at).toBe(clock.now().toISOString());
        expect(finding.detail.problems).toEqual([
          expect.objectContaining({ path: expect.stringMatching(/0003\.xml$/), problem: 'digest-mismatch' }),
        ]);
        // The rotten one has no successful check in the period: it is overdue, the other audited.
        expect(overview).toMatchObject({ auditedInPeriod: 1, overdue: 1 });
        expect(errors).toEqual([
          expect.objectContaining({ regno: rotten, version: 1, paths: [expect.stringMatching(/0003\.xml$/)] }),
        ]);
        // Nothing re-queued within the period (the key holds), so a failing store is not read over and over.
        expect(await enqueueDueAudits(center)).toBe(1);
        expect(await runDueJobs(center)).toBe(0);
        // A finding older than the window drops out of the list; the registration is still overdue.
        clock.advance(31);
        expect(await auditOverview(center, { findingsDays: 7 })).toMatchObject({ lastFindings: [], overdue: 2 });
      } finally {
        await center.close();
      }
    });

    it('does nothing when auditIntervalDays is 0', async () => {
      const clock = movableClock();
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-off`),
        config: { database: await databases.fresh(dialect), auditIntervalDays: 0 },
        clock,
      });
      try {
        await deposit(center, { source: fixtures.good!.path });
        clock.advance(400);
        expect(await enqueueDueAudits(center)).toBe(0);
        expect(await auditOverview(center)).toMatchObject({
          intervalDays: 0,
          registrations: 1,
          auditedInPeriod: null,
          overdue: null,
        });
      } finally {
        await center.close();
      }
    });
  });
}
