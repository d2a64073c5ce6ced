import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { writeFourPropertiesFixtures, type Fixture } from '../../test/support/four-properties-fixtures.js';
import type { CheckReport } from '../checks/index.js';
import { Center } from './center.js';
import { registrationChecks } from './checks.js';
import { deposit } from './deposit.js';
import { runDueJobs } from './jobs.js';
import { RECHECK_JOB, enqueueDueRechecks, enqueueRecheck } from './recheck.js';

const databases = withTestDatabases();
let tmp: string;
let fixtures: Record<string, Fixture>;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-recheck-'));
  fixtures = await writeFourPropertiesFixtures(join(tmp, 'fixtures'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

for (const dialect of TEST_DIALECTS) {
  describe(`preservation re-checks on ${dialect}`, () => {
    it('runs the BC items over the stored version and keeps the report beside the transfer one', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-a`),
        config: { database: await databases.fresh(dialect), checkProfile: 'strict' },
      });
      try {
        const { regno, version } = await deposit(center, { source: fixtures.good!.path });
        await enqueueRecheck(center.db, { regno, version, round: 'manual-1' });
        await runDueJobs(center); // the post-ingest fixity check, the catalog jobs and the re-check
        expect((await center.db.jobs.list({ kind: RECHECK_JOB })).map((j) => j.state)).toEqual(['done']);
        const checks = await registrationChecks(center, regno);
        expect(checks.reports.map((r) => [r.stage, r.blocked])).toEqual([
          ['YJ', false],
          ['BC', false],
        ]);
        const bc = checks.reports[1]!.report as unknown as CheckReport;
        const ids = bc.items.map((i) => i.id);
        expect(ids).toContain('BC-1-1');
        expect(ids).not.toContain('BC-1-14'); // the package digest is a transfer-stage item
        // The registered digests were the declared ones, and every file matched them.
        expect(bc.items.find((i) => i.id === 'BC-1-1')?.outcome).toBe('pass');
        const events = (await center.db.events.listForRegistration(regno)).filter((e) => e.type === RECHECK_JOB);
        expect(events.map((e) => e.outcome)).toEqual(['success']);
      } finally {
        await center.close();
      }
    });

    it('reports a stored file that rotted as a failed BC-1-1, with every other item still run', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-rot`),
        config: { database: await databases.fresh(dialect), checkProfile: 'strict' },
      });
      try {
        const { regno, version } = await deposit(center, { source: fixtures.good!.path });
        const stored = (await readdir(center.config.storageRoot, { recursive: true, withFileTypes: true })).find(
          (e) => e.isFile() && e.name === '0003.xml',
        )!;
        await writeFile(join(stored.parentPath, stored.name), '<rotten/>');
        await enqueueRecheck(center.db, { regno, version, round: 'after-rot' });
        await runDueJobs(center);
        const bc = (await registrationChecks(center, regno)).reports.find((r) => r.stage === 'BC')!;
        expect(bc.blocked).toBe(true);
        const report = bc.report as unknown as CheckReport;
        expect(report.items.filter((i) => i.outcome === 'fail').map((i) => i.id)).toEqual(['BC-1-1']);
        // Both the registered SHA-256 and the catalog's MD5 now disagree with the file.
        const findings = report.items.find((i) => i.id === 'BC-1-1')!.findings;
        expect(findings.map((f) => [f.object.ref, f.details?.algorithm])).toEqual([
          ['文书/0003.xml', 'sha256'],
          ['文书/0003.xml', 'md5'],
        ]);
        const events = (await center.db.events.listForRegistration(regno)).filter((e) => e.type === RECHECK_JOB);
        expect(events.map((e) => e.outcome)).toEqual(['failure']);
        expect((await center.db.events.listForRegistration(regno)).some((e) => e.type === 'restore')).toBe(false);
      } finally {
        await center.close();
      }
    });

    it('queues one re-check per registration per period when scheduled', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-b`),
        config: { database: await databases.fresh(dialect), recheckIntervalDays: 30 },
      });
      try {
        await deposit(center, { source: fixtures.good!.path });
        await deposit(center, { source: fixtures['gbk-catalog']!.path });
        const now = new Date('2026-06-01T00:00:00Z');
        expect(await enqueueDueRechecks(center, now)).toBe(2);
        await enqueueDueRechecks(center, new Date('2026-06-02T00:00:00Z')); // same period: nothing new
        expect((await center.db.jobs.list({ kind: RECHECK_JOB })).length).toBe(2);
        await enqueueDueRechecks(center, new Date('2026-08-01T00:00:00Z')); // next period
        expect((await center.db.jobs.list({ kind: RECHECK_JOB })).length).toBe(4);
      } finally {
        await center.close();
      }
    });
  });
}
