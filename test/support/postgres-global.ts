/**
 * Vitest global setup: a throwaway PostgreSQL cluster for the whole run.
 *
 * initdb refuses to run as root, so as root the cluster belongs to the
 * `postgres` user (runuser); its socket lives in a temp dir and it listens on
 * 127.0.0.1 at a free port. Tests read the URL with inject('postgresUrl') and
 * each creates its own database (test/support/databases.ts). The cluster is
 * stopped and deleted when the run ends.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Debian installs initdb/pg_ctl under /usr/lib/postgresql/<major>/bin, not on PATH. */
function pgBinary(name: string): string {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return name;
  const majors = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const candidate = join(base, major, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  return name;
}

function asClusterOwner(cmd: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const bin = pgBinary(cmd);
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'yinji-pg-'));
  const dataDir = join(dir, 'data');
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const port = await freePort();
  try {
    asClusterOwner('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    asClusterOwner('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      '-w',
      'start',
    ]);
  } catch (e) {
    throw new Error(
      'could not start a throwaway PostgreSQL cluster: is PostgreSQL installed (initdb, pg_ctl on PATH)? .ci/run installs it',
      { cause: e },
    );
  }
  project.provide('postgresUrl', `postgres://postgres@127.0.0.1:${port}/postgres`);
  return () => {
    try {
      asClusterOwner('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
