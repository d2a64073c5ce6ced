import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runStorageSuite } from '../storage.suite.js';
import { FailingStorage } from '../test-support/failing-storage.js';
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
