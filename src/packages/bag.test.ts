import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeManifestPath, encodeManifestPath } from './bag-text.js';
import { validateBag } from './bag-validate.js';
import { writeBag, type BagSourceFile } from './bag-write.js';
import { buildZip } from './test-support/raw-zip.js';
import { tempDirs } from './test-support/temp.js';

const tmp = tempDirs();
afterEach(tmp.cleanup);

const now = (): Date => new Date(2024, 0, 15, 10, 0, 0);
const codes = (r: { violations: { code: string }[] }): string[] => r.violations.map((v) => v.code);

async function sampleFiles(): Promise<BagSourceFile[]> {
  const dir = await tmp.make();
  await writeFile(join(dir, 'on-disk.txt'), '来自磁盘');
  return [
    {
      path: '公文/通知.txt',
      size: 6,
      source: () => Readable.from([Buffer.from('通知')]),
      mtime: new Date('2020-01-01T00:00:00Z'),
    },
    { path: 'on-disk.txt', size: Buffer.byteLength('来自磁盘'), source: join(dir, 'on-disk.txt') },
    { path: '100%.txt', size: 0, source: () => Readable.from([]) },
  ];
}

async function writeSample(name = 'bag'): Promise<string> {
  const dest = join(await tmp.make(), name);
  await writeBag(await sampleFiles(), dest, {
    now,
    bagInfo: { 'Source-Organization': '某县档案馆', 'Internal-Sender-Description': ['第一行\n第二行', 'second'] },
  });
  return dest;
}

describe('manifest path encoding (RFC 8493 §2.1.3)', () => {
  it('percent-encodes CR, LF and % and decodes them back', () => {
    expect(encodeManifestPath('a%b\r\nc')).toBe('a%25b%0D%0Ac');
    expect(decodeManifestPath('a%25b%0d%0Ac')).toBe('a%b\r\nc');
    expect(decodeManifestPath(encodeManifestPath('%0A literally'))).toBe('%0A literally');
  });
});

describe('writeBag', () => {
  it('writes a BagIt 1.0 bag that validates, with computed bag-info fields and tag manifests', async () => {
    const dest = await writeSample();
    expect(await readFile(join(dest, 'bagit.txt'), 'utf8')).toBe(
      'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
    );
    const info = await readFile(join(dest, 'bag-info.txt'), 'utf8');
    expect(info).toContain('Source-Organization: 某县档案馆\n');
    expect(info).toContain('Internal-Sender-Description: 第一行\n  第二行\nInternal-Sender-Description: second\n');
    expect(info).toContain('Bagging-Date: 2024-01-15\n');
    expect(info).toContain('Payload-Oxum: 18.3\n');
    expect(info).toContain('Bag-Size: 18 B\n');
    const manifest = await readFile(join(dest, 'manifest-sha256.txt'), 'utf8');
    expect(manifest).toContain('  data/100%25.txt\n');
    expect(manifest).toContain('  data/公文/通知.txt\n');
    expect(await readFile(join(dest, 'tagmanifest-sha512.txt'), 'utf8')).toMatch(/ manifest-sha256\.txt\n/);
    const report = await validateBag(dest);
    expect(report).toEqual({ valid: true, violations: [], warnings: [] });
  });

  it('writes a zip with one top-level directory that unzip accepts and validateBag validates', async () => {
    const dir = await tmp.make();
    const dest = join(dir, 'REG-2024-1.zip');
    const result = await writeBag(await sampleFiles(), dest, { now, algorithms: ['md5', 'sha1', 'sha256'] });
    expect(result).toMatchObject({ payloadOxum: '18.3', fileCount: 3 });
    const listing = execFileSync('unzip', ['-Z1', dest], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listing.every((n) => n.startsWith('REG-2024-1/'))).toBe(true);
    expect(listing).toContain('REG-2024-1/tagmanifest-md5.txt');
    execFileSync('unzip', ['-tq', dest]);
    expect(await validateBag(dest)).toMatchObject({ valid: true, violations: [] });
  });

  it('refuses an existing destination and a known digest that does not match, leaving nothing behind', async () => {
    const dest = await writeSample();
    await expect(writeBag(await sampleFiles(), dest)).rejects.toMatchObject({ code: 'E_DEST_EXISTS' });
    const dir = await tmp.make();
    const files: BagSourceFile[] = [
      { path: 'a.txt', size: 1, source: () => Readable.from([Buffer.from('a')]), digests: { sha256: '0'.repeat(64) } },
    ];
    await expect(writeBag(files, join(dir, 'b'))).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
    await expect(writeBag(files, join(dir, 'b.zip'))).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('');
  });

  it('refuses unsafe payload paths and a source shorter than declared', async () => {
    const dir = await tmp.make();
    const src = (s: string) => () => Readable.from([Buffer.from(s)]);
    await expect(writeBag([{ path: '../x', size: 1, source: src('x') }], join(dir, 'b'))).rejects.toMatchObject({
      code: 'E_PATH_TRAVERSAL',
    });
    await expect(writeBag([{ path: 'x', size: 5, source: src('x') }], join(dir, 'b'))).rejects.toMatchObject({
      code: 'E_ENTRY_SIZE_MISMATCH',
    });
    await expect(writeBag([{ path: 'x', size: 5, source: src('x') }], join(dir, 'b.zip'))).rejects.toMatchObject({
      code: 'E_ENTRY_SIZE_MISMATCH',
    });
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('');
  });
});

