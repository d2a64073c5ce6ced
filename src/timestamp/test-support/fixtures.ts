/** Helpers for the timestamp tests: the openssl CLI and temp dirs. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface OpensslResult {
  readonly code: number;
  readonly out: string;
}

/** Run `openssl args…` in `cwd`; never rejects, so tests can assert on failures too. */
export async function openssl(cwd: string, args: readonly string[]): Promise<OpensslResult> {
  try {
    const { stdout, stderr } = await run('openssl', [...args], { cwd, encoding: 'utf8' });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: (err.stdout ?? '') + (err.stderr ?? '') };
  }
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'yinji-ts-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
