/**
 * Issue 7 item 6, disaster recovery through the real CLI: deposit for two
 * units, restore every registration (`yinji restore --all`) or one unit's
 * (`--unit … --all`) with `--verify`, and get byte-identical trees back.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYinji, yinjiJson } from '../support/cli.js';
import { writeSmallTree } from '../support/trees.js';

interface DepositJson {
  regno: string;
  version: number;
}

interface RestoreAllJson {
  to: string;
  items: { regno: string; unit: string; status: string; files: number; bytes: number; verified?: boolean }[];
  totals: { registrations: number; restored: number; skipped: number; failed: number; verifyFailed: number };
  elapsedMs: number;
}

const MARKER = '.yinji-restored.json';

/** `diff -r` of a source tree and its restore, the restore marker left out. */
function sameTree(src: string, restored: string): void {
  execFileSync('diff', ['-r', '-x', MARKER, src, restored]); // throws on any difference, incl. empty dirs
}

describe('yinji restore --all', () => {
  let tmp: string;
  let data: string;
  const src: Record<string, string> = {};
  const regno: Record<string, string> = {};

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-restore-all-e2e-'));
    data = join(tmp, 'data');
    src.a = join(tmp, 'src-a');
    await writeSmallTree(src.a, 120);
    src.b = join(tmp, 'src-b');
    await mkdir(join(src.b, '工程竣工图', '空目录'), { recursive: true });
    await writeFile(join(src.b, '工程竣工图', '总平面图.dwg'), Buffer.alloc(300_000, 9));
    await utimes(join(src.b, '工程竣工图', '总平面图.dwg'), new Date('2019-05-06Z'), new Date('2019-05-06Z'));
    src.c = join(tmp, 'src-c');
    await mkdir(join(src.c, '会计凭证'), { recursive: true });
    await writeFile(join(src.c, '会计凭证', '凭证.csv'), '科目,金额\n银行存款,100\n');

    regno.a = (await yinjiJson<DepositJson>(['--data', data, 'deposit', src.a, '--unit', '330100'])).regno;
    regno.b = (await yinjiJson<DepositJson>(['--data', data, 'deposit', src.b, '--unit', '330200'])).regno;
    regno.c = (await yinjiJson<DepositJson>(['--data', data, 'deposit', src.c, '--unit', '330100'])).regno;
    // A second version of c: the head is what --all restores.
    await writeFile(join(src.c, '会计凭证', '凭证 2.csv'), '科目,金额\n应付账款,200\n');
    await yinjiJson(['--data', data, 'deposit', src.c, '--to', regno.c]);
  }, 120_000);

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('restores every registration of the center, verified and identical, and a rerun skips them', async () => {
    const to = join(tmp, 'dr');
    const r = await yinjiJson<RestoreAllJson>(['--data', data, 'restore', '--all', '--to', to, '--verify']);
    expect(r.totals).toMatchObject({ registrations: 3, restored: 3, skipped: 0, failed: 0, verifyFailed: 0 });
    expect(r.items.every((i) => i.status === 'restored' && i.verified === true)).toBe(true);
    expect((await readdir(to)).sort()).toEqual(['330100', '330200']);
    sameTree(src.a!, join(to, '330100', regno.a!));
    sameTree(src.b!, join(to, '330200', regno.b!));
    sameTree(src.c!, join(to, '330100', regno.c!));
    expect(typeof r.elapsedMs).toBe('number');

    const again = await runYinji(['--data', data, 'restore', '--all', '--to', to, '--json']);
    expect(again.code).toBe(0);
    const rerun = JSON.parse(again.stdout) as RestoreAllJson;
    expect(rerun.totals).toMatchObject({ restored: 0, skipped: 3 });
  });

  it('--unit restores one unit as <to>/<regno>', async () => {
    const to = join(tmp, 'dr-unit');
    const r = await yinjiJson<RestoreAllJson>([
      '--data',
      data,
      'restore',
      '--unit',
      '330100',
      '--all',
      '--to',
      to,
      '--verify',
    ]);
    expect(r.items.map((i) => i.regno).sort()).toEqual([regno.a, regno.c].sort());
    expect((await readdir(to)).sort()).toEqual([regno.a, regno.c].sort());
    sameTree(src.a!, join(to, regno.a!));
    sameTree(src.c!, join(to, regno.c!));
  });

  it('a non-empty target is skipped, not overwritten, and the exit code says so', async () => {
    const to = join(tmp, 'dr-conflict');
    await mkdir(join(to, regno.a!), { recursive: true });
    await writeFile(join(to, regno.a!, 'mine.txt'), 'keep');
    const r = await runYinji(['--data', data, '--lang', 'en', 'restore', '--unit', '330100', '--all', '--to', to]);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain(`${regno.a}  skipped`);
    expect(r.stdout).toContain('1 skipped');
    expect(await readdir(join(to, regno.a!))).toEqual(['mine.txt']);
    sameTree(src.c!, join(to, regno.c!));
  });

  it('verifies a single restore too', async () => {
    const to = join(tmp, 'one');
    const r = await yinjiJson<{ verified: boolean; problems: unknown[] }>([
      '--data',
      data,
      'restore',
      regno.b!,
      '--to',
      to,
      '--verify',
    ]);
    expect(r).toMatchObject({ verified: true, problems: [] });
    sameTree(src.b!, to);
  });

  it('refuses wrong combinations as usage errors', async () => {
    const to = join(tmp, 'never');
    for (const args of [
      ['restore', regno.a!, '--all', '--to', to],
      ['restore', '--unit', '330100', '--to', to],
      ['restore', '--to', to],
      ['restore', '--all', '--version', '1', '--to', to],
    ]) {
      const r = await runYinji(['--data', data, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
    }
    await expect(readdir(to)).rejects.toThrow();
  });
});
