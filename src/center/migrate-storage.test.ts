import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  OcflStore,
  objectRootPath,
  registrationObjectId,
  validateObject,
  validateStorageRoot,
  type FsStorage,
  type Storage,
} from '../store/index.js';
import { S3Storage } from '../store/s3/index.js';
import { commitInput, memFile, tempFsStorage } from '../store/test-support/ocfl-fixtures.js';
import { startS3rver, type TestS3 } from '../store/test-support/s3rver.js';
import { migrateStorage, type StorageCopyProgress } from './migrate-storage.js';

let s3: TestS3;
let seq = 0;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.stop();
});

const id = (n: number): string => registrationObjectId('T', `T-2026-${String(n).padStart(6, '0')}`);

/** Objects 1…n of three files each; object 1 also has a second version with a 2.5 MiB file. */
async function fill(store: OcflStore, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await store.commitVersion(
      id(i),
      commitInput([
        memFile('metadata/registration.json', `{"n":${i}}`),
        memFile(`data/文书/${i}.txt`, `正文 ${i}`),
        memFile('data/photo.bin', randomBytes(40_000)),
      ]),
    );
  }
  await store.commitVersion(
    id(1),
    commitInput([
      memFile('metadata/registration.json', '{"n":1,"v":2}'),
      memFile('data/big.bin', randomBytes(2_621_440)),
    ]),
  );
}

async function listAll(storage: Storage): Promise<string[]> {
  const out: string[] = [];
  for await (const p of storage.list('')) out.push(p);
  return out;
}

const TARGETS = {
  fs: async (): Promise<{ storage: Storage; cleanup(): Promise<void> }> => tempFsStorage(),
  s3: async (): Promise<{ storage: Storage; cleanup(): Promise<void> }> => {
    const storage = new S3Storage({
      bucket: s3.bucket,
      prefix: `m${++seq}/ocfl`,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
    });
    await storage.init();
    return { storage, cleanup: () => storage.close() };
  },
};

