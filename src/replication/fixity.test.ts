import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OcflStore, registrationObjectId } from '../store/index.js';
import { commitInput, memFile, tempFsStorage } from '../store/test-support/ocfl-fixtures.js';
import { checkVersionFixity } from './fixity.js';

const ID = registrationObjectId('ZJ001', 'ZJ001-2026-000001');

describe('checkVersionFixity', () => {
  let fx: Awaited<ReturnType<typeof tempFsStorage>>;
  let store: OcflStore;
  let inventoryDigest: string;
  const stored = (p: string): string => join(fx.dir, 'root', store.objectRoot(ID), p);

  beforeEach(async () => {
    fx = await tempFsStorage();
    store = await OcflStore.open(fx.storage);
    const files = Array.from({ length: 40 }, (_, i) => memFile(`文书/${i}.txt`, `内容 ${i}`.repeat(i * 50)));
    inventoryDigest = (await store.commitVersion(ID, commitInput(files))).inventoryDigest;
  });
  afterEach(() => fx.cleanup());

  it('passes an intact version, counting every file and byte read', async () => {
    const r = await checkVersionFixity(store, ID, 1, { inventoryDigest });
    expect(r.problems).toEqual([]);
    expect(r.files).toBe(40);
    expect(r.bytes).toBe((await store.versionStats(ID, 1)).newContentBytes);
  });

  it('reports a changed file, a missing file and a rewritten version inventory, in path order', async () => {
    await appendFile(stored('v1/content/文书/7.txt'), 'x');
    await rm(stored('v1/content/文书/3.txt'));
    // The root inventory (which the reader uses) stays intact: only the registered copy of v1 changes.
    await writeFile(stored('v1/inventory.json'), ' ', { flag: 'a' });
    const r = await checkVersionFixity(store, ID, 1, { inventoryDigest });
    expect(r.problems.map((p) => [p.path, p.problem])).toEqual([
      ['inventory', 'digest-mismatch'],
      ['文书/3.txt', 'unreadable'],
      ['文书/7.txt', 'digest-mismatch'],
    ]);
    expect(r.problems[0]).toMatchObject({ expected: inventoryDigest });
  });
});
