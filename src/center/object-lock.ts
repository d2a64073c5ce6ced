import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BusyError } from '../core/index.js';

/**
 * A lock file per OCFL object, so two processes (two `yinji deposit`, or the
 * server and the CLI) never write versions of one object at once, and start-up
 * recovery never rolls back a commit that a live process is still making.
 *
 * The lock file holds "pid@host"; a lock whose process is gone (kill -9) is
 * stale and taken over. It is written under a private name and hard-linked
 * into place, so it appears atomically with its owner already in it (an
 * O_EXCL create would show an empty file that looks stale for a moment).
 */
export interface ObjectLock {
  release(): Promise<void>;
}

export async function acquireObjectLock(lockDir: string, key: string): Promise<ObjectLock> {
  await mkdir(lockDir, { recursive: true });
  const file = join(lockDir, `${encodeURIComponent(key)}.lock`);
  const me = `${process.pid}@${hostname()}`;
  const mine = `${file}.${process.pid}.${randomUUID()}.tmp`; // unique: one process may lock several times at once
  await writeFile(mine, me);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(mine, file);
        return { release: () => rm(file, { force: true }) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = await readFile(file, 'utf8').catch(() => '');
        if (isLive(owner)) {
          throw new BusyError(
            {
              zh: `${key} 正被另一进程（${owner}）写入，请稍后重试`,
              en: `${key} is being written by another process (${owner}); retry later`,
            },
            { details: { key, owner } },
          );
        }
        // Stale: its process died. (Two processes judging the same lock stale at once could both take
        // it over; the intent row's primary key still keeps their commits apart — see deposit.ts.)
        await rm(file, { force: true });
      }
    }
  } finally {
    await rm(mine, { force: true });
  }
  throw new BusyError({ zh: `无法锁定 ${key}`, en: `could not lock ${key}` });
}

function isLive(owner: string): boolean {
  const [pidText, host] = owner.split('@');
  if (host !== hostname() && host !== undefined) return true; // another machine: cannot tell, assume live
  return processIsAlive(Number(pidText));
}

/** Whether a process with this pid runs on this machine (signal 0 probes without sending). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
