import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestWorkers } from './digest-workers.js';
import { digestFile } from './multi-digest.js';

describe('DigestWorkers', () => {
  let dir: string;
  const workers = new DigestWorkers(2);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'yinji-digest-workers-'));
  });
  afterAll(async () => {
    await workers.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same digests and sizes as digestFile, for many files at once and every algorithm', async () => {
    const sizes = [
      0,
      1,
      1000,
      1 << 20,
      (1 << 20) + 7,
      3 * (1 << 20) + 1,
      ...Array.from({ length: 40 }, (_, i) => i * 997),
    ];
    const paths = await Promise.all(
      sizes.map(async (size, i) => {
        const p = join(dir, `f${i}`);
        await writeFile(p, randomBytes(size));
        return p;
      }),
    );
    const algorithms = ['sha256', 'sm3', 'sha512'] as const;
    const got = await Promise.all(paths.map((p) => workers.digestFile(p, algorithms)));
    const want = await Promise.all(paths.map((p) => digestFile(p, algorithms)));
    expect(got).toEqual(want);
    expect(got.map((r) => r.size)).toEqual(sizes);
  });

  it('rejects a file it cannot read with the fs error code, and keeps working', async () => {
    const missing = workers.digestFile(join(dir, 'no-such-file'), ['sha256']);
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(workers.digestFile(dir, ['sha256'])).rejects.toMatchObject({ code: 'EISDIR' });
    const p = join(dir, 'after');
    await writeFile(p, 'abc');
    expect((await workers.digestFile(p, ['sha256'])).digests.sha256).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('answers an abort at once', async () => {
    const p = join(dir, 'big');
    await writeFile(p, Buffer.alloc(64 << 20));
    const ac = new AbortController();
    const pending = workers.digestFile(p, ['sha256'], { signal: ac.signal });
    ac.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
    await expect(workers.digestFile(p, ['sha256'], { signal: ac.signal })).rejects.toThrow('stopped');
  });
});
