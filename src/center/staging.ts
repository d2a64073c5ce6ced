import { randomUUID } from 'node:crypto';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { processIsAlive } from './instance.js';

/**
 * Staging (前处理库) entries are named `<pid>-<uuid>` after the process that
 * owns them, so start-up can remove what a killed process left behind without
 * touching the work of a live one.
 */
export function stagingPath(
  stagingDir: string,
  kind: 'deposit' | 'upload' | 'export' | 'recheck' | 'text',
  ext = '',
): string {
  return join(stagingDir, `${process.pid}-${kind}-${randomUUID()}${ext}`);
}

/**
 * Resumable (tus) uploads live in `<stagingDir>/tus/`: they must outlive the
 * process that received them (a client resumes after a server restart), so
 * start-up clean-up skips them; they expire after `uploadExpiryHours` instead.
 */
export const RESUMABLE_UPLOADS_DIR = 'tus';

/**
 * Packages of submissions in progress (center/submissions.ts) live in
 * `<stagingDir>/submissions/` until registered or withdrawn: they too must
 * outlive the process, so start-up clean-up skips them.
 */
export const SUBMISSIONS_DIR = 'submissions';

export async function cleanStaging(stagingDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(stagingDir).catch(() => [] as string[])) {
    if (name === RESUMABLE_UPLOADS_DIR || name === SUBMISSIONS_DIR) continue;
    const pid = Number(name.split('-', 1)[0]);
    if (processIsAlive(pid)) continue;
    await rm(join(stagingDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Stream `file` and remove the staging folder `dir` holding it: the file is
 * opened before the folder goes, so the stream reads the unlinked file and
 * nothing is left behind however the reader ends.
 */
export async function streamThenRemove(file: string, dir: string): Promise<{ stream: Readable; size: number }> {
  const handle = await open(file, 'r');
  const size = (
    await handle.stat().catch(async (e: unknown) => {
      await handle.close();
      throw e;
    })
  ).size;
  await rm(dir, { recursive: true, force: true });
  return { stream: handle.createReadStream(), size };
}
