import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withTestDatabases } from '../../test/support/databases.js';
import { verifyReceipt } from '../certificate/index.js';
import { startS3rver, type TestS3 } from '../store/test-support/s3rver.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { applyConfigChange, migrateCenterDatabase, migrateCenterStorage } from './migrate-center.js';
import { buildReceipt } from './receipt.js';
import { restore } from './restore.js';
import { validateCenterStore } from './validation.js';
import { verifyRegistration } from './verify.js';

const databases = withTestDatabases();
let tmp: string;
let s3: TestS3;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-migrate-'));
  s3 = await startS3rver();
  vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await s3.stop();
  await rm(tmp, { recursive: true, force: true });
});

const failed = (r: { checks: readonly { id: string; ok: boolean }[] }): string[] =>
  r.checks.filter((c) => !c.ok).map((c) => c.id);

/** An embedded center (SQLite, store on disk) with three registrations, the first with two versions. */
async function embeddedCenter(name: string): Promise<{ dataDir: string; regnos: string[] }> {
  const dataDir = join(tmp, name);
  const center = await Center.open({ dataDir });
  try {
    const regnos: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const src = join(tmp, `${name}-src-${i}`);
      await mkdir(join(src, '文书'), { recursive: true });
      await writeFile(join(src, '文书', '通知.txt'), `第 ${i} 号通知`);
      await writeFile(join(src, 'scan.bin'), Buffer.alloc(50_000 * i, i));
      regnos.push((await deposit(center, { source: src, unit: `U${i}`, title: `文书 ${i}` })).regno);
    }
    const again = join(tmp, `${name}-src-1`);
    await writeFile(join(again, '文书', '通知.txt'), '第 1 号通知（修订）');
    await deposit(center, { source: again, to: regnos[0] });
    return { dataDir, regnos };
  } finally {
    await center.close();
  }
}

describe('moving a center to PostgreSQL', () => {
  it('copies the metadata; receipts verify and numbering continues on the new database', async () => {
    const { dataDir, regnos } = await embeddedCenter('to-pg');
    const before = await Center.open({ dataDir });
    const oldReceipt = await buildReceipt(before, { regno: regnos[0]!, version: 1 });
    const oldEvents = await before.db.events.list();
    await before.close();

    const url = await databases.fresh('postgres');
    const { result, change } = await migrateCenterDatabase(dataDir, url);
    expect(change).toEqual({ database: url });
    expect(result.tables.find((t) => t.table === 'registrations')?.rows).toBe(3);
    expect(result.tables.find((t) => t.table === 'registration_versions')?.rows).toBe(4);
    expect(result.tables.find((t) => t.table === 'ledger_leaves')?.rows).toBe(4);
    expect(result.sourceChanged).toEqual([]);
    await applyConfigChange(dataDir, change);
    expect(JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8'))).toMatchObject({ database: url });

    const center = await Center.open({ dataDir });
    try {
      expect(center.db.dialect).toBe('postgres');
      for (const regno of regnos) expect(failed(await verifyRegistration(center, regno))).toEqual([]);
      const receipt = await buildReceipt(center, { regno: regnos[0]!, version: 1 });
      expect(receipt.statement).toEqual(oldReceipt.statement);
      expect(receipt.log.leafIndex).toBe(oldReceipt.log.leafIndex);
      expect(failed(verifyReceipt(receipt))).toEqual([]);

      const src = join(tmp, 'to-pg-new');
      await mkdir(src, { recursive: true });
      await writeFile(join(src, 'new.txt'), '迁移后的第一件');
      const next = await deposit(center, { source: src, unit: 'U9' });
      expect(next.regno).toBe(regnos[2]!.replace(/000003$/, '000004'));
      const nextReceipt = await buildReceipt(center, { regno: next.regno });
      expect(nextReceipt.log.leafIndex).toBe(4);
      expect(failed(verifyReceipt(nextReceipt))).toEqual([]);
      const newEvents = (await center.db.events.list()).filter((e) => !oldEvents.some((o) => o.id === e.id));
      expect(newEvents.length).toBeGreaterThan(0);
      expect(Math.min(...newEvents.map((e) => e.id))).toBeGreaterThan(Math.max(...oldEvents.map((e) => e.id)));
    } finally {
      await center.close();
    }
  });

  it('refuses to copy onto the database the center already uses', async () => {
    const dataDir = join(tmp, 'same-db');
    await (await Center.open({ dataDir })).close();
    const config = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')) as { database: string };
    await expect(migrateCenterDatabase(dataDir, config.database)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  });
});

describe('moving a center’s preservation store', () => {
  it('copies it to S3 while the center keeps serving from the old store, then runs on the copy', async () => {
    const { dataDir, regnos } = await embeddedCenter('to-s3');
    const serving = await Center.open({ dataDir });
    let outcome;
    try {
      // Reads from the old store go on during the copy.
      const [copy, restored] = await Promise.all([
        migrateCenterStorage(dataDir, `s3://${s3.bucket}/center/ocfl/`, { s3Endpoint: s3.endpoint }),
        restore(serving, { regno: regnos[1]!, to: join(tmp, 'to-s3-restored') }),
      ]);
      outcome = copy;
      expect(restored.fileCount).toBe(2);
    } finally {
      await serving.close();
    }
    expect(outcome.result.complete).toBe(true);
    expect(outcome.result.counts).toMatchObject({ copied: 3, failed: 0 });
    expect(outcome.change).toEqual({ storageRoot: `s3://${s3.bucket}/center/ocfl`, s3Endpoint: s3.endpoint });

    await applyConfigChange(dataDir, outcome.change);
    const center = await Center.open({ dataDir });
    try {
      expect(center.storage.description).toBe(`s3://${s3.bucket}/center/ocfl`);
      for (const regno of regnos) expect(failed(await verifyRegistration(center, regno))).toEqual([]);
      expect((await validateCenterStore(center)).errors).toEqual([]);
    } finally {
      await center.close();
    }
  });

  it('refuses a target inside the current store', async () => {
    const dataDir = join(tmp, 'nested');
    await (await Center.open({ dataDir })).close();
    await expect(migrateCenterStorage(dataDir, join(dataDir, 'store', 'copy'))).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
    });
  });
});
