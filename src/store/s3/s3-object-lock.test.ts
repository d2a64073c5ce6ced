import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectRootPath, registrationObjectId } from '../ocfl/layout.js';
import { OcflStore } from '../ocfl/ocfl-store.js';
import { validateStorageRoot } from '../ocfl/validate-root.js';
import { commitInput, memFile } from '../test-support/ocfl-fixtures.js';
import { startS3rver, type TestS3 } from '../test-support/s3rver.js';
import { isWriteOnce, objectLockParams } from './s3-object-lock.js';
import { S3Storage, type S3StorageOptions } from './s3-storage.js';

// s3rver has no Object Lock: it answers GetObjectLockConfiguration with
// NotImplemented and ignores the lock headers of a PUT. What can be tested
// honestly here: which requests carry which headers, that the server accepts
// them, and that init() refuses a bucket that cannot lock.
let s3: TestS3;
let seq = 0;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(() => s3.stop());

const LOCK = { mode: 'COMPLIANCE', retainDays: 3650 } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

function storage(extra: Partial<S3StorageOptions> = {}): S3Storage {
  return new S3Storage({
    bucket: s3.bucket,
    prefix: `lock${++seq}`,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    objectLock: LOCK,
    ...extra,
  });
}

interface Sent {
  readonly command: string;
  readonly key: string;
  readonly headers: Record<string, string>;
  /** MD5 (base64) of an in-memory body, as sent. */
  readonly bodyMd5?: string;
}

/** A client that records every request as it leaves (after the build step, where Content-MD5 is added). */
function capturingClient(): { client: S3Client; sent: Sent[] } {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      const body = request.body;
      sent.push({
        command: context.commandName ?? '?',
        key: String((args.input as { Key?: string }).Key ?? ''),
        headers: { ...request.headers },
        ...(ArrayBuffer.isView(body)
          ? {
              bodyMd5: createHash('md5')
                .update(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
                .digest('base64'),
            }
          : {}),
      });
      return next(args);
    },
    { step: 'finalizeRequest' },
  );
  return { client, sent };
}

async function text(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('which files are write-once', () => {
  const root = objectRootPath(registrationObjectId('ZJ001', 'ZJ001-2026-000001'));

  it('everything inside a version directory; not root inventories, declarations or storage-root files', () => {
    for (const p of [
      `${root}/v1/content/档案/a.txt`,
      `${root}/v1/inventory.json`,
      `${root}/v1/inventory.json.sha256`,
      `${root}/v12/content/x`,
      `${root}/v001/content/x`,
      `${root}/v1/content/v2/inventory.json`, // a deposited file that looks like OCFL, inside v1
    ]) {
      expect(isWriteOnce(p), p).toBe(true);
    }
    for (const p of [
      `${root}/inventory.json`,
      `${root}/inventory.json.sha256`,
      `${root}/0=ocfl_object_1.1`,
      `${root}/v1`, // a name, not a file inside the directory
      '0=ocfl_1.1',
      'ocfl_layout.json',
      'extensions/0004-hashed-n-tuple-storage-layout/config.json',
      'v1/x', // no object root before it
    ]) {
      expect(isWriteOnce(p), p).toBe(false);
    }
  });

  it('sets mode and retain-until (write time + retainDays) only for those', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(objectLockParams(LOCK, `${root}/v1/content/a`, now)).toEqual({
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date('2036-02-27T00:00:00Z'), // 3650 days: ten years less the leap days of 2028, 2032, 2036
    });
    expect(objectLockParams(LOCK, `${root}/inventory.json`, now)).toBeUndefined();
    expect(objectLockParams(undefined, `${root}/v1/content/a`, now)).toBeUndefined();
  });

  it('checks the options once', () => {
    const bad = (objectLock: unknown): (() => S3Storage) => {
      return () => new S3Storage({ bucket: 'b', objectLock: objectLock as S3StorageOptions['objectLock'] });
    };
    for (const lock of [
      { mode: 'compliance', retainDays: 1 },
      { mode: 'COMPLIANCE', retainDays: 0 },
      { mode: 'COMPLIANCE', retainDays: 1.5 },
      { mode: 'GOVERNANCE', retainDays: 36_501 },
    ]) {
      expect(bad(lock), JSON.stringify(lock)).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
    }
    expect(new S3Storage({ bucket: 'b', objectLock: { mode: 'GOVERNANCE', retainDays: 1 } }).objectLock).toEqual({
      mode: 'GOVERNANCE',
      retainDays: 1,
    });
  });
});

