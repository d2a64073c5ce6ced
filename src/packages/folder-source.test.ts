import { createHash } from 'node:crypto';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { scanFolder, stageFolder } from './folder-source.js';
import { stageDeposit } from './stage-deposit.js';
import { tempDirs } from './test-support/temp.js';

const tmp = tempDirs();
afterEach(tmp.cleanup);

describe('folder deposits', () => {
  it('scans in place (no copy), hashing every file once with all algorithms, keeping mtimes and empty dirs', async () => {
    const root = await tmp.make();
    await mkdir(join(root, '案卷/卷内'), { recursive: true });
    await mkdir(join(root, '空目录'));
    await writeFile(join(root, '案卷/卷内/件1.txt'), 'abc');
    await writeFile(join(root, '空.txt'), '');
    const t = new Date('2021-06-07T08:09:10Z');
    await utimes(join(root, '案卷/卷内/件1.txt'), t, t);
    const progress: [number, number][] = [];
    const staged = await stageDeposit(root, join(root, '..', 'unused-staging'), {
      algorithms: ['sha256', 'md5'],
      onProgress: (b, f) => progress.push([b, f]),
    });
    expect(staged).toMatchObject({ kind: 'folder', root, dirs: ['案卷', '案卷/卷内', '空目录'] });
    expect(staged.files.map((f) => [f.path, f.size])).toEqual([
      ['案卷/卷内/件1.txt', 3],
      ['空.txt', 0],
    ]);
    expect(staged.files[0]!.digests).toEqual({
      sha256: createHash('sha256').update('abc').digest('hex'),
      md5: createHash('md5').update('abc').digest('hex'),
    });
    expect(staged.files[0]!.mtime.getTime()).toBe(t.getTime());
    expect(progress.at(-1)).toEqual([3, 2]);
    const listed = await scanFolder(root);
    expect(listed.files.map((f) => f.digests)).toEqual([{}, {}]);
  });

  it('refuses a non-UTF-8 (GBK) name on disk, naming the escaped path and convmv', async () => {
    const root = await tmp.make();
    await mkdir(join(root, 'sub'));
    writeFileSync(
      Buffer.concat([Buffer.from(`${root}/sub/`), Buffer.from([0xd6, 0xd0, 0xce, 0xc4]), Buffer.from('.txt')]),
      'x',
    );
    const err = await stageFolder(root).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BAD_NAME_ENCODING' });
    expect((err as Error).message).toContain('sub/\\xd6\\xd0\\xce\\xc4.txt');
    expect((err as Error).message).toContain('convmv -f gbk -t utf-8');
  });

  it('refuses symbolic links, inside or outside the root', async () => {
    const root = await tmp.make();
    await writeFile(join(root, 'a.txt'), 'x');
    await symlink('a.txt', join(root, 'inside'));
    await expect(stageFolder(root)).rejects.toMatchObject({ code: 'E_SYMLINK_UNSUPPORTED' });
    const root2 = await tmp.make();
    await symlink('/etc', join(root2, 'outside'));
    await expect(stageFolder(root2)).rejects.toMatchObject({ code: 'E_SYMLINK_UNSUPPORTED' });
  });

  it('refuses FIFOs', async () => {
    const root = await tmp.make();
    execFileSync('mkfifo', [join(root, 'pipe')]);
    await expect(stageFolder(root)).rejects.toMatchObject({ code: 'E_SPECIAL_FILE' });
  });

  it('refuses NFC/NFD twins, reports NFD names as NFC with the on-disk name in fsPath', async () => {
    const root = await tmp.make();
    await writeFile(join(root, 'cafe\u0301.txt'), 'nfd');
    const staged = await stageFolder(root);
    expect(staged.files[0]).toMatchObject({ path: 'caf\u00e9.txt', fsPath: 'cafe\u0301.txt' });
    await writeFile(join(root, 'caf\u00e9.txt'), 'nfc');
    await expect(stageFolder(root)).rejects.toMatchObject({ code: 'E_DUPLICATE_NAME' });
  });

  it('honours maxBytes and an aborted signal', async () => {
    const root = await tmp.make();
    await writeFile(join(root, 'a.bin'), Buffer.alloc(2000));
    await expect(stageFolder(root, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
    await expect(stageFolder(root, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
