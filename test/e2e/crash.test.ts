/**
 * Issue 2 "Must show": `kill -9` of `yinji deposit` at random points, ≥ 20
 * rounds. After each kill the next command (here `yinji store validate`)
 * opens the center, which recovers; then
 *  - the OCFL storage root validates, and
 *  - the registrations in the database and the objects in the store agree
 *    exactly (same ids, same head versions): no partial registration, no
 *    orphan object, no torn version.
 */
import { open, readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFile } from '../../src/digest/index.js';
import { collect, runYinji, startYinji, yinjiJson } from '../support/cli.js';
import { writeLargeFile, writeSmallTree } from '../support/trees.js';

const ROUNDS = 24;

/** Deterministic pseudo-random delays (mulberry32), so a failing round can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function storeObjects(storeRoot: string): Promise<Map<string, number>> {
  const objects = new Map<string, number>();
  for (const e of await readdir(storeRoot, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name === '0=ocfl_object_1.1') {
      const inv = JSON.parse(await readFile(join(e.parentPath, 'inventory.json'), 'utf8')) as {
        id: string;
        head: string;
      };
      objects.set(inv.id, Number(inv.head.slice(1)));
    }
  }
  return objects;
}

describe('kill -9 during deposit', () => {
  let tmp: string;
  let src: string;
  let data: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-crash-'));
    src = join(tmp, 'src');
    data = join(tmp, 'data');
    await writeSmallTree(src, 600);
    await writeLargeFile(join(src, '影像', '扫描件.bin'), 96 * 1024 ** 2);
  }, 120_000);

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it(`never leaves a partial registration or an invalid OCFL object (${ROUNDS} rounds)`, async () => {
    const seed = Number(process.env.YINJI_CRASH_SEED ?? 20261121);
    const random = rng(seed);
    const touchBigFile = async (mark: string): Promise<void> => {
      // Change the large file so every deposit, new registration or new version, writes it again.
      const big = await open(join(src, '影像', '扫描件.bin'), 'r+');
      await big.write(Buffer.from(mark), 0, undefined, 0);
      await big.close();
    };
    // One clean run of each kind sets the range of kill times for that kind
    // (a new version deduplicates the small files, so it is quicker).
    const originalBig = (await digestFile(join(src, '影像', '扫描件.bin'))).digests.sha256;
    let t0 = Date.now();
    const base = await yinjiJson<{ regno: string }>(['--data', data, 'deposit', src, '--unit', 'CRASH']);
    const newMs = Date.now() - t0;
    await touchBigFile('warm-up');
    t0 = Date.now();
    await yinjiJson(['--data', data, 'deposit', src, '--to', base.regno]);
    const versionMs = Date.now() - t0;

    let killedMidway = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await touchBigFile(`round ${round}`);
      const asVersion = round % 2 === 0;
      const args = ['--data', data, 'deposit', src, '--unit', 'CRASH'];
      if (asVersion) args.push('--to', base.regno);
      const child = startYinji(args);
      const done = collect(child);
      const delay = Math.floor(random() * (asVersion ? versionMs : newMs) * 0.95);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const result = await done;
      clearTimeout(timer);
      if (result.signal === 'SIGKILL') killedMidway++;
      else expect(result.code, `round ${round} (seed ${seed}): ${result.stderr}`).toBe(0);

      // The next command opens the center (recovery), then validates the whole root.
      const validated = await runYinji(['--data', data, 'store', 'validate', '--no-fixity', '--json']);
      const report = JSON.parse(validated.stdout || '{}') as { errors?: unknown[] };
      expect(report.errors, `round ${round} (seed ${seed}, kill at ${delay} ms): ${validated.stderr}`).toEqual([]);

      const listed = await yinjiJson<{ items: { objectId: string; headVersion: number }[] }>([
        '--data',
        data,
        'list',
        '--limit',
        '1000',
      ]);
      const registered = new Map(listed.items.map((r) => [r.objectId, r.headVersion]));
      expect(await storeObjects(join(data, 'store')), `round ${round} (seed ${seed})`).toEqual(registered);
    }
    // Most rounds must really have been cut off mid-deposit for the test to mean anything.
    expect(killedMidway).toBeGreaterThanOrEqual(ROUNDS / 2);

    // Every registration the crashes left — completed by recovery or not — carries valid evidence.
    const final = await yinjiJson<{ items: { regno: string }[] }>(['--data', data, 'list', '--limit', '1000']);
    for (const { regno } of final.items) {
      const shown = await yinjiJson<{ headVersion: number }>(['--data', data, 'show', regno]);
      for (let v = 1; v <= shown.headVersion; v++) {
        const verified = await runYinji(['--data', data, 'verify', '--regno', regno, '--version', String(v)]);
        expect(verified.code, `${regno} v${v}: ${verified.stdout}`).toBe(0);
      }
    }

    // Full fixity check at the end, and version 1 of the first registration still restores byte-identical.
    const report = await yinjiJson<{ valid: boolean }>(['--data', data, 'store', 'validate']);
    expect(report.valid).toBe(true);
    const out = join(tmp, 'restored');
    await yinjiJson(['--data', data, 'restore', base.regno, '--version', '1', '--to', out]);
    // The large file has changed since; compare it with its digest from before the first deposit.
    execFileSync('diff', ['-r', '--exclude', '扫描件.bin', src, out]);
    expect((await digestFile(join(out, '影像', '扫描件.bin'))).digests.sha256).toBe(originalBig);
  }, 1_200_000);
});
