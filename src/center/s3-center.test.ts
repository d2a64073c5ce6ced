import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withTestDatabases } from '../../test/support/databases.js';
import { startS3rver, type TestS3 } from '../store/test-support/s3rver.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { restore } from './restore.js';
import { validateCenterStore } from './validation.js';
import { verifyRegistration } from './verify.js';

const databases = withTestDatabases();
let tmp: string;
let s3: TestS3;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-s3-center-'));
  s3 = await startS3rver();
  // Credentials come from the environment, as in production.
  vi.stubEnv('AWS_ACCESS_KEY_ID', s3.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', s3.credentials.secretAccessKey);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe('a center whose storage root is an S3 bucket', () => {
  it('deposits, versions, restores and verifies exactly as on disk', async () => {
    const center = await Center.open({
      dataDir: join(tmp, 'data'),
      config: {
        database: await databases.fresh('postgres'),
        storageRoot: `s3://${s3.bucket}/yinji/ocfl`,
        s3Endpoint: s3.endpoint,
      },
    });
    try {
      expect(center.storage.description).toBe(`s3://${s3.bucket}/yinji/ocfl`);
      const src = join(tmp, 'src');
      await mkdir(join(src, '文书'), { recursive: true });
      await writeFile(join(src, '文书', '通知.txt'), '存于对象存储');
      await writeFile(join(src, 'big.bin'), Buffer.alloc(9 * 1024 * 1024, 5)); // multipart
      const v1 = await deposit(center, { source: src, unit: 'S3' });
      await writeFile(join(src, '文书', '通知.txt'), '第二版');
      const v2 = await deposit(center, { source: src, to: v1.regno });
      expect(v2).toMatchObject({ version: 2, storedFiles: 1 });

      const out = join(tmp, 'out');
      await restore(center, { regno: v1.regno, version: 1, to: out });
      expect(await readFile(join(out, '文书', '通知.txt'), 'utf8')).toBe('存于对象存储');
      expect((await readFile(join(out, 'big.bin'))).equals(Buffer.alloc(9 * 1024 * 1024, 5))).toBe(true);
      expect((await verifyRegistration(center, v1.regno)).ok).toBe(true);
      expect((await validateCenterStore(center)).errors).toEqual([]);
    } finally {
      await center.close();
    }
  });

  it('with s3ObjectLockMode, refuses to open on a server without Object Lock (s3rver)', async () => {
    const open = async (config: Record<string, unknown>, dir: string): Promise<Center> =>
      Center.open({
        dataDir: join(tmp, dir),
        config: {
          database: await databases.fresh('sqlite'),
          storageRoot: `s3://${s3.bucket}/locked`,
          s3Endpoint: s3.endpoint,
          ...config,
        },
      });
    await expect(open({ s3ObjectLockMode: 'COMPLIANCE', s3ObjectLockDays: 30 }, 'lock')).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
      message: expect.stringContaining('does not support Object Lock'),
      details: { s3Error: 'NotImplemented' },
    });
    for (const bad of [
      { s3ObjectLockMode: 'compliance' },
      { s3ObjectLockMode: 'GOVERNANCE', s3ObjectLockDays: 0 },
      { s3ObjectLockMode: 'GOVERNANCE', storageRoot: join(tmp, 'fs-root') },
    ]) {
      await expect(open(bad, 'lock-bad'), JSON.stringify(bad)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    }
  });

  it('refuses a malformed s3:// root with a clear error', async () => {
    await expect(
      Center.open({
        dataDir: join(tmp, 'bad'),
        config: { database: await databases.fresh('sqlite'), storageRoot: 's3://' },
      }),
    ).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  });
});
