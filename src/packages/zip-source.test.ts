import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { stageDeposit } from './stage-deposit.js';
import { buildZip, unicodePathExtra, type RawZipEntry } from './test-support/raw-zip.js';
import { tempDirs } from './test-support/temp.js';

const tmp = tempDirs();
afterEach(tmp.cleanup);

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const gbk = (s: string): Buffer => iconv.encode(s, 'gbk');

async function zipFile(entries: readonly RawZipEntry[]): Promise<{ input: string; staging: string }> {
  const dir = await tmp.make();
  const input = join(dir, 'deposit.bin'); // extension says nothing: detection is by content
  await writeFile(input, buildZip(entries));
  return { input, staging: join(dir, 'staging') };
}

async function expectRefused(entries: readonly RawZipEntry[], code: string): Promise<void> {
  const { input, staging } = await zipFile(entries);
  await expect(stageDeposit(input, staging)).rejects.toMatchObject({ code });
  await expect(access(staging)).rejects.toThrow(); // nothing half-extracted stays
}

describe('zip deposits', () => {
  it('extracts a yazl zip (UTF-8 flag), hashing in one pass and keeping mtimes, empty files and empty dirs', async () => {
    const dir = await tmp.make();
    const input = join(dir, 'in.zip');
    const mtime = new Date('2023-03-04T05:06:08Z');
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('甲乙丙'), '文书档案/2023/通知.txt', { mtime });
    zip.addBuffer(Buffer.alloc(0), '空文件.txt', { mtime });
    zip.addEmptyDirectory('空目录/', { mtime });
    zip.addBuffer(Buffer.alloc(100_000, 7), 'big.bin', { mtime, compress: true });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(input));
    const progress: number[] = [];
    const staged = await stageDeposit(input, join(dir, 'st'), {
      algorithms: ['sha256', 'sha512'],
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(staged.kind).toBe('zip');
    expect(staged.files.map((f) => f.path)).toEqual(['big.bin', '文书档案/2023/通知.txt', '空文件.txt']);
    expect(staged.dirs).toEqual(['文书档案', '文书档案/2023', '空目录']);
    const notice = staged.files[1]!;
    expect(notice.size).toBe(9);
    expect(notice.digests.sha256).toBe(sha256('甲乙丙'));
    expect(notice.digests.sha512).toHaveLength(128);
    expect(notice.mtime.getTime()).toBe(mtime.getTime());
    expect((await stat(join(staged.root, notice.path))).mtime.getTime()).toBe(mtime.getTime());
    expect((await stat(join(staged.root, '空目录'))).mtime.getTime()).toBe(mtime.getTime());
    expect(staged.files[2]!.size).toBe(0);
    expect(progress.at(-1)).toBe(100_009);
  });

  it('decodes GBK names written without bit 11 (Windows zip tools in China)', async () => {
    const { input, staging } = await zipFile([
      { name: gbk('档案/中文名称.txt'), data: 'x' },
      { name: gbk('档案\\子目录\\说明.doc'), data: 'y' }, // backslashes from Windows tools
    ]);
    const staged = await stageDeposit(input, staging);
    expect(staged.files.map((f) => f.path)).toEqual(['档案/中文名称.txt', '档案/子目录/说明.doc']);
    expect(await readFile(join(staging, '档案/子目录/说明.doc'), 'utf8')).toBe('y');
  });

  it('trusts bit 11 and the Info-ZIP Unicode Path field 0x7075', async () => {
    const raw = gbk('旧名.txt');
    const { input, staging } = await zipFile([
      { name: '标志位.txt', flags: 0x800, data: 'a' },
      { name: raw, extra: unicodePathExtra(raw, '统一码路径.txt'), data: 'b' },
    ]);
    const staged = await stageDeposit(input, staging);
    expect(staged.files.map((f) => f.path).sort()).toEqual(['标志位.txt', '统一码路径.txt']);
  });

  it('refuses a name that claims UTF-8 (bit 11) but is not', async () => {
    await expectRefused([{ name: gbk('中文.txt'), flags: 0x800, data: 'a' }], 'E_BAD_NAME_ENCODING');
  });

  it.each([
    ['../evil.txt', 'E_PATH_TRAVERSAL'],
    ['a/../../b', 'E_PATH_TRAVERSAL'],
    ['..\\..\\evil.txt', 'E_PATH_TRAVERSAL'],
    ['/etc/x', 'E_ABSOLUTE_PATH'],
    ['C:/Windows/x', 'E_ABSOLUTE_PATH'],
    ['a//b', 'E_BAD_NAME'],
    ['a/\u0007bell', 'E_BAD_NAME'],
  ])('refuses %s before writing anything', async (name, code) => {
    // The good entry comes first: validation of the whole central directory precedes any write.
    await expectRefused(
      [
        { name: 'good.txt', data: 'ok' },
        { name, data: 'evil' },
      ],
      code,
    );
  });

  it('refuses names equal after NFC normalisation and warns on case-only collisions', async () => {
    await expectRefused(
      [
        { name: 'caf\u00e9.txt', flags: 0x800, data: '1' },
        { name: 'cafe\u0301.txt', flags: 0x800, data: '2' },
      ],
      'E_DUPLICATE_NAME',
    );
    const { input, staging } = await zipFile([
      { name: 'README', data: '1' },
      { name: 'readme', data: '2' },
    ]);
    const staged = await stageDeposit(input, staging);
    expect(staged.warnings.map((w) => w.code)).toEqual(['W_CASE_COLLISION']);
  });

  it('refuses encrypted entries, symlinks and unknown compression', async () => {
    await expectRefused([{ name: 'secret.txt', flags: 0x1, method: 8, data: 'x' }], 'E_ENCRYPTED_ENTRY');
    await expectRefused([{ name: 'lzma.txt', method: 14, data: 'x' }], 'E_UNSUPPORTED_COMPRESSION');
    await expectRefused([{ name: 'link', unixMode: 0o120777, data: '/etc/passwd' }], 'E_SYMLINK_UNSUPPORTED');
    await expectRefused([{ name: 'fifo', unixMode: 0o010644 }], 'E_SPECIAL_FILE');
  });

  it('detects a wrong CRC-32 and removes the staging directory', async () => {
    await expectRefused([{ name: 'a.txt', data: 'hello', method: 8, crc: 0x12345678 }], 'E_ENTRY_CRC_MISMATCH');
  });

  it('refuses lying sizes: 4 GB declared but 10 bytes real, and more bytes than declared', async () => {
    const { input, staging } = await zipFile([
      { name: 'a.bin', data: '0123456789', method: 8, declaredSize: 0xfffffffe },
    ]);
    await expect(stageDeposit(input, staging)).rejects.toMatchObject({
      code: expect.stringMatching(/E_ENTRY_SIZE_MISMATCH|E_ARCHIVE_CORRUPT/),
    });
    await expect(access(staging)).rejects.toThrow();
    await expectRefused(
      [{ name: 'b.bin', data: Buffer.alloc(5000), method: 8, declaredSize: 10 }],
      'E_ARCHIVE_CORRUPT',
    );
  });

  it('stops a zip bomb at maxBytes, before writing when the declared size already exceeds it', async () => {
    const { input, staging } = await zipFile([{ name: 'bomb.bin', data: Buffer.alloc(2_000_000), method: 8 }]);
    await expect(stageDeposit(input, staging, { maxBytes: 1_000_000 })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
    await expect(access(staging)).rejects.toThrow();
  });

  it('refuses a truncated zip', async () => {
    const dir = await tmp.make();
    const full = buildZip([{ name: 'a.txt', data: Buffer.alloc(1000, 1), method: 8 }]);
    const input = join(dir, 'cut.zip');
    await writeFile(input, full.subarray(0, full.length - 30));
    await expect(stageDeposit(input, join(dir, 's'))).rejects.toMatchObject({ code: 'E_ARCHIVE_CORRUPT' });
  });

  it('refuses a staging directory that is not empty, and leaves it alone', async () => {
    const { input, staging } = await zipFile([{ name: 'a.txt', data: 'x' }]);
    await stageDeposit(input, staging);
    await expect(stageDeposit(input, staging)).rejects.toMatchObject({ code: 'E_STAGING_NOT_EMPTY' });
    expect(await readFile(join(staging, 'a.txt'), 'utf8')).toBe('x');
  });

  it('refuses content that is no known package', async () => {
    const dir = await tmp.make();
    await writeFile(join(dir, 'x.zip'), 'not a zip at all');
    await expect(stageDeposit(join(dir, 'x.zip'), join(dir, 's'))).rejects.toMatchObject({
      code: 'E_UNSUPPORTED_PACKAGE',
    });
  });
});

describe('zip deposits, cancellation', () => {
  it('removes the staging directory when aborted', async () => {
    const { input, staging } = await zipFile([{ name: 'a.txt', data: 'x' }]);
    await expect(stageDeposit(input, staging, { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(access(staging)).rejects.toThrow();
  });
});
