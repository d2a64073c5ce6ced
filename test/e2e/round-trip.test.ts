/**
 * Issue 2 "Must show": deposit a tree of 10,000 files with Chinese names,
 * empty files and a 2 GB file, restore it byte-identical (`diff -r`), then
 * re-deposit with 3 files changed: only those 3 are stored again.
 * Driven through the real CLI, as an operator would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yinjiJson } from '../support/cli.js';
import { smallPath, treeBytes, writeLargeFile, writeSmallTree } from '../support/trees.js';

const FILES = 10_000;
/** 2 GiB as the issue asks; YINJI_TEST_LARGE_BYTES may shrink it for a quick local run. */
const LARGE = Number(process.env.YINJI_TEST_LARGE_BYTES ?? 2 * 1024 ** 3);

interface DepositJson {
  regno: string;
  version: number;
  fileCount: number;
  byteCount: number;
  storedFiles: number;
  storedBytes: number;
}

describe('deposit → restore round trip through the CLI', () => {
  let tmp: string;
  let src: string;
  let data: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-roundtrip-'));
    src = join(tmp, 'src');
    data = join(tmp, 'data');
    await writeSmallTree(src, FILES);
    await writeLargeFile(join(src, '工程竣工图', '大型图纸 2GB.bin'), LARGE);
  }, 600_000);

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('restores 10,000 files and a 2 GB file identically, and a re-deposit stores only the 3 changed files', async () => {
    const first = await yinjiJson<DepositJson>([
      '--data',
      data,
      'deposit',
      src,
      '--unit',
      '330100TEST',
      '--title',
      '往来文书 2026',
    ]);
    expect(first.regno).toMatch(/^YINJI-\d{4}-000001$/);
    expect(first.fileCount).toBe(FILES + 1);
    expect(first.byteCount).toBe(await treeBytes(src));

    const out1 = join(tmp, 'restore-v1');
    await yinjiJson(['--data', data, 'restore', first.regno, '--to', out1]);
    execFileSync('diff', ['-r', src, out1]); // throws (exit 1) on any difference, incl. empty dirs
    const someFile = smallPath(1234);
    expect((await stat(join(out1, someFile))).mtimeMs).toBe((await stat(join(src, someFile))).mtimeMs);
    await rm(out1, { recursive: true });

    // Change 3 files (one grows, one shrinks, one same size) and deposit again as version 2.
    const changed = [smallPath(10), smallPath(5000), smallPath(9999)];
    const originals = await Promise.all(changed.map((p) => readFile(join(src, p))));
    await writeFile(join(src, changed[0]!), Buffer.alloc(300_000, 1));
    await writeFile(join(src, changed[1]!), 'shorter');
    await writeFile(join(src, changed[2]!), Buffer.from(originals[2]!.map((b) => b ^ 0xff)));
    const changedBytes = 300_000 + 'shorter'.length + originals[2]!.length;

    const storeBefore = await treeBytes(join(data, 'store'));
    const second = await yinjiJson<DepositJson>(['--data', data, 'deposit', src, '--to', first.regno]);
    const growth = (await treeBytes(join(data, 'store'))) - storeBefore;
    expect(second.version).toBe(2);
    expect(second.storedFiles).toBe(3);
    expect(second.storedBytes).toBe(changedBytes);
    // growth ≈ the 3 files plus the new version's inventory and registration record (metadata, a few MB for 10,000 paths)
    expect(growth).toBeGreaterThanOrEqual(changedBytes);
    expect(growth - changedBytes).toBeLessThan(16 * 1024 ** 2);

    const out2 = join(tmp, 'restore-v2');
    await yinjiJson(['--data', data, 'restore', first.regno, '--to', out2]);
    execFileSync('diff', ['-r', src, out2]);
    await rm(out2, { recursive: true });

    // Version 1 is still there as it was.
    const outOld = join(tmp, 'restore-old');
    await yinjiJson(['--data', data, 'restore', first.regno, '--version', '1', '--to', outOld]);
    for (const [i, p] of changed.entries()) expect((await readFile(join(outOld, p))).equals(originals[i]!)).toBe(true);

    const report = await yinjiJson<{ valid: boolean; errors: unknown[] }>(['--data', data, 'store', 'validate']);
    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);
  }, 1_800_000);
});
