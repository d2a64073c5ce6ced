import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Which process-ID space this process lives in: the boot (a pid means nothing
 * across a reboot) and the pid namespace (containers sharing a hostname do not
 * see each other's processes). Empty where /proc does not tell.
 */
function pidSpace(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
    return `${boot}.${statSync('/proc/self/ns/pid').ino}`;
  } catch {
    return '';
  }
}

const PID_SPACE = pidSpace();

/**
 * Who this process is, in leases and job claims: `host:pid:random:pidspace`.
 * The random part tells apart two Centers opened in one process (tests, the
 * CLI running recovery while serving); the pid space says where the pid means
 * something (see pidSpace).
 */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}:${PID_SPACE}`;
}

/**
 * Whether a lease holder is certainly gone: a process in this machine's pid
 * space (same host, boot and pid namespace) that no longer runs (kill -9, power loss before a restart). Its leases can be taken
 * at once instead of after they expire — what makes a restart after a crash
 * recover immediately. Holders on other machines are judged by expiry alone.
 */
export function isDeadOwner(owner: string): boolean {
  const [host, pid, , space] = owner.split(':');
  // Only where this process's pids are the owner's: same host, same boot, same pid namespace.
  if (host !== hostname() || PID_SPACE === '' || space !== PID_SPACE) return false;
  return !processIsAlive(Number(pid));
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
