/**
 * Issue 6, Must show: two (and three) `yinji serve` processes share one
 * PostgreSQL and one S3 server; 200 (60) deposits are spread over them; one instance is killed
 * (kill -9) while it runs a background job and has deposits in flight. The
 * survivor finishes what the dead one left — its half-done deposits and its
 * claimed job — and at the end every registration verifies, the log is one
 * log (every checkpoint either server ever showed is consistent with the
 * final one: no fork; leaves 0…n-1 all used: no gap), and every job was done
 * to completion exactly once.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testAccount, testUnit } from '../../src/auth/test-support/accounts.js';
import { Center, verifyRegistration, validateCenterStore } from '../../src/center/index.js';
import { systemClock } from '../../src/core/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { verifyCheckpoint, verifyConsistency } from '../../src/ledger/index.js';
import { buildZip } from '../../src/packages/test-support/raw-zip.js';
import { startS3rver, type TestS3 } from '../../src/store/test-support/s3rver.js';
import { serveYinji, yinjiJson } from '../support/cli.js';
import { createTestDatabase } from '../support/databases.js';

const UTF8_NAMES = 0x800;

let tmp: string;
let s3: TestS3;
const databases: { drop: () => Promise<void> }[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-multi-'));
  s3 = await startS3rver();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
  for (const d of databases) await d.drop();
  await rm(tmp, { recursive: true, force: true });
});

interface DepositOk {
  readonly regno: string;
  readonly version: number;
}

/** A deposit package: a few files with Chinese names; every 10th also carries a 1.5 MiB scan. */
function depositPackage(i: number): Buffer {
  const entries = [
    { name: `文书/第${i}号/通知.txt`, data: `通知 ${i}\n`.repeat(200) },
    { name: `文书/第${i}号/附件.bin`, data: randomBytes(64 * 1024) },
    { name: `照片/${i}.jpg`, data: randomBytes(200 * 1024) },
  ];
  if (i % 10 === 0) entries.push({ name: `扫描件/${i}.tif`, data: randomBytes(1536 * 1024) });
  return buildZip(entries.map((e) => ({ ...e, flags: UTF8_NAMES })));
}