describe('init() with objectLock checks the bucket', () => {
  it('refuses s3rver, which has no Object Lock, with a clear error', async () => {
    const s = storage();
    const err = await s.init().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'E_INVALID_INPUT',
      message: expect.stringContaining('does not support Object Lock'),
      zh: expect.stringContaining('不支持对象锁定'),
      details: { bucket: s3.bucket, s3Error: 'NotImplemented', httpStatus: 501 },
    });
    await s.close();
    // The same bucket without objectLock is fine.
    const plain = storage({ objectLock: undefined });
    await plain.init();
    await plain.close();
  });

  /** A client answering HeadBucket, and GetObjectLockConfiguration with `answer`. */
  function fakeClient(answer: () => Promise<unknown>): S3Client {
    return {
      middlewareStack: { add: () => undefined },
      send: (cmd: { constructor: { name: string } }) =>
        cmd.constructor.name === 'GetObjectLockConfigurationCommand' ? answer() : Promise.resolve({}),
    } as unknown as S3Client;
  }
  const s3Error = (name: string, status: number): Error =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it('accepts a bucket with Object Lock enabled; refuses one without, naming the fix', async () => {
    const enabled = new S3Storage({
      bucket: 'locked',
      objectLock: LOCK,
      client: fakeClient(() => Promise.resolve({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })),
    });
    await expect(enabled.init()).resolves.toBeUndefined();

    for (const answer of [
      () => Promise.reject(s3Error('ObjectLockConfigurationNotFoundError', 404)), // AWS, MinIO, Ceph RGW
      () => Promise.resolve({}),
    ]) {
      const s = new S3Storage({ bucket: 'plain', objectLock: LOCK, client: fakeClient(answer) });
      await expect(s.init()).rejects.toMatchObject({
        code: 'E_INVALID_INPUT',
        message: expect.stringMatching(/"plain" does not have Object Lock enabled.*mc mb --with-lock/),
        zh: expect.stringContaining('未启用对象锁定'),
      });
    }
  });

  it('reports other failures of the check as storage errors', async () => {
    const s = new S3Storage({
      bucket: 'b',
      objectLock: LOCK,
      client: fakeClient(() => Promise.reject(s3Error('AccessDenied', 403))),
    });
    await expect(s.init()).rejects.toMatchObject({
      code: 'E_STORAGE_IO',
      message: expect.stringContaining('cannot read the Object Lock configuration'),
      details: { s3Error: 'AccessDenied', httpStatus: 403 },
    });
  });
});

describe('what a locked storage sends (captured on a real s3rver; init() not called)', () => {
  it('the SDK alone adds no checksum to a PutObject with lock fields under WHEN_REQUIRED', async () => {
    const { client, sent } = capturingClient(); // no S3Storage: no Content-MD5 middleware
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'sdk-only',
        Body: Buffer.from('x'),
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS),
      }),
    );
    const headers = Object.keys(sent[0]?.headers ?? {});
    expect(headers).toContain('x-amz-object-lock-mode');
    expect(headers.filter((h) => h === 'content-md5' || h.startsWith('x-amz-checksum-'))).toEqual([]);
    client.destroy();
  });

  it('locks version files (single PUT and multipart), not root inventories; Content-MD5 on every upload', async () => {
    const { client, sent } = capturingClient();
    const s = storage({ client });
    const prefix = `${s.prefix}/`;
    const id = registrationObjectId('ZJ001', 'ZJ001-2026-000009');
    const before = Date.now();
    const store = await OcflStore.open(s);
    const big = Buffer.alloc(9 * 1024 * 1024, 7); // above PART_SIZE: multipart
    await store.commitVersion(id, commitInput([memFile('文书/通知.txt', 'v1'), memFile('big.bin', big)], 'v1'));
    await store.commitVersion(id, commitInput([memFile('文书/通知.txt', 'v2'), memFile('big.bin', big)], 'v2'));
    const after = Date.now();

    const root = store.objectRoot(id);
    const creates = sent.filter(
      (r) => r.command === 'PutObjectCommand' || r.command === 'CreateMultipartUploadCommand',
    );
    const locked = new Set<string>();
    const unlocked = new Set<string>();
    for (const r of creates) {
      expect(r.key.startsWith(prefix)).toBe(true);
      const path = r.key.slice(prefix.length);
      const mode = r.headers['x-amz-object-lock-mode'];
      const until = r.headers['x-amz-object-lock-retain-until-date'];
      if (isWriteOnce(path)) {
        locked.add(path);
        expect(mode, path).toBe('COMPLIANCE');
        const t = Date.parse(until ?? '');
        expect(t).toBeGreaterThanOrEqual(before + LOCK.retainDays * DAY_MS - 1000); // header has whole seconds
        expect(t).toBeLessThanOrEqual(after + LOCK.retainDays * DAY_MS);
      } else {
        unlocked.add(path);
        expect(mode, path).toBeUndefined();
        expect(until, path).toBeUndefined();
      }
    }
    expect([...locked].sort()).toEqual(
      [
        `${root}/v1/content/big.bin`,
        `${root}/v1/content/文书/通知.txt`,
        `${root}/v1/inventory.json`,
        `${root}/v1/inventory.json.sha256`,
        `${root}/v2/content/文书/通知.txt`, // big.bin is deduplicated: not written again
        `${root}/v2/inventory.json`,
        `${root}/v2/inventory.json.sha256`,
      ].sort(),
    );
    expect([...unlocked].sort()).toEqual(
      [
        '0=ocfl_1.1',
        'extensions/0004-hashed-n-tuple-storage-layout/config.json',
        'ocfl_layout.json',
        `${root}/0=ocfl_object_1.1`,
        `${root}/inventory.json`,
        `${root}/inventory.json.sha256`,
      ].sort(),
    );
    // The large file went up as a locked multipart upload.
    expect(creates.find((r) => r.key.endsWith('/v1/content/big.bin'))?.command).toBe('CreateMultipartUploadCommand');

    // Every upload request carries the Content-MD5 of the bytes it sends.
    const uploads = sent.filter((r) => r.command === 'PutObjectCommand' || r.command === 'UploadPartCommand');
    expect(uploads.filter((r) => r.command === 'UploadPartCommand')).toHaveLength(2);
    for (const r of uploads) {
      expect(r.bodyMd5, r.key).toBeDefined();
      expect(r.headers['content-md5'], r.key).toBe(r.bodyMd5);
    }

    // s3rver stored it all: the object reads back and the root validates.
    expect(await text(await store.openFile(id, '文书/通知.txt', 1))).toBe('v1');
    expect(await text(await store.openFile(id, '文书/通知.txt'))).toBe('v2');
    expect((await validateStorageRoot(s)).errors).toEqual([]);
    await s.close();
    client.destroy();
  });
});