describe('validateBag reports every violation', () => {
  it('lists all corruptions of one bag at once', async () => {
    const dest = await writeSample();
    await writeFile(join(dest, 'data/on-disk.txt'), 'tampered!'); // digest ×2, Oxum
    await rm(join(dest, 'data/公文/通知.txt')); // missing ×2
    await writeFile(join(dest, 'data/extra.txt'), 'unlisted'); // unlisted
    await appendFile(join(dest, 'manifest-sha256.txt'), 'not a manifest line\n');
    await appendFile(join(dest, 'manifest-sha256.txt'), `${'a'.repeat(64)}  ../../../README.md\n`);
    const first = (await readFile(join(dest, 'manifest-sha512.txt'), 'utf8')).split('\n')[0]!;
    await appendFile(join(dest, 'manifest-sha512.txt'), `${first}\n`); // duplicate
    await writeFile(join(dest, 'fetch.txt'), 'https://example.org/x 3 data/remote.txt\n');
    const report = await validateBag(dest);
    expect(report.valid).toBe(false);
    const got = codes(report);
    expect(got.filter((c) => c === 'BAG_DIGEST_MISMATCH').length).toBeGreaterThanOrEqual(2 + 4); // payload ×2, tag files
    expect(got.filter((c) => c === 'BAG_MISSING_FILE')).toHaveLength(2);
    expect(got).toEqual(
      expect.arrayContaining([
        'BAG_UNLISTED_FILE',
        'BAG_MALFORMED_MANIFEST_LINE',
        'BAG_PATH_ESCAPE',
        'BAG_DUPLICATE_MANIFEST_ENTRY',
        'BAG_OXUM_MISMATCH',
        'BAG_FETCH_NOT_ALLOWED',
      ]),
    );
    expect(report.violations.find((v) => v.code === 'BAG_UNLISTED_FILE')).toMatchObject({ path: 'data/extra.txt' });
    expect(report.violations.filter((v) => v.code === 'BAG_DIGEST_MISMATCH').map((v) => v.path)).toEqual(
      expect.arrayContaining(['data/on-disk.txt', 'manifest-sha256.txt', 'manifest-sha512.txt']),
    );
  });

  it('checks bagit.txt: missing, bad version line, bad encoding line, BOM', async () => {
    const dest = await writeSample();
    await writeFile(join(dest, 'bagit.txt'), '\uFEFFBagIt-Version 1.0\nTag-File-Character-Encoding: GBK\nextra\n');
    expect(codes(await validateBag(dest))).toEqual(
      expect.arrayContaining(['BAG_BOM', 'BAG_BAD_VERSION_LINE', 'BAG_UNSUPPORTED_ENCODING', 'BAG_BAD_BAGIT_TXT']),
    );
    await writeFile(join(dest, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding UTF-8\n');
    expect(codes(await validateBag(dest))).toContain('BAG_BAD_ENCODING_LINE');
    await rm(join(dest, 'bagit.txt'));
    expect(codes(await validateBag(dest))).toContain('BAG_NO_BAGIT_TXT');
  });

  it('needs a payload manifest and a data/ directory', async () => {
    const dest = await writeSample();
    await rm(join(dest, 'manifest-sha256.txt'));
    await rm(join(dest, 'manifest-sha512.txt'));
    await rm(join(dest, 'data'), { recursive: true });
    expect(codes(await validateBag(dest))).toEqual(expect.arrayContaining(['BAG_NO_MANIFEST', 'BAG_NO_PAYLOAD_DIR']));
  });

  it('with allowFetch, lists fetch as a warning and does not fetch', async () => {
    const dest = await writeSample();
    await writeFile(join(dest, 'fetch.txt'), 'https://example.org/x 3 data/remote.txt\n');
    const m = await readFile(join(dest, 'manifest-sha256.txt'), 'utf8');
    await writeFile(join(dest, 'manifest-sha256.txt'), `${m}${'b'.repeat(64)}  data/remote.txt\n`);
    const report = await validateBag(dest, { allowFetch: true });
    expect(report.warnings.map((w) => w.code)).toContain('BAG_FETCH_NOT_PERFORMED');
    expect(codes(report)).not.toContain('BAG_FETCH_NOT_ALLOWED');
    expect(codes(report)).not.toContain('BAG_MISSING_FILE');
  });

  it('reports an unsafe zip instead of extracting it', async () => {
    const dir = await tmp.make();
    await writeFile(join(dir, 'evil.zip'), buildZip([{ name: 'bag/../../evil.txt', data: 'x' }]));
    expect(await validateBag(join(dir, 'evil.zip'))).toMatchObject({
      valid: false,
      violations: [{ code: 'E_PATH_TRAVERSAL' }],
    });
  });
});

/**
 * Known answers: bags from the Library of Congress bagit-conformance-suite
 * (made by bagit.py 1.7.0), rebuilt byte for byte so the published digests
 * must match what this validator computes.
 */
describe('bagit-conformance-suite cases', () => {
  async function bag(files: Record<string, string>): Promise<string> {
    const root = await tmp.make();
    for (const [p, text] of Object.entries(files)) {
      await mkdir(join(root, p, '..'), { recursive: true });
      await writeFile(join(root, p), text);
    }
    return root;
  }

  it('v0.97/valid/basic-bag-sha1 is valid (with an old-version warning)', async () => {
    const root = await bag({
      'bagit.txt': 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n',
      'bag-info.txt':
        'Bag-Software-Agent: bagit.py v1.7.0 <https://github.com/LibraryOfCongress/bagit-python>\nBagging-Date: 2018-07-24\nPayload-Oxum: 30.1\n',
      'data/test-file.txt': 'Tue, Jul 24, 2018  9:44:41 AM\n',
      'manifest-sha1.txt': 'cbf04e6fb6ccca3287639848a8c3ff45d81c13de  data/test-file.txt\n',
      'tagmanifest-sha1.txt':
        '2f6bb3ca6b10b896ccc75fcf512a63f370e7ea6d bag-info.txt\ne2924b081506bac23f5fffe650ad1848a1c8ac1d bagit.txt\nc2051216c8a3586a74334f94f8a362ffe1cfd412 manifest-sha1.txt\n',
    });
    const report = await validateBag(root);
    expect(report.violations).toEqual([]);
    expect(report.warnings.map((w) => w.code)).toEqual(['BAG_OLD_VERSION']);
  });

  it('v0.97/valid/basic-bag-sha256 payload digest matches', async () => {
    const root = await bag({
      'bagit.txt': 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
      'data/text-file.txt': 'Tue, Jul 24, 2018  9:45:38 AM\n',
      'manifest-sha256.txt': '1dd056f18456057df5e333e0dc894ff8e9d600817ae26ec89c49e37ad2d555d4  data/text-file.txt\n',
    });
    expect(await validateBag(root)).toEqual({ valid: true, violations: [], warnings: [] });
  });

  it('v0.97/invalid/out-of-scope-file-paths-using-dot-notation is invalid', async () => {
    const root = await bag({
      'bagit.txt': 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n',
      'data/text-file.txt': 'x\n',
      'manifest-md5.txt':
        '3e6ffc4a8a1f38a7094e15d2356d7252  ../../../README.md\n401b30e3b8b5d629635a5c613cdb7919  data/text-file.txt\n',
    });
    const report = await validateBag(root);
    expect(codes(report)).toContain('BAG_PATH_ESCAPE');
    expect(codes(report)).not.toContain('BAG_MISSING_FILE'); // escaping paths are never looked up on disk
  });
});
