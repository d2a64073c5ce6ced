import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { text } from 'node:stream/consumers';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { BusyError, ConflictError } from '../core/index.js';
import { FsStorage } from '../store/index.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { CATALOG_JOB } from './catalog-deposit.js';
import { FIXITY_JOB, createJobRunner, runDueJobs } from './jobs.js';
import { acquireObjectLease } from './object-lease.js';
import { recordRegistration } from './record-registration.js';
import { RECORD_PATH, parseRecord } from './registration-record.js';

const databases = withTestDatabases();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-jobs-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function sampleFolder(dir: string, n: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) await writeFile(join(dir, `文件${i}.txt`), `内容 ${i} `.repeat(1000 + i));
  return dir;
}

for (const dialect of TEST_DIALECTS) {
  describe(`background jobs and leases on ${dialect}`, () => {
    async function open(name: string): Promise<{ center: Center; dataDir: string; database: string }> {
      const dataDir = join(tmp, `${dialect}-${name}`);
      const database = await databases.fresh(dialect);
      return { center: await Center.open({ dataDir, config: { database } }), dataDir, database };
    }

    it('queues a fixity check with every registration and records it once as a PREMIS event', async () => {
      const { center, dataDir } = await open('fixity');
      try {
        const src = await sampleFolder(join(dataDir, '..', `${dialect}-fixity-src`), 3);
        const a = await deposit(center, { source: src });
        await writeFile(join(src, '文件0.txt'), 'changed');
        await deposit(center, { source: src, to: a.regno });
        expect((await center.db.jobs.list({ kind: FIXITY_JOB })).map((j) => [j.key, j.state])).toEqual([
          [`${FIXITY_JOB}:${a.regno}:v2`, 'queued'],
          [`${FIXITY_JOB}:${a.regno}:v1`, 'queued'],
        ]);
        // Each version also queued its catalog job (catalog-deposit.ts), which queues its full-text job.
        expect((await center.db.jobs.list()).map((j) => j.kind).sort()).toEqual([
          CATALOG_JOB,
          CATALOG_JOB,
          FIXITY_JOB,
          FIXITY_JOB,
        ]);
        expect(await runDueJobs(center)).toBe(6);
        const jobs = await center.db.jobs.list({ kind: FIXITY_JOB });
        expect(jobs.map((j) => [j.state, j.result?.ok, j.result?.files])).toEqual([
          ['done', true, 5], // 3 deposited files, the registration record and the check report
          ['done', true, 5],
        ]);
        const events = (await center.db.events.listForRegistration(a.regno)).filter((e) => e.type === 'fixity-check');
        expect(events.map((e) => [e.outcome, e.detail.version])).toEqual(
          expect.arrayContaining([
            ['success', 1],
            ['success', 2],
          ]),
        );
        expect(events).toHaveLength(2);
      } finally {
        await center.close();
      }
    });

    it('reports a stored file that no longer matches its digest as a failed fixity check', async () => {
      const { center, dataDir } = await open('rot');
      try {
        const src = await sampleFolder(join(dataDir, '..', `${dialect}-rot-src`), 2);
        const a = await deposit(center, { source: src });
        // Bit rot on the preservation disk: overwrite one stored content file in place.
        const storage = new FsStorage(center.config.storageRoot);
        let contentFile = '';
        for await (const p of storage.list('', { recursive: true })) if (p.endsWith('文件1.txt')) contentFile = p;
        await writeFile(join(center.config.storageRoot, contentFile), 'rotten');
        await createJobRunner(center).runOne(); // the fixity check, queued first
        const [job] = await center.db.jobs.list({ kind: FIXITY_JOB });
        expect(job).toMatchObject({ state: 'done', result: { ok: false, problemCount: 1 } });
        expect(job?.result?.problems).toEqual([
          expect.objectContaining({ path: 'data/文件1.txt', problem: 'digest-mismatch' }),
        ]);
        const [event] = (await center.db.events.listForRegistration(a.regno)).filter((e) => e.type === 'fixity-check');
        expect(event).toMatchObject({ outcome: 'failure' });
      } finally {
        await center.close();
      }
    });

    it('refuses a deposit to an object whose lease another live instance holds', async () => {
      const { center, dataDir } = await open('lease');
      try {
        const src = await sampleFolder(join(dataDir, '..', `${dialect}-lease-src`), 1);
        const a = await deposit(center, { source: src });
        // Another instance (this process, so certainly alive) is writing the object.
        const other = await acquireObjectLease({ ...center, instanceId: 'elsewhere:1:x', leaseMs: 60_000 }, a.regno);
        const held = await center.db.leases.get(`object:${a.regno}`);
        expect(held?.owner).toBe('elsewhere:1:x');
        await expect(deposit(center, { source: src, to: a.regno })).rejects.toBeInstanceOf(BusyError);
        await other.release();
        expect((await deposit(center, { source: src, to: a.regno })).version).toBe(2);
      } finally {
        await center.close();
      }
    });

    it('records a registration once when a deposit and recovery both finish it', async () => {
      const { center, dataDir } = await open('twice');
      try {
        const src = await sampleFolder(join(dataDir, '..', `${dialect}-twice-src`), 1);
        const a = await deposit(center, { source: src });
        const record = parseRecord(await text(await center.store.openFile(a.objectId, RECORD_PATH, 1)));
        const { inventoryDigest } = await center.store.versionStats(a.objectId, 1);
        await recordRegistration(center.db, center.evidence, record, { storedBytes: 0, inventoryDigest });
        expect((await center.db.registrations.list()).total).toBe(1);
        expect(await center.db.ledger.size()).toBe(1);
        // A different inventory under the same number is a real conflict.
        await expect(
          recordRegistration(center.db, center.evidence, record, { storedBytes: 0, inventoryDigest: 'f'.repeat(64) }),
        ).rejects.toThrow();
      } finally {
        await center.close();
      }
    });

    it('refuses to open an instance whose signing keys differ from the center’s', async () => {
      const { center, dataDir, database } = await open('keys');
      await center.close();
      const second = join(dataDir, '..', `${dialect}-keys-second`);
      await expect(Center.open({ dataDir: second, config: { database } })).rejects.toBeInstanceOf(ConflictError);
      // With the first instance's keys copied, it opens.
      await cp(join(dataDir, 'keys'), join(second, 'keys'), { recursive: true });
      const ok = await Center.open({ dataDir: second, config: { database } });
      await ok.close();
    });
  });
}
