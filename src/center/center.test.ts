import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { validateBag } from '../packages/index.js';
import { FsStorage, validateStorageRoot } from '../store/index.js';
import { FailingStorage } from '../store/test-support/failing-storage.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { exportBag } from './export-bag.js';
import { listRegistrations } from './queries.js';
import { restore } from './restore.js';

const databases = withTestDatabases();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-center-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, '文书', '2026年'), { recursive: true });
  await mkdir(join(root, '空目录'), { recursive: true });
  await writeFile(join(root, '文书', '2026年', '关于印发通知的函.txt'), '通知正文');
  await writeFile(join(root, '文书', '空文件.txt'), '');
  await writeFile(join(root, 'photo.jpg'), Buffer.alloc(100_000, 7));
  await utimes(join(root, 'photo.jpg'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
}

async function zipOf(root: string, files: string[], dest: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addFile(join(root, f), f);
  zip.end();
  const out = createWriteStream(dest);
  zip.outputStream.pipe(out);
  await once(out, 'finish');
}

for (const dialect of TEST_DIALECTS) {
  describe(`center on ${dialect}`, () => {
    async function openCenter(name: string, storage?: (inner: FsStorage) => FsStorage | FailingStorage) {
      const dataDir = join(tmp, `${dialect}-${name}`);
      const database = await databases.fresh(dialect);
      const open = (s?: FsStorage | FailingStorage) => Center.open({ dataDir, config: { database }, storage: s });
      const inner = new FsStorage(join(dataDir, 'store'));
      return { dataDir, open, center: await open(storage?.(inner)), inner };
    }

    it('deposits a folder, restores it identically with times kept, and records events', async () => {
      const { center, dataDir } = await openCenter('folder');
      const src = join(dataDir, '..', `${dialect}-src-folder`);
      await makeTree(src);
      const result = await deposit(center, { source: src, unit: '330100', title: '2026年文书' });
      expect(result).toMatchObject({ version: 1, fileCount: 3, byteCount: 100_000 + 12, storedFiles: 3 });
      expect(result.regno).toMatch(/^YINJI-\d{4}-000001$/);

      const out = join(dataDir, 'out');
      await restore(center, { regno: result.regno, to: out });
      expect(await readFile(join(out, '文书', '2026年', '关于印发通知的函.txt'), 'utf8')).toBe('通知正文');
      expect((await readFile(join(out, '文书', '空文件.txt'))).length).toBe(0);
      expect(await readdir(join(out, '空目录'))).toEqual([]);
      expect((await stat(join(out, 'photo.jpg'))).mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');

      const events = await center.db.events.listForRegistration(result.regno);
      expect(events.map((e) => e.type)).toEqual(['deposit', 'restore']);
      expect((await listRegistrations(center, { unit: '330100' })).total).toBe(1);
      expect((await validateStorageRoot(center.storage, {})).valid).toBe(true);
      await center.close();
    });

    it('deposits a zip, adds a version storing only changed content, exports a valid bag', async () => {
      const { center, dataDir } = await openCenter('zip');
      const src = join(dataDir, '..', `${dialect}-src-zip`);
      await makeTree(src);
      const files = ['文书/2026年/关于印发通知的函.txt', '文书/空文件.txt', 'photo.jpg'];
      await zipOf(src, files, join(tmp, `${dialect}-v1.zip`));
      const v1 = await deposit(center, { source: join(tmp, `${dialect}-v1.zip`), unit: 'U1' });
      expect(v1.fileCount).toBe(3);

      await writeFile(join(src, 'photo.jpg'), Buffer.alloc(100_000, 8));
      await zipOf(src, files, join(tmp, `${dialect}-v2.zip`));
      const v2 = await deposit(center, { source: join(tmp, `${dialect}-v2.zip`), to: v1.regno });
      expect(v2).toMatchObject({ regno: v1.regno, version: 2, storedFiles: 1, storedBytes: 100_000 });

      const versions = await center.db.registrations.versions(v1.regno);
      expect(versions.map((v) => v.version)).toEqual([1, 2]);

      const bag = join(dataDir, 'bag');
      await exportBag(center, { regno: v1.regno, version: 1, dest: bag });
      const report = await validateBag(bag, {});
      expect(report.violations).toEqual([]);
      expect(await readFile(join(bag, 'bag-info.txt'), 'utf8')).toContain(`External-Identifier: ${v1.regno}`);
      expect((await readFile(join(bag, 'data', 'photo.jpg')))[0]).toBe(7);
      await center.close();
    });

    it('reads a file whose name on disk is NFD and registers it under its NFC name', async () => {
      const { center, dataDir } = await openCenter('nfd');
      const src = join(dataDir, '..', `${dialect}-src-nfd`);
      await mkdir(src, { recursive: true });
      const nfd = 'Cafe\u0301 档案.txt'; // "Café" with a combining accent, as macOS writes it
      await writeFile(join(src, nfd), 'nfd');
      const result = await deposit(center, { source: src });
      const files = await center.db.registrations.versionFiles(result.regno, 1);
      expect(files.map((f) => f.path)).toEqual([nfd.normalize('NFC')]);
      const out = join(dataDir, 'out');
      await restore(center, { regno: result.regno, to: out });
      expect(await readFile(join(out, nfd.normalize('NFC')), 'utf8')).toBe('nfd');
      await center.close();
    });

    it('a full disk fails the deposit and leaves the store and database as they were', async () => {
      const { center, dataDir } = await openCenter(
        'full',
        (inner) => new FailingStorage(inner, { failAfterBytes: 50_000 }),
      );
      const src = join(dataDir, '..', `${dialect}-src-full`);
      await makeTree(src);
      await expect(deposit(center, { source: src })).rejects.toMatchObject({ code: 'E_STORAGE_FULL' });
      expect((await listRegistrations(center, {})).total).toBe(0);
      expect(await center.db.pending.list()).toEqual([]);
      const failed = await center.db.events.list({ type: 'deposit-failed' });
      expect(failed).toHaveLength(1);
      expect((await validateStorageRoot(center.storage, {})).errors).toEqual([]);
      expect(await readdir(center.config.stagingDir)).toEqual([]);
      await center.close();
    });

    it('recovery completes a registration whose store commit landed before the process died', async () => {
      const { center, open, dataDir } = await openCenter('recover');
      const src = join(dataDir, '..', `${dialect}-src-recover`);
      await makeTree(src);
      // Die right after the store commit: the transaction that writes the rows never runs.
      // (The first transaction reserves the number and journals the intent; the second would record it.)
      const crash = new Error('simulated power cut');
      const transaction = center.db.transaction.bind(center.db);
      let calls = 0;
      center.db.transaction = (fn) => (++calls === 1 ? transaction(fn) : Promise.reject(crash));
      await expect(deposit(center, { source: src, unit: 'U9', title: '恢复测试' })).rejects.toBe(crash);
      expect((await listRegistrations(center, {})).total).toBe(0);
      expect(await center.db.pending.list()).toHaveLength(1);
      await center.close();

      const reopened = await open();
      expect(reopened.recovered.completed).toHaveLength(1);
      const page = await listRegistrations(reopened, {});
      expect(page.items.map((r) => r.title)).toEqual(['恢复测试']);
      expect(await reopened.db.pending.list()).toEqual([]);
      const out = join(dataDir, 'out');
      await restore(reopened, { regno: page.items[0]!.regno, to: out });
      expect(await readFile(join(out, '文书', '2026年', '关于印发通知的函.txt'), 'utf8')).toBe('通知正文');
      await reopened.close();
    });
  });
}