for (const kind of ['fs', 's3'] as const) {
  describe(`migrateStorage fs → ${kind}`, () => {
    let source: FsStorage;
    let sourceDir: string;
    let store: OcflStore;
    let target: Storage;
    const cleanups: (() => Promise<void>)[] = [];
    beforeEach(async () => {
      const s = await tempFsStorage();
      source = s.storage;
      sourceDir = source.root;
      store = await OcflStore.open(source);
      const t = await TARGETS[kind]();
      target = t.storage;
      cleanups.push(
        () => s.cleanup(),
        () => t.cleanup(),
      );
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    it('copies every object, verified, to a valid root; a rerun copies only what changed', async () => {
      await fill(store, 4);
      // A deposit in progress: object declared and content written, no inventory yet.
      const pending = objectRootPath(id(99));
      await source.writeBytes(`${pending}/0=ocfl_object_1.1`, 'ocfl_object_1.1\n');
      await source.writeBytes(`${pending}/v1/content/data/x.txt`, 'x');
      const seen: StorageCopyProgress[] = [];

      const first = await migrateStorage(source, target, { onProgress: (p) => seen.push(p) });
      expect(first.counts).toEqual({ copied: 4, unchanged: 0, skipped: 1, failed: 0 });
      expect(first.objects.find((o) => o.status === 'skipped')?.path).toBe(pending);
      expect(first.validation?.errors).toEqual([]);
      expect(first.complete).toBe(true);
      expect(first.bytes).toBeGreaterThan(2_621_440 + 4 * 40_000);
      expect(seen.at(-1)).toMatchObject({ objectsDone: 5, objectsTotal: 5, files: first.files });

      const copied = (await listAll(source)).filter((p) => !p.startsWith(pending));
      expect(await listAll(target)).toEqual(copied);
      for (const p of copied) expect((await target.readBytes(p)).equals(await source.readBytes(p))).toBe(true);
      const reader = await OcflStore.open(target);
      expect(await reader.headVersion(id(1))).toBe(2);
      expect((await validateStorageRoot(target, { fixity: true })).errors).toEqual([]);

      const again = await migrateStorage(source, target);
      expect(again.counts).toEqual({ copied: 0, unchanged: 4, skipped: 1, failed: 0 });
      expect(again.files).toBe(0);

      // A new version in the source: only it is copied — its one new content file, its inventory and
      // sidecar, the object declaration (small files outside version directories are always rewritten),
      // and the root inventory pair; v1's content is not read again.
      await store.commitVersion(id(2), commitInput([memFile('data/新.txt', '新增')]));
      const third = await migrateStorage(source, target);
      expect(third.counts).toEqual({ copied: 1, unchanged: 3, skipped: 1, failed: 0 });
      expect(third.objects.find((o) => o.status === 'copied')).toMatchObject({ objectId: id(2), head: 'v2', files: 6 });
      expect(third.complete).toBe(true);
    });

    it('resumes an interrupted copy: complete objects stay, the others are redone', async () => {
      await fill(store, 6);
      const controller = new AbortController();
      let filesBefore: number | undefined;
      const stopped = migrateStorage(source, target, {
        signal: controller.signal,
        concurrency: 2,
        // Stop in the middle of the third object, with two of its files written.
        onProgress: (p) => {
          if (p.objectsDone === 2) filesBefore ??= p.files;
          if (filesBefore !== undefined && p.files >= filesBefore + 2) controller.abort();
        },
      });
      await expect(stopped).rejects.toMatchObject({ name: 'AbortError' });

      const done: string[] = [];
      const partial: string[] = [];
      for (let i = 1; i <= 6; i++) {
        const root = objectRootPath(id(i));
        if (await target.exists(`${root}/inventory.json`)) {
          done.push(root);
          expect((await validateObject(target, root, { fixity: true })).errors).toEqual([]);
        } else if ((await target.listDirs(root)).length > 0 || (await target.exists(`${root}/0=ocfl_object_1.1`))) {
          partial.push(root);
        }
      }
      expect(done).toHaveLength(2);
      expect(partial).toHaveLength(1);

      const resumed = await migrateStorage(source, target);
      expect(resumed.counts).toEqual({ copied: 6 - done.length, unchanged: done.length, skipped: 0, failed: 0 });
      expect(resumed.complete).toBe(true);
      expect((await validateStorageRoot(target, { fixity: true })).errors).toEqual([]);
    });

    it('fails an object whose source file does not match its digest, and copies the rest', async () => {
      await fill(store, 3);
      const root = objectRootPath(id(3));
      const inventory = (await store.inventory(id(3)))!;
      const photo =
        inventory.manifest[
          Object.keys(inventory.manifest).find((d) => inventory.manifest[d]![0]!.endsWith('photo.bin'))!
        ]![0]!;
      const file = join(sourceDir, root, photo);
      const good = await readFile(file);
      const bad = Buffer.from(good);
      bad[100] = bad[100]! ^ 0xff;
      await writeFile(file, bad);

      const result = await migrateStorage(source, target);
      expect(result.counts).toEqual({ copied: 2, unchanged: 0, skipped: 0, failed: 1 });
      const failed = result.objects.find((o) => o.status === 'failed')!;
      expect(failed.problem).toMatchObject({
        code: 'E_DIGEST_MISMATCH',
        details: { objectId: id(3), path: `${root}/${photo}` },
      });
      expect(failed.problem?.message.en).toContain('source is damaged');
      expect(await target.exists(`${root}/inventory.json`)).toBe(false);
      expect(await target.exists(`${root}/${photo}`)).toBe(false);
      expect(result.validation).toBeUndefined();
      expect(result.complete).toBe(false);

      await writeFile(file, good); // repaired, e.g. from a replica
      const retried = await migrateStorage(source, target);
      expect(retried.counts).toEqual({ copied: 1, unchanged: 2, skipped: 0, failed: 0 });
      expect(retried.complete).toBe(true);
    });

    it('refuses a target that is neither empty nor the same kind of OCFL root', async () => {
      await fill(store, 1);
      await target.writeBytes('notes/readme.txt', 'not OCFL');
      await expect(migrateStorage(source, target)).rejects.toMatchObject({ code: 'E_STORAGE_NOT_OCFL' });
      await target.delete('notes/readme.txt');
      await target.writeBytes('0=ocfl_1.1', 'ocfl_1.1\n');
      await target.writeBytes('ocfl_layout.json', '{"extension":"0002-flat-direct-storage-layout","description":"x"}');
      await expect(migrateStorage(source, target)).rejects.toMatchObject({ code: 'E_STORAGE_NOT_OCFL' });
      expect(await target.exists(objectRootPath(id(1)) + '/inventory.json')).toBe(false);
    });
  });
}
