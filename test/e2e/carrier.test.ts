/**
 * Issue 7 item 2, offline carriers (脱机备份), through the real CLI: deposit,
 * write every registration to a carrier directory (what is then burnt to an
 * optical disc), lose every object of the store, import the carrier, and get
 * a valid store and byte-identical restores back.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYinji, yinjiJson } from '../support/cli.js';
import { writeSmallTree } from '../support/trees.js';

interface DepositJson {
  regno: string;
  version: number;
}

describe('yinji carrier export / import', () => {
  let tmp: string;
  let data: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-carrier-e2e-'));
    data = join(tmp, 'data');
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('restores a wiped store from an optical-disc carrier, byte for byte', async () => {
    const srcA = join(tmp, 'src-a');
    await writeSmallTree(srcA, 200);
    const srcA2 = join(tmp, 'src-a2');
    await cp(srcA, srcA2, { recursive: true, preserveTimestamps: true });
    await writeFile(join(srcA2, '补充材料.txt'), '第二版新增');
    const srcB = join(tmp, 'src-b');
    await mkdir(join(srcB, '工程竣工图', '空目录'), { recursive: true });
    await writeFile(join(srcB, '工程竣工图', '总平面图.dwg'), Buffer.alloc(300_000, 9));
    await utimes(join(srcB, '工程竣工图', '总平面图.dwg'), new Date('2019-05-06Z'), new Date('2019-05-06Z'));

    const a = await yinjiJson<DepositJson>([
      '--data',
      data,
      'deposit',
      srcA,
      '--unit',
      '330100',
      '--title',
      '往来文书',
    ]);
    await yinjiJson(['--data', data, 'deposit', srcA2, '--to', a.regno]);
    const b = await yinjiJson<DepositJson>(['--data', data, 'deposit', srcB, '--unit', '330200']);

    const carrier = join(tmp, 'CD-2026-001');
    const exported = await yinjiJson<{ entries: { regno: string; headVersion: number }[]; failed: unknown[] }>([
      '--data',
      data,
      'carrier',
      'export',
      '--to',
      carrier,
      '--all',
      '--serial',
      'CD-2026-001',
      '--type',
      'optical-disc',
    ]);
    expect(exported.failed).toEqual([]);
    expect(exported.entries.map((e) => [e.regno, e.headVersion])).toEqual([
      [a.regno, 2],
      [b.regno, 1],
    ]);
    expect((await readdir(carrier)).sort()).toEqual(['bags', 'carrier.json', 'carrier.sig']);
    const bagCheck = await runYinji(['--data', data, 'bag', 'validate', join(carrier, 'bags', a.regno)]);
    expect(bagCheck.code, bagCheck.stderr).toBe(0);

    // Lose every object of the store (the 0004 layout's tuple directories).
    const store = join(data, 'store');
    for (const name of await readdir(store)) {
      if (/^[0-9a-f]{3}$/.test(name)) await rm(join(store, name), { recursive: true });
    }
    expect((await runYinji(['--data', data, 'store', 'validate'])).code).toBe(0); // an empty root is valid…
    expect((await runYinji(['--data', data, 'restore', a.regno, '--to', join(tmp, 'none')])).code).not.toBe(0);

    // Human output first (Chinese by default), then JSON.
    const imported = await runYinji(['--data', data, 'carrier', 'import', carrier]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`${a.regno}  已恢复（原缺失）`);
    expect(imported.stdout).toContain('签名有效：恢复 2');

    const validate = await runYinji(['--data', data, 'store', 'validate']);
    expect(validate.code, validate.stdout).toBe(0);
    for (const [regno, version, src] of [
      [a.regno, 1, srcA],
      [a.regno, 2, srcA2],
      [b.regno, 1, srcB],
    ] as const) {
      const out = join(tmp, `out-${regno}-${version}`);
      await yinjiJson(['--data', data, 'restore', regno, '--version', String(version), '--to', out]);
      execFileSync('diff', ['-r', src, out]); // throws on any difference, incl. empty directories
    }

    const again = await yinjiJson<{ items: { status: string }[] }>(['--data', data, 'carrier', 'import', carrier]);
    expect(again.items.map((i) => i.status)).toEqual(['intact', 'intact']);
  }, 120_000);

  it('refuses a tampered carrier with the integrity exit code', async () => {
    const carrier = join(tmp, 'CD-2026-001');
    const tampered = join(tmp, 'tampered');
    await cp(carrier, tampered, { recursive: true });
    const json = await readFile(join(tampered, 'carrier.json'), 'utf8');
    await writeFile(join(tampered, 'carrier.json'), json.replace('optical-disc', 'tape'));
    const r = await runYinji(['--data', data, '--lang', 'en', 'carrier', 'import', tampered]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('E_CARRIER_INVALID');
    expect(r.stderr).toContain('the carrier manifest was altered');

    const usage = await runYinji([
      '--data',
      data,
      'carrier',
      'export',
      '--to',
      join(tmp, 'x'),
      '--serial',
      'X',
      '--type',
      'tape',
    ]);
    expect(usage.code).toBe(2);
  });
});