// `killAfter`: successful deposits before instance A is killed.
describe.each([
  { instances: 2, deposits: 200, killAfter: 70 },
  { instances: 3, deposits: 60, killAfter: 20 },
])('$instances instances, one PostgreSQL, one S3 server, one killed mid-job', ({ instances, deposits, killAfter }) => {
  it(`keeps ${deposits} registrations valid, one unforked log without gaps, every job done exactly once`, async () => {
    const creds = {
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    };
    const pg = await createTestDatabase('postgres');
    databases.push(pg);
    const shared = {
      database: pg.url,
      storageRoot: `s3://${s3.bucket}/yinji-${instances}/ocfl`,
      s3Endpoint: s3.endpoint,
      // Short terms so the test sees a dead instance's work taken over within seconds.
      leaseSeconds: 3,
      recoverySweepSeconds: 1,
      jobWorkers: 2,
      // Paced fixity reads make each job last long enough to be killed in the middle of one.
      fixityBytesPerSecond: 2_000_000,
    };
    const run = join(tmp, `${instances}`);
    const dataA = join(run, 'a');
    await mkdir(dataA, { recursive: true });
    await writeFile(join(dataA, 'config.json'), JSON.stringify(shared));
    await yinjiJson(['--data', dataA, 'init'], creds);
    // The other instances: same database, storage and keys; each its own staging area.
    const others: string[] = [];
    for (let k = 1; k < instances; k++) {
      const dir = join(run, `i${k}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.json'), JSON.stringify(shared));
      await cp(join(dataA, 'keys'), join(dir, 'keys'), { recursive: true });
      others.push(dir);
    }

    // The clients deposit as a center operator, for seven registered units.
    const accountsDb = await openDatabase({ url: pg.url });
    for (let u = 0; u < 7; u++) await testUnit(accountsDb, `U${u}`);
    const operator = await testAccount({ db: accountsDb, clock: systemClock }, { username: 'op', roles: ['operator'] });
    await accountsDb.close();

    const a = await serveYinji(dataA, creds);
    const survivors = await Promise.all(others.map((dir) => serveYinji(dir, creds)));
    const b = survivors[0]!;
    let aAlive = true;
    let monitoring = true;
    const db = await openDatabase({ url: pg.url });
    try {
      // A monitor, as a witness would: keep every checkpoint either instance shows.
      const checkpoints = new Set<string>();
      const monitor = (async () => {
        while (monitoring) {
          for (const server of aAlive ? [a, ...survivors] : survivors) {
            const r = await fetch(new URL('log/checkpoint', server.url)).catch(() => undefined);
            if (r?.ok) checkpoints.add(await r.text());
          }
          await sleep(100);
        }
      })();

      // Four clients deposit, alternating between the instances; when A is gone, everything goes to B.
      const ok: DepositOk[] = [];
      let failedOnA = 0;
      let next = 0;
      const depositOne = async (i: number): Promise<void> => {
        const body = depositPackage(i);
        for (;;) {
          const k = i % instances;
          const server = k === 0 ? (aAlive ? a : b) : survivors[k - 1]!;
          const r = await fetch(
            new URL(`api/v1/registrations?unit=U${i % 7}&title=${encodeURIComponent(`卷${i}`)}`, server.url),
            {
              method: 'POST',
              headers: { ...operator.headers, 'content-type': 'application/zip' },
              body,
            },
          ).catch(() => undefined);
          if (r?.ok) {
            ok.push((await r.json()) as DepositOk);
            return;
          }
          if (server === a && !aAlive) {
            failedOnA++; // the connection died with A: the client retries on B, as a client of a load balancer would
            continue;
          }
          throw new Error(`deposit ${i} failed: ${r?.status} ${await r?.text()}`);
        }
      };
      const clients = Array.from({ length: 4 }, async () => {
        while (next < deposits) await depositOne(next++);
      });

      // The killer: once enough deposits are in, wait until A holds a job claim, then kill -9 A.
      // A is frozen (SIGSTOP) first and the job read again after any commit in flight has
      // landed: a fast job could otherwise finish between the read and the kill, and the
      // test would then be killing A between jobs, not in one.
      let killedJob: { id: number; key: string } | undefined;
      const killer = (async () => {
        while (ok.length < killAfter) await sleep(20);
        const mine = `:${a.pid}:`;
        for (let tries = 0; tries < 3000 && killedJob === undefined; tries++) {
          const running = await db.jobs.list({ state: 'running' });
          const job = running.find((j) => j.kind === 'fixity' && j.leaseOwner?.includes(mine));
          if (job === undefined) {
            await sleep(10);
            continue;
          }
          process.kill(a.pid, 'SIGSTOP');
          await sleep(300);
          const now = await db.jobs.get(job.id);
          if (now?.state === 'running' && now.leaseOwner?.includes(mine)) {
            aAlive = false;
            await a.kill();
            killedJob = job;
          } else process.kill(a.pid, 'SIGCONT');
        }
      })();

      await Promise.all([...clients, killer]);
      expect(killedJob, 'instance A never held a job claim to be killed in').toBeDefined();
      expect(ok).toHaveLength(deposits);

      // The survivor settles A's half-done deposits and, after the claim expires, redoes A's job.
      const settled = async (): Promise<boolean> => {
        const counts = await db.jobs.counts();
        return counts.queued === 0 && counts.running === 0 && (await db.pending.list()).length === 0;
      };
      for (let waited = 0; !(await settled()); waited += 200) {
        if (waited > 120_000) throw new Error(`not settled: ${JSON.stringify(await db.jobs.counts())}`);
        await sleep(200);
      }
      monitoring = false;
      await monitor;

      // Every registration the clients were told about, and any that recovery completed, is valid.
      const { items: registrations, total } = await db.registrations.list({ limit: 1000 });
      expect(total).toBe(registrations.length);
      const regnos = new Set(registrations.map((r) => r.regno));
      for (const d of ok) expect(regnos.has(d.regno), d.regno).toBe(true);
      expect(new Set(ok.map((d) => d.regno)).size).toBe(deposits); // no number handed out twice
      expect(total).toBeGreaterThanOrEqual(deposits);
      expect(total - deposits).toBeLessThanOrEqual(failedOnA); // only deposits A had in flight may exist unannounced

      // Registration numbers: each one is a registration or a recorded failed deposit — no silent gap.
      const failed = (await db.events.list({ type: 'deposit-failed', limit: 1000 })).map((e) => String(e.detail.regno));
      const seqOf = (regno: string): number => Number(regno.slice(regno.lastIndexOf('-') + 1));
      const used = [...regnos, ...failed].map(seqOf).sort((x, y) => x - y);
      expect(used).toEqual(Array.from({ length: used.length }, (_, k) => k + 1));

      // One log, no gap: leaves 0…n-1 are exactly the registrations' evidence.
      const size = await db.ledger.size();
      expect(size).toBe(total);
      const leaves = new Set<number>();
      for (const r of registrations) leaves.add((await db.evidence.get(r.regno, 1))!.leafIndex);
      expect([...leaves].sort((x, y) => x - y)).toEqual(Array.from({ length: size }, (_, k) => k));

      // Every job done exactly once: one fixity check per registration, each with exactly one fixity event
      // (each registration's catalog and full-text jobs are done too: nothing is queued or failed).
      expect((await db.jobs.list({ limit: 10_000 })).filter((j) => j.state !== 'done')).toEqual([]);
      const jobs = await db.jobs.list({ kind: 'fixity', limit: 10_000 });
      expect(jobs).toHaveLength(total);
      expect(new Set(jobs.map((j) => j.key))).toEqual(new Set(registrations.map((r) => `fixity:${r.regno}:v1`)));
      const fixityEvents = await db.events.list({ type: 'fixity-check', limit: 1000 });
      expect(fixityEvents).toHaveLength(total);
      expect(new Set(fixityEvents.map((e) => e.detail.jobId)).size).toBe(total);
      expect(fixityEvents.filter((e) => e.outcome !== 'success')).toEqual([]);
      // The job A was killed in was taken over and finished by B.
      const redone = jobs.find((j) => j.id === killedJob!.id)!;
      expect(redone.attempts).toBeGreaterThanOrEqual(2);
      const redoneEvent = fixityEvents.find((e) => e.detail.jobId === redone.id)!;
      expect(survivors.some((s) => redoneEvent.agent.includes(`:${s.pid}:`))).toBe(true);

      console.info(
        `multi-instance: ${total} registrations (${deposits} announced) on ${instances} instances, ${failed.length} deposits discarded, ` +
          `${failedOnA} retried after A died, killed in job ${killedJob!.key} (attempts ${redone.attempts}), ` +
          `${checkpoints.size} checkpoints observed`,
      );

      // Checked as a verifier would, through a third Center on the same database and bucket.
      vi.stubEnv('AWS_ACCESS_KEY_ID', creds.AWS_ACCESS_KEY_ID);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', creds.AWS_SECRET_ACCESS_KEY);
      const dataC = join(run, 'verifier');
      await mkdir(dataC, { recursive: true });
      await writeFile(join(dataC, 'config.json'), JSON.stringify({ ...shared, jobWorkers: 0 }));
      await cp(join(dataA, 'keys'), join(dataC, 'keys'), { recursive: true });
      const center = await Center.open({ dataDir: dataC });
      try {
        for (const r of registrations) {
          const report = await verifyRegistration(center, r.regno);
          expect(report.ok, `${r.regno}: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`).toBe(true);
        }
        expect((await validateCenterStore(center)).errors).toEqual([]);
        await checkNoFork(center, db, checkpoints, b.url);
      } finally {
        await center.close();
      }
    } finally {
      monitoring = false;
      await db.close();
      if (aAlive) await a.stop();
      await Promise.all(survivors.map((s) => s.stop()));
    }
  }, 600_000);
});

/** Every checkpoint seen is signed by the center and is a prefix of the final log (RFC 9162 consistency). */
async function checkNoFork(center: Center, db: Database, notes: Set<string>, url: string): Promise<void> {
  const key = center.evidence.keys.log.verifierKey;
  const finalNote = await (await fetch(new URL('log/checkpoint', url))).text();
  const final = verifyCheckpoint(finalNote, key, { origin: center.config.logOrigin });
  expect(final.size).toBe(await db.ledger.size());
  expect(notes.size).toBeGreaterThan(10);
  for (const note of notes) {
    const cp = verifyCheckpoint(note, key, { origin: center.config.logOrigin });
    if (cp.size === 0 || cp.size === final.size) {
      if (cp.size === final.size) expect(Buffer.from(cp.root).equals(Buffer.from(final.root))).toBe(true);
      continue;
    }
    const r = await fetch(new URL(`log/proof/consistency?from=${cp.size}&to=${final.size}`, url));
    const { proof } = (await r.json()) as { proof: string[] };
    const consistent = verifyConsistency({
      size1: cp.size,
      size2: final.size,
      root1: cp.root,
      root2: final.root,
      proof: proof.map((h) => new Uint8Array(Buffer.from(h, 'hex'))),
    });
    expect(consistent, `checkpoint of size ${cp.size} is not a prefix of the final log`).toBe(true);
  }
}
