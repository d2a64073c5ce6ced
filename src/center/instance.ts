import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who this process is, in leases and job claims: `host:pid:random`. The
 * random part tells apart two Centers opened in one process (tests, the CLI
 * running recovery while serving).
 */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Whether a lease holder is certainly gone: a process on this machine that no
 * longer runs (kill -9, power loss before a restart). Its leases can be taken
 * at once instead of after they expire — what makes a restart after a crash
 * recover immediately. Holders on other machines are judged by expiry alone.
 */
export function isDeadOwner(owner: string): boolean {
  const [host, pid] = owner.split(':');
  return host === hostname() && !processIsAlive(Number(pid));
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
