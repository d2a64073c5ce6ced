/**
 * Issue 2 "Must show": bad input gives one clear error line, a non-zero exit
 * code, and nothing lost or half-written — the earlier registration is intact,
 * the store validates, staging is empty, and no file escaped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYinji, yinjiJson, type CliResult } from '../support/cli.js';
import { buildZip } from '../../src/packages/test-support/raw-zip.js';
import { writeLargeFile, writeSmallTree } from '../support/trees.js';

const EXIT_REJECTED = 3;
const EXIT_STORAGE = 5;

function expectOneClearLine(r: CliResult, code: number): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^错误 \[E_[A-Z_]+\]: \S/);
}

describe('bad input is refused cleanly', () => {
  let tmp: string;
  let data: string;
  let goodRegno: string;
  let goodSrc: string;

  async function expectNothingChanged(): Promise<void> {
    const listed = await yinjiJson<{ total: number }>(['--data', data, 'list']);
    expect(listed.total).toBe(1);
    const good = await yinjiJson<{ headVersion: number; fileCount: number }>(['--data', data, 'show', goodRegno]);
    expect(good).toMatchObject({ headVersion: 1, fileCount: 50 });
    const report = await yinjiJson<{ valid: boolean; errors: unknown[] }>(['--data', data, 'store', 'validate']);
    expect(report.errors).toEqual([]);
    expect(await readdir(join(data, 'staging'))).toEqual([]);
  }

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-bad-'));
    data = join(tmp, 'data');
    goodSrc = join(tmp, 'good');
    await writeSmallTree(goodSrc, 50);
    goodRegno = (await yinjiJson<{ regno: string }>(['--data', data, 'deposit', goodSrc])).regno;
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.each([
    ['parent traversal', '../evil.txt'],
    ['deep traversal', 'a/../../evil.txt'],
    ['absolute path', '/tmp/yinji-evil.txt'],
    ['backslash traversal', '..\\evil.txt'],
  ])('refuses a zip with %s (%s)', async (_label, name) => {
    const zip = join(tmp, 'evil', 'evil.zip');
    await mkdir(join(tmp, 'evil'), { recursive: true });
    await writeFile(
      zip,
      buildZip([
        { name: 'ok.txt', data: 'fine' },
        { name, data: 'pwned' },
      ]),
    );
    const r = await runYinji(['--data', data, 'deposit', zip]);
    expectOneClearLine(r, EXIT_REJECTED);
    expect(existsSync(join(tmp, 'evil.txt'))).toBe(false);
    expect(existsSync('/tmp/yinji-evil.txt')).toBe(false);
    await expectNothingChanged();
  });

  it('refuses a truncated zip', async () => {
    const good = buildZip([
      { name: '文书/通知.txt', data: 'x'.repeat(5000) },
      { name: '文书/附件.txt', data: 'y'.repeat(5000) },
    ]);
    const broken = join(tmp, 'broken.zip');
    await writeFile(broken, good.subarray(0, good.length - 30));
    expectOneClearLine(await runYinji(['--data', data, 'deposit', broken]), EXIT_REJECTED);
    await expectNothingChanged();
  });

  it('refuses a folder holding a file name that is not UTF-8, naming it', async () => {
    const dir = join(tmp, 'gbk-on-disk');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'fine.txt'), 'ok');
    await writeFile(Buffer.concat([Buffer.from(dir + '/'), iconv.encode('档案.txt', 'gbk')]), 'gbk named');
    const r = await runYinji(['--data', data, 'deposit', dir]);
    expectOneClearLine(r, EXIT_REJECTED);
    await expectNothingChanged();
  });

  it('accepts a zip whose names are GBK (no UTF-8 flag) and restores the right Chinese names', async () => {
    const zip = join(tmp, 'gbk.zip');
    await writeFile(
      zip,
      buildZip([
        { name: iconv.encode('会计凭证/二〇二六年第1号.txt', 'gbk'), data: '凭证内容' },
        { name: iconv.encode('人事档案/张三·简历.txt', 'gbk'), data: 'resume' },
      ]),
    );
    const dep = await yinjiJson<{ regno: string; fileCount: number }>(['--data', data, 'deposit', zip]);
    expect(dep.fileCount).toBe(2);
    const out = join(tmp, 'gbk-restored');
    await yinjiJson(['--data', data, 'restore', dep.regno, '--to', out]);
    expect(await readFile(join(out, '会计凭证', '二〇二六年第1号.txt'), 'utf8')).toBe('凭证内容');
    expect(await readFile(join(out, '人事档案', '张三·简历.txt'), 'utf8')).toBe('resume');
  });
});

/**
 * A really full disk: the data directory on a 48 MB tmpfs. Mounting needs
 * root (CI runs as root); the same failure path is covered without root by
 * the FailingStorage tests in src/center.
 */
const canMount = process.getuid?.() === 0;
describe.skipIf(!canMount)('disk full (tmpfs; needs root to mount)', () => {
  let mnt: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-full-src-'));
    mnt = await mkdtemp(join(tmpdir(), 'yinji-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mnt]);
  });

  afterAll(async () => {
    execFileSync('umount', [mnt]);
    await rm(mnt, { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
  });

  it('fails with one line and exit 5, leaving earlier registrations and the store intact', async () => {
    const data = join(mnt, 'data');
    const small = join(tmp, 'small');
    await writeSmallTree(small, 20);
    const first = await yinjiJson<{ regno: string }>(['--data', data, 'deposit', small]);
    const big = join(tmp, 'big');
    await writeLargeFile(join(big, '超大.bin'), 64 * 1024 ** 2);
    const r = await runYinji(['--data', data, 'deposit', big]);
    expectOneClearLine(r, EXIT_STORAGE);
    expect(r.stderr).toContain('E_STORAGE_FULL');

    const listed = await yinjiJson<{ total: number }>(['--data', data, 'list']);
    expect(listed.total).toBe(1);
    const report = await yinjiJson<{ valid: boolean; errors: unknown[] }>(['--data', data, 'store', 'validate']);
    expect(report.errors).toEqual([]);
    const out = join(tmp, 'restored');
    await yinjiJson(['--data', data, 'restore', first.regno, '--to', out]);
    execFileSync('diff', ['-r', small, out]);
  });
});
