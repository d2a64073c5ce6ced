/**
 * Background jobs through the CLI, as an operator of an embedded center sees
 * them: a deposit queues its fixity check, `yinji jobs` shows it, `yinji jobs
 * run` does it, and a stored file changed behind Yinji's back makes the check
 * fail visibly (a failed check is still a job done: the finding is the result).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYinji, yinjiJson } from '../support/cli.js';
import { writeSmallTree } from '../support/trees.js';

interface Overview {
  counts: Record<'queued' | 'running' | 'done' | 'failed', number>;
  jobs: { key: string; state: string; result: { ok: boolean; problemCount: number } | null }[];
}

describe('yinji jobs', () => {
  let tmp: string;
  let data: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-jobs-cli-'));
    data = join(tmp, 'data');
    await writeSmallTree(join(tmp, 'src'), 5);
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists queued fixity checks, runs them, and shows a failed check after bit rot', async () => {
    const { regno } = await yinjiJson<{ regno: string }>(['--data', data, 'deposit', join(tmp, 'src')]);
    const queued = await yinjiJson<Overview>(['--data', data, 'jobs']);
    // The fixity check and the catalog job (catalog-deposit.ts), newest first.
    expect(queued.counts).toEqual({ queued: 2, running: 0, done: 0, failed: 0 });
    expect(queued.jobs.map((j) => j.key)).toEqual([`catalog:${regno}:v1`, `fixity:${regno}:v1`]);

    // …and the full-text job the catalog job queues.
    expect(await yinjiJson(['--data', data, 'jobs', 'run'])).toEqual({ done: 3 });
    const zh = await runYinji(['--data', data, 'jobs', '--state', 'done', '--kind', 'fixity']);
    expect(zh.code).toBe(0);
    expect(zh.stdout).toContain('完成 3');
    expect(zh.stdout).toContain(`fixity:${regno}:v1`);
    expect(zh.stdout).not.toContain(`catalog:${regno}:v1`);

    // Rot one stored content file, then register a version: its check reads every file of v2, the rotten one too.
    const stored = (await readdir(join(data, 'store'), { recursive: true, withFileTypes: true })).find(
      (e) => e.isFile() && e.parentPath.includes('/content') && !e.name.endsWith('.json'),
    )!;
    await writeFile(join(stored.parentPath, stored.name), 'rotten');
    await writeFile(join(tmp, 'src', 'new.txt'), 'new');
    await yinjiJson(['--data', data, 'deposit', join(tmp, 'src'), '--to', regno]);
    await yinjiJson(['--data', data, 'jobs', 'run']);
    const after = await yinjiJson<Overview>(['--data', data, 'jobs', '--state', 'done', '--kind', 'fixity']);
    expect(after.jobs[0]).toMatchObject({ key: `fixity:${regno}:v2`, result: { ok: false, problemCount: 1 } });

    const bad = await runYinji(['--data', data, 'jobs', '--state', 'nonsense']);
    expect(bad.code).toBe(2);
  });

  it('init --storage puts the OCFL root where the operator says', async () => {
    const other = join(tmp, 'other');
    await yinjiJson(['--data', other, 'init', '--storage', join(tmp, 'elsewhere', 'ocfl')]);
    const { regno } = await yinjiJson<{ regno: string }>(['--data', other, 'deposit', join(tmp, 'src')]);
    const entries = await readdir(join(tmp, 'elsewhere', 'ocfl'));
    expect(entries).toContain('0=ocfl_1.1');
    const shown = await yinjiJson<{ regno: string }>(['--data', other, 'show', regno]);
    expect(shown.regno).toBe(regno);
  });
});
