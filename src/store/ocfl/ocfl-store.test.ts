import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FsStorage } from '../fs/fs-storage.js';
import { patternStream } from '../storage.suite.js';
import { commitInput, memFile, tempFsStorage } from '../test-support/ocfl-fixtures.js';
import { objectRootPath, registrationObjectId } from './layout.js';
import { OcflStore } from './ocfl-store.js';
import { validateStorageRoot } from './validate-root.js';

async function text(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const ID = registrationObjectId('ZJ001', 'ZJ001-2026-000001');

describe('OcflStore', () => {
  let fx: Awaited<ReturnType<typeof tempFsStorage>>;
  let storage: FsStorage;
  let store: OcflStore;
  beforeEach(async () => {
    fx = await tempFsStorage();
    storage = fx.storage;
    store = await OcflStore.open(storage);
  });
  afterEach(() => fx.cleanup());

  it('lays out objects per extension 0004 (known answer from the extension text)', () => {
    expect(objectRootPath('object-01')).toBe(
      '3c0/ff4/240/3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4',
    );
    expect(ID).toBe('urn:yinji:ZJ001:ZJ001-2026-000001');
  });

  it('initialises the root once and reopens it', async () => {
    expect((await storage.readBytes('0=ocfl_1.1')).toString()).toBe('ocfl_1.1\n');
    expect(JSON.parse((await storage.readBytes('ocfl_layout.json')).toString()).extension).toBe(
      '0004-hashed-n-tuple-storage-layout',
    );
    await OcflStore.open(storage);
    await storage.writeBytes('ocfl_layout.json', '{"extension":"other","description":"x"}');
    await expect(OcflStore.open(storage)).rejects.toMatchObject({ code: 'E_STORAGE_NOT_OCFL' });
  });

  it('refuses a non-empty directory that is not an OCFL root', async () => {
    const other = await tempFsStorage();
    try {
      await other.storage.writeBytes('stray.txt', 'x');
      await expect(OcflStore.open(other.storage)).rejects.toMatchObject({ code: 'E_STORAGE_NOT_OCFL' });
    } finally {
      await other.cleanup();
    }
  });

  it('commits, reads back, dedups across versions and validates', async () => {
    const v1files = Array.from({ length: 10 }, (_, i) => memFile(`档案/2026年/文书·${i}.txt`, `content ${i}`));
    v1files.push(memFile('空文件.txt', ''));
    v1files.push(memFile('copy-of-0.txt', 'content 0')); // same content twice in one version
    const r1 = await store.commitVersion(ID, commitInput(v1files, 'v1'));
    expect(r1).toMatchObject({ version: 1, newContentFiles: 11 });
    expect(r1.inventoryDigest).toBe(
      createHash('sha256')
        .update(await storage.readBytes(`${store.objectRoot(ID)}/inventory.json`))
        .digest('hex'),
    );

    const v2files = Array.from({ length: 10 }, (_, i) =>
      memFile(`档案/2026年/文书·${i}.txt`, i < 3 ? `changed ${i}` : `content ${i}`),
    );
    const progress: Array<[number, number]> = [];
    const r2 = await store.commitVersion(ID, commitInput(v2files, 'v2'), {
      onProgress: (b, n) => progress.push([b, n]),
    });
    expect(r2.version).toBe(2);
    expect(r2.newContentFiles).toBe(3);
    expect(progress.at(-1)).toEqual([v2files.reduce((s, f) => s + f.size, 0), 10]);
    expect(await store.headVersion(ID)).toBe(2);

    expect(await text(await store.openFile(ID, '档案/2026年/文书·0.txt'))).toBe('changed 0');
    expect(await text(await store.openFile(ID, '档案/2026年/文书·0.txt', 1))).toBe('content 0');
    expect(await text(await store.openFile(ID, '空文件.txt', 1))).toBe('');
    await expect(store.openFile(ID, '空文件.txt')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    const state = await store.versionState(ID, 2);
    expect(state.size).toBe(10);
    expect(state.get('档案/2026年/文书·5.txt')?.contentPath).toBe('v1/content/档案/2026年/文书·5.txt');
    expect(state.get('档案/2026年/文书·1.txt')?.contentPath).toBe('v2/content/档案/2026年/文书·1.txt');
    const v1state = await store.versionState(ID, 1);
    expect(v1state.get('copy-of-0.txt')?.contentPath).toBe('v1/content/档案/2026年/文书·0.txt');

    const stats = await store.versionStats(ID, 2);
    expect(stats).toMatchObject({
      version: 2,
      newContentFiles: 3,
      newContentBytes: 27,
      inventoryDigest: r2.inventoryDigest,
    });
    expect(r2.newContentBytes).toBe(27); // 'changed 0'..'changed 2'

    const inv = await store.inventory(ID);
    expect(inv?.versions.v2?.created).toBe('2026-03-01T00:00:00.000Z');
    expect(inv?.versions.v2?.user).toEqual({ name: '测试员', address: 'mailto:tester@example.org' });
    const objects = [];
    for await (const o of store.listObjects()) objects.push(o);
    expect(objects).toEqual([{ path: store.objectRoot(ID), objectId: ID }]);

    const result = await validateStorageRoot(storage);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(new Set(result.warnings.map((w) => w.code))).toEqual(new Set(['W004']));
  });

  it('rejects bad input before writing anything', async () => {
    const bad = [
      [memFile('../x', 'a')],
      [memFile('a//b', 'a')],
      [memFile('a', '1'), memFile('a', '2')],
      [memFile('a', '1'), memFile('a/b', '2')],
      [{ ...memFile('a', '1'), digest: 'zz' }],
    ];
    for (const files of bad) {
      await expect(store.commitVersion(ID, commitInput(files))).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    }
    expect(await store.headVersion(ID)).toBeUndefined();
  });

  it('a digest mismatch names the path and leaves the object unchanged', async () => {
    await store.commitVersion(ID, commitInput([memFile('a.txt', 'a')]));
    const lying = { ...memFile('b.txt', 'b'), source: () => Readable.from([Buffer.from('not b')]) };
    await expect(store.commitVersion(ID, commitInput([memFile('a.txt', 'a'), lying]))).rejects.toMatchObject({
      code: 'E_DIGEST_MISMATCH',
      message: expect.stringContaining('b.txt'),
    });
    expect(await store.headVersion(ID)).toBe(1);
    expect(await storage.listDirs(store.objectRoot(ID))).toEqual(['v1']);
    expect((await store.validate(ID)).valid).toBe(true);
    // A brand-new object that fails leaves nothing at all.
    const other = registrationObjectId('ZJ001', 'ZJ001-2026-000002');
    await expect(store.commitVersion(other, commitInput([lying]))).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
    expect(await storage.listDirs(store.objectRoot(other).split('/').slice(0, 3).join('/'))).toEqual([]);
  });

  it('fails with E_CONFLICT when the head moved', async () => {
    await store.commitVersion(ID, commitInput([memFile('a', 'a')]), { expectedHead: 0 });
    await expect(store.commitVersion(ID, commitInput([memFile('a', 'b')]), { expectedHead: 0 })).rejects.toMatchObject({
      code: 'E_CONFLICT',
    });
  });

  it('moves a local staging file into place and streams a large file', async () => {
    const staged = join(fx.dir, 'staged.bin');
    await writeFile(staged, 'staged content');
    const size = 20 * 1024 * 1024 + 7;
    const h = createHash('sha256');
    for await (const c of patternStream(size, 7)) h.update(c as Buffer);
    const r = await store.commitVersion(
      ID,
      commitInput([
        { ...memFile('staged.bin', 'staged content'), source: { file: staged, move: true } },
        { logicalPath: 'big.bin', digest: h.digest('hex'), size, source: () => patternStream(size, 7) },
      ]),
    );
    expect(r.newContentBytes).toBe(size + 14);
    expect(await storage.stat(`${store.objectRoot(ID)}/v1/content/big.bin`)).toEqual({ size });
    expect((await store.validate(ID)).valid).toBe(true);
  });

  it('records caller-supplied fixity (sha512, sm3) that the validator checks', async () => {
    const f = memFile('a.txt', 'abc');
    const sha512 = createHash('sha512').update('abc').digest('hex');
    const sm3 = createHash('sm3').update('abc').digest('hex');
    await store.commitVersion(ID, commitInput([{ ...f, fixity: { sha512, sm3 } }]));
    const inv = await store.inventory(ID);
    expect(inv?.fixity?.sm3?.[sm3]).toEqual(['v1/content/a.txt']);
    expect((await store.validate(ID)).errors).toEqual([]);
  });
});
