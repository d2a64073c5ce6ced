import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcflStore } from '../ocfl/ocfl-store.js';
import { registrationObjectId } from '../ocfl/layout.js';
import { validateStorageRoot } from '../ocfl/validate-root.js';
import { patternStream, runStorageSuite } from '../storage.suite.js';
import { commitInput, memFile } from '../test-support/ocfl-fixtures.js';
import { startS3rver, type TestS3 } from '../test-support/s3rver.js';
import { S3Storage, type S3StorageOptions } from './s3-storage.js';

// One s3rver for the whole file; every storage gets its own prefix in the bucket.
let s3: TestS3;
let seq = 0;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(() => s3.stop());

function storage(extra: Partial<S3StorageOptions> = {}): S3Storage {
  return new S3Storage({
    bucket: s3.bucket,
    prefix: `t${++seq}/root`,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    ...extra,
  });
}

/** A client whose sent command names are recorded. */
function spiedClient(): { client: S3Client; sent: string[] } {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, sent };
}

async function sha256Of(r: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of r) h.update(c as Buffer);
  return h.digest('hex');
}

runStorageSuite('s3 (s3rver)', async () => ({ storage: storage(), cleanup: async () => {} }));

describe('S3Storage specifics', () => {
  it('describes itself, validates options and checks the bucket in init()', async () => {
    const s = storage({ prefix: 'a/b/' });
    expect(s.description).toBe(`s3://${s3.bucket}/a/b`);
    expect(() => new S3Storage({ bucket: '' })).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
    expect(() => new S3Storage({ bucket: 'b', prefix: '../x' })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_INPUT' }),
    );
    expect(() => new S3Storage({ bucket: 'b', endpoint: 'not a url' })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_INPUT' }),
    );
    await s.init();
    await s.close();
    const missing = storage({ bucket: 'no-such-bucket' });
    await expect(missing.init()).rejects.toMatchObject({
      code: 'E_STORAGE_IO',
      message: expect.stringContaining('"no-such-bucket" does not exist'),
    });
    await missing.close();
  });

  it('wraps service errors once, with the S3 error name', async () => {
    const s = storage({ credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong' } });
    const err = await s.writeBytes('x', 'y').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'E_STORAGE_IO',
      zh: expect.stringContaining('写入 "x" 失败'),
      details: { s3Error: 'InvalidAccessKeyId', httpStatus: 403 },
    });
    await s.close();
  });

  it('streams a 40 MB file through multipart upload and back byte-identical', async () => {
    const { client, sent } = spiedClient();
    const s = storage({ client });
    const size = 40 * 1024 * 1024 + 11;
    const digest = await sha256Of(patternStream(size, 3));
    await s.put('big.bin', patternStream(size, 3), { expected: { algorithm: 'sha256', digest } });
    expect(sent.filter((n) => n === 'UploadPartCommand')).toHaveLength(6); // 5 × 8 MiB + a tail
    expect(sent).toContain('CompleteMultipartUploadCommand');
    expect(sent).not.toContain('PutObjectCommand');
    expect(await s.stat('big.bin')).toEqual({ size });
    expect(await sha256Of(await s.read('big.bin'))).toBe(digest);
    client.destroy();
  });

  it('a wrong digest on a multipart upload aborts it: no object, the old one kept', async () => {
    const { client, sent } = spiedClient();
    const s = storage({ client });
    await s.writeBytes('keep.bin', 'old');
    const size = 20 * 1024 * 1024;
    const bad = { algorithm: 'sha256' as const, digest: '0'.repeat(64) };
    await expect(s.put('new.bin', patternStream(size), { expected: bad })).rejects.toMatchObject({
      code: 'E_DIGEST_MISMATCH',
    });
    await expect(s.put('keep.bin', patternStream(size), { expected: bad })).rejects.toMatchObject({
      code: 'E_DIGEST_MISMATCH',
    });
    expect(sent).not.toContain('CompleteMultipartUploadCommand');
    // Upload asks to abort both; s3rver answers MethodNotAllowed (it has no
    // AbortMultipartUpload) and the caller still sees the digest mismatch.
    expect(sent.filter((n) => n === 'AbortMultipartUploadCommand')).toHaveLength(2);
    expect(await s.exists('new.bin')).toBe(false);
    expect((await s.readBytes('keep.bin')).toString()).toBe('old');
    client.destroy();
  });

  it('put {file, move: true} uploads then removes the local file; a failed put keeps it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-s3-'));
    const s = storage();
    try {
      const f = join(dir, 'staged');
      await writeFile(f, 'staged');
      const bad = { algorithm: 'sha256' as const, digest: '0'.repeat(64) };
      await expect(s.put('m', { file: f, move: true }, { expected: bad })).rejects.toThrow();
      expect((await stat(f)).size).toBe(6);
      await s.put('m', { file: f, move: true });
      await expect(stat(f)).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await s.readBytes('m')).toString()).toBe('staged');
    } finally {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists like a directory walk, not in flat key order', async () => {
    const s = storage();
    for (const p of ['a-b', 'a/x', 'a/y/z', 'b']) await s.writeBytes(p, p);
    // Flat S3 order would be a-b, a/x, a/y/z, b ('-' sorts before '/').
    const got: string[] = [];
    for await (const p of s.list('')) got.push(p);
    expect(got).toEqual(['a/x', 'a/y/z', 'a-b', 'b']);
    await s.close();
  });

  it('sweepTemporaries aborts incomplete multipart uploads (paged), and returns 0 where the server cannot list them', async () => {
    const pages = [
      {
        Uploads: [
          { Key: 'p/root/x/1', UploadId: 'u1' },
          { Key: 'p/root/x/2', UploadId: 'u2' },
        ],
        IsTruncated: true,
        NextKeyMarker: 'p/root/x/2',
        NextUploadIdMarker: 'u2',
      },
      { Uploads: [{ Key: 'p/root/x/3', UploadId: 'u3' }], IsTruncated: false },
    ];
    const calls: Array<[string, Record<string, unknown>]> = [];
    const fake = {
      send: (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
        calls.push([cmd.constructor.name, cmd.input]);
        return Promise.resolve(cmd.constructor.name === 'ListMultipartUploadsCommand' ? pages.shift() : {});
      },
    } as unknown as S3Client;
    const s = new S3Storage({ bucket: 'b', prefix: 'p/root', client: fake });
    expect(await s.sweepTemporaries('x')).toBe(3);
    expect(calls.map(([n]) => n)).toEqual([
      'ListMultipartUploadsCommand',
      'AbortMultipartUploadCommand',
      'AbortMultipartUploadCommand',
      'ListMultipartUploadsCommand',
      'AbortMultipartUploadCommand',
    ]);
    expect(calls[0]?.[1]).toMatchObject({ Bucket: 'b', Prefix: 'p/root/x/' });
    expect(calls[3]?.[1]).toMatchObject({ KeyMarker: 'p/root/x/2', UploadIdMarker: 'u2' });
    expect(calls[4]?.[1]).toEqual({ Bucket: 'b', Key: 'p/root/x/3', UploadId: 'u3' });
    // s3rver answers NotImplemented to ListMultipartUploads.
    const real = storage();
    expect(await real.sweepTemporaries('')).toBe(0);
    await real.close();
  });

  it('holds an OCFL store: two versions with dedup, read back, validates', async () => {
    const s = storage();
    await s.init();
    try {
      const store = await OcflStore.open(s);
      const id = registrationObjectId('ZJ001', 'ZJ001-2026-000001');
      const v1 = Array.from({ length: 5 }, (_, i) => memFile(`档案/2026年/文书·${i}.txt`, `content ${i}`));
      v1.push(memFile('空文件.txt', ''));
      expect(await store.commitVersion(id, commitInput(v1, 'v1'))).toMatchObject({ version: 1, newContentFiles: 6 });
      const v2 = Array.from({ length: 5 }, (_, i) =>
        memFile(`档案/2026年/文书·${i}.txt`, i < 2 ? `changed ${i}` : `content ${i}`),
      );
      expect(await store.commitVersion(id, commitInput(v2, 'v2'))).toMatchObject({ version: 2, newContentFiles: 2 });
      const text = async (r: Readable): Promise<string> => {
        const chunks: Buffer[] = [];
        for await (const c of r) chunks.push(c as Buffer);
        return Buffer.concat(chunks).toString();
      };
      expect(await text(await store.openFile(id, '档案/2026年/文书·0.txt'))).toBe('changed 0');
      expect(await text(await store.openFile(id, '档案/2026年/文书·0.txt', 1))).toBe('content 0');
      expect((await store.versionState(id, 2)).get('档案/2026年/文书·4.txt')?.contentPath).toBe(
        'v1/content/档案/2026年/文书·4.txt',
      );
      const objects = [];
      for await (const o of store.listObjects()) objects.push(o);
      expect(objects).toEqual([{ path: store.objectRoot(id), objectId: id }]);
      const result = await validateStorageRoot(s);
      expect(result.errors).toEqual([]);
      expect(result.valid).toBe(true);
      // Same finding as on FsStorage, which shows the object itself was walked and validated.
      expect(new Set(result.warnings.map((w) => w.code))).toEqual(new Set(['W004']));
      expect((await OcflStore.open(s)).digestAlgorithm).toBe('sha256'); // reopens the existing root
    } finally {
      await s.close();
    }
  });
});
