import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { stageDeposit } from './stage-deposit.js';
import { tempDirs } from './test-support/temp.js';

const tmp = tempDirs();
afterEach(tmp.cleanup);

type PackHeader = Parameters<ReturnType<typeof tar.pack>['entry']>[0];

async function packTar(entries: readonly (PackHeader & { data?: string })[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { data, ...header } of entries) pack.entry(header, data ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Replace the ustar name of the header at `offset` with raw bytes and fix the checksum (POSIX ustar). */
function patchName(buf: Buffer, offset: number, raw: Buffer): Buffer {
  const out = Buffer.from(buf);
  out.fill(0, offset, offset + 100);
  raw.copy(out, offset);
  out.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[offset + i]!;
  out.write(sum.toString(8).padStart(6, '0') + '\0 ', offset + 148, 'latin1');
  return out;
}

async function stageBuffer(buf: Buffer, name = 'deposit.dat') {
  const dir = await tmp.make();
  await writeFile(join(dir, name), buf);
  const staging = join(dir, 'staging');
  return { staging, run: () => stageDeposit(join(dir, name), staging) };
}

describe('tar deposits', () => {
  it('extracts a GNU tar and tar.gz made by the system tar, with Chinese names, empty dirs and mtimes', async () => {
    const dir = await tmp.make();
    const src = join(dir, 'src');
    await mkdir(join(src, '文书/2023'), { recursive: true });
    await mkdir(join(src, '空目录'));
    await writeFile(join(src, '文书/2023/请示.txt'), '请示内容');
    await writeFile(join(src, '空.txt'), '');
    const t = new Date('2022-01-02T03:04:05Z');
    await utimes(join(src, '文书/2023/请示.txt'), t, t);
    await utimes(join(src, '空目录'), t, t);
    execFileSync('tar', ['--format=gnu', '-C', src, '-cf', join(dir, 'a.tar'), '.']);
    execFileSync('tar', ['--format=posix', '-C', src, '-czf', join(dir, 'a.tgz'), '.']);
    for (const [file, n] of [
      ['a.tar', 1],
      ['a.tgz', 2],
    ] as const) {
      const staging = join(dir, `staging${n}`);
      const staged = await stageDeposit(join(dir, file), staging, { algorithms: ['sha256', 'sm3'] });
      expect(staged.kind).toBe('tar');
      expect(staged.files.map((f) => f.path)).toEqual(['文书/2023/请示.txt', '空.txt']);
      expect(staged.dirs).toEqual(['文书', '文书/2023', '空目录']);
      const f = staged.files[0]!;
      expect(f.digests.sha256).toBe(createHash('sha256').update('请示内容').digest('hex'));
      expect(f.digests.sm3).toHaveLength(64);
      expect(f.mtime.getTime()).toBe(t.getTime());
      expect((await stat(join(staging, f.path))).mtime.getTime()).toBe(t.getTime());
      expect((await stat(join(staging, '空目录'))).mtime.getTime()).toBe(t.getTime());
    }
  });

  it('lets a pax path override the ustar name', async () => {
    const buf = await packTar([{ name: 'placeholder.txt', pax: { path: '档案/覆盖后的名称.txt' }, data: 'p' }]);
    const { run, staging } = await stageBuffer(buf);
    const staged = await run();
    expect(staged.files.map((f) => f.path)).toEqual(['档案/覆盖后的名称.txt']);
    expect(await readFile(join(staging, '档案/覆盖后的名称.txt'), 'utf8')).toBe('p');
  });

  it('decodes raw UTF-8 and GBK ustar names', async () => {
    const utf8 = Buffer.from('中文.txt');
    const gbkName = iconv.encode('公文.txt', 'gbk');
    const plain = await packTar([
      { name: 'x'.repeat(utf8.length), data: 'u' },
      { name: 'y'.repeat(gbkName.length), data: 'g' },
    ]);
    let patched = patchName(plain, 0, utf8);
    patched = patchName(patched, 1024, gbkName);
    const { run } = await stageBuffer(gzipSync(patched), 'x.tar');
    const staged = await run();
    expect(staged.files.map((f) => f.path)).toEqual(['中文.txt', '公文.txt']);
  });

  it.each([
    [[{ name: '../evil.txt', data: 'x' }], 'E_PATH_TRAVERSAL'],
    [[{ name: '/etc/cron.d/x', data: 'x' }], 'E_ABSOLUTE_PATH'],
    [
      [
        { name: 'ok.txt', data: 'x' },
        { name: 'link', type: 'symlink', linkname: '../../etc/passwd' },
      ],
      'E_SYMLINK_ESCAPE',
    ],
    [[{ name: 'link', type: 'symlink', linkname: '/etc/passwd' }], 'E_SYMLINK_ESCAPE'],
    [
      [
        { name: 'a.txt', data: 'x' },
        { name: 'link', type: 'symlink', linkname: 'a.txt' },
      ],
      'E_SYMLINK_UNSUPPORTED',
    ],
    [
      [
        { name: 'a.txt', data: 'x' },
        { name: 'hard', type: 'link', linkname: 'a.txt' },
      ],
      'E_HARDLINK_UNSUPPORTED',
    ],
    [[{ name: 'dev', type: 'character-device' }], 'E_SPECIAL_FILE'],
    [[{ name: 'pipe', type: 'fifo' }], 'E_SPECIAL_FILE'],
    [[{ name: 'blk', type: 'block-device' }], 'E_SPECIAL_FILE'],
    [
      [
        { name: 'a.txt', data: '1' },
        { name: 'a.txt', data: '2' },
      ],
      'E_DUPLICATE_NAME',
    ],
    [
      [
        { name: 'caf\u00e9', data: '1' },
        { name: 'cafe\u0301', data: '2' },
      ],
      'E_DUPLICATE_NAME',
    ],
    [
      [
        { name: 'a', data: '1' },
        { name: 'a/b', data: '2' },
      ],
      'E_DUPLICATE_NAME',
    ],
  ] as const)('refuses %j with %s and removes staging', async (entries, code) => {
    const { run, staging } = await stageBuffer(await packTar(entries));
    await expect(run()).rejects.toMatchObject({ code });
    await expect(access(staging)).rejects.toThrow();
  });

  it('refuses truncated tar and tar.gz', async () => {
    const buf = await packTar([{ name: 'a.txt', data: 'x'.repeat(5000) }]);
    const gz = gzipSync(buf);
    for (const cut of [buf.subarray(0, 2048), gz.subarray(0, 60), gz.subarray(0, gz.length - 10)]) {
      const { run, staging } = await stageBuffer(cut);
      await expect(run()).rejects.toMatchObject({ code: 'E_ARCHIVE_CORRUPT' });
      await expect(access(staging)).rejects.toThrow();
    }
  });

  it('does not follow a symlink in the system tar even when it points inside (documented refusal)', async () => {
    const dir = await tmp.make();
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'a'), 'x');
    await symlink('a', join(dir, 'src', 'b'));
    execFileSync('tar', ['-C', join(dir, 'src'), '-cf', join(dir, 'l.tar'), '.']);
    await expect(stageDeposit(join(dir, 'l.tar'), join(dir, 's'))).rejects.toMatchObject({
      code: 'E_SYMLINK_UNSUPPORTED',
    });
  });
});
