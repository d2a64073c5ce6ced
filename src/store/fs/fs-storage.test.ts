import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runStorageSuite } from '../storage.suite.js';
import { FailingStorage } from '../test-support/failing-storage.js';
import { TEMP_PREFIX } from '../storage-path.js';
import { FsStorage } from './fs-storage.js';

runStorageSuite('fs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'yinji-fs-'));
  return { storage: new FsStorage(join(dir, 'root')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FsStorage specifics', () => {
  it('maps ENOSPC to StorageFullError and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-fs-'));
    try {
      const fs = new FsStorage(dir);
      await fs.init();
      const full = new FailingStorage(fs, { failAfterBytes: 10 });
      await expect(full.put('a/b', Readable.from([Buffer.alloc(100)]))).rejects.toMatchObject({
        code: 'E_STORAGE_FULL',
      });
      expect(await readdir(join(dir, 'a')).catch(() => [])).toEqual([]);
      expect(await fs.exists('a/b')).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a write whose new directory a concurrent clean-up removes still succeeds', async () => {
    // A failed put removes the directories it left empty (OCFL forbids empty ones). A put into the
    // same new directory at that moment saw it vanish under its mkdir (ENOTDIR) or its temp file
    // (ENOENT) — once in CI, during a storage migration. Here a pruner removes it without pause.
    const dir = await mkdtemp(join(tmpdir(), 'yinji-fs-'));
    try {
      const fs = new FsStorage(dir);
      await fs.init();
      const data = Buffer.from('正文');
      const expected = { algorithm: 'sha256' as const, digest: createHash('sha256').update(data).digest('hex') };
      let writing = true;
      let pruned = 0;
      const pruner = (async () => {
        while (writing) {
          for (const d of ['o/v1/content/data/0', 'o/v1/content/data', 'o/v1/content', 'o/v1', 'o']) {
            await rmdir(join(dir, d)).then(
              () => pruned++,
              () => undefined,
            );
          }
        }
      })();
      try {
        for (let i = 0; i < 300; i++) {
          await fs.put(`o/v1/content/data/${i % 2}/${i}.txt`, Readable.from([data]), { expected });
          await fs.delete(`o/v1/content/data/${i % 2}/${i}.txt`);
        }
      } finally {
        writing = false;
        await pruner;
      }
      expect(pruned).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sweeps the empty directories and temp files a crash mid-write leaves, keeping real files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-fs-'));
    try {
      const fs = new FsStorage(dir);
      await fs.init();
      await fs.writeBytes('obj/v1/content/kept.txt', 'x');
      // What a kill -9 between mkdir and the first byte leaves: a directory chain, a temp file.
      await mkdir(join(dir, 'obj', 'v2', 'content', 'data', '影像'), { recursive: true });
      await writeFile(join(dir, 'obj', 'v2', 'content', 'data', `${TEMP_PREFIX}abc`), 'partial');
      expect(await fs.sweepTemporaries('obj')).toBe(5); // temp file + 4 directories
      expect(await readdir(join(dir, 'obj'))).toEqual(['v1']);
      expect(await fs.readBytes('obj/v1/content/kept.txt')).toEqual(Buffer.from('x'));
      expect(await fs.sweepTemporaries('obj')).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('copies and reads files on both sides of the one-read size limit (1 MiB) byte for byte, digest checked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-fs-'));
    try {
      const fs = new FsStorage(join(dir, 'root'));
      await fs.init();
      for (const size of [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 << 20]) {
        const data = randomBytes(size);
        const source = join(dir, `source-${size}`);
        await writeFile(source, data);
        const digest = createHash('sha256').update(data).digest('hex');
        await fs.put(`f/${size}`, { file: source }, { expected: { algorithm: 'sha256', digest } });
        const chunks: Buffer[] = [];
        for await (const chunk of await fs.read(`f/${size}`)) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).equals(data)).toBe(true);
        const wrong = { algorithm: 'sha256' as const, digest: '0'.repeat(64) };
        await expect(fs.put(`g/${size}`, { file: source }, { expected: wrong })).rejects.toMatchObject({
          code: 'E_DIGEST_MISMATCH',
        });
        expect(await fs.exists(`g/${size}`)).toBe(false);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing outside its root', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-fs-'));
    try {
      const fs = new FsStorage(join(dir, 'root'));
      await fs.init();
      await expect(fs.writeBytes('../escape', 'x')).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
      expect(await readdir(dir)).toEqual(['root']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
