import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsStorage } from '../fs/fs-storage.js';
import type { CommitFile, CommitInput } from '../ocfl/commit.js';

/** A CommitFile for in-memory content (tests). */
export function memFile(logicalPath: string, content: string | Buffer): CommitFile {
  const buf = Buffer.from(content);
  return {
    logicalPath,
    digest: createHash('sha256').update(buf).digest('hex'),
    size: buf.length,
    source: () => Readable.from([buf]),
  };
}

export function commitInput(files: CommitFile[], message = 'deposit'): CommitInput {
  return {
    files,
    created: new Date('2026-03-01T08:00:00+08:00'),
    message,
    user: { name: '测试员', address: 'mailto:tester@example.org' },
  };
}

/** A fresh FsStorage in a temp dir (tests); call cleanup() afterwards. */
export async function tempFsStorage(): Promise<{ storage: FsStorage; dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'yinji-ocfl-'));
  const storage = new FsStorage(join(dir, 'root'));
  await storage.init();
  return { storage, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
