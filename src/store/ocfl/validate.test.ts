import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FsStorage } from '../fs/fs-storage.js';
import { commitInput, memFile, tempFsStorage } from '../test-support/ocfl-fixtures.js';
import { digestHex } from './inventory.js';
import { registrationObjectId } from './layout.js';
import { OcflStore } from './ocfl-store.js';
import { validateObject } from './validate-object.js';
import { validateStorageRoot } from './validate-root.js';

const ID = registrationObjectId('ZJ001', 'ZJ001-2026-000100');

describe('OCFL validator known answers', () => {
  let fx: Awaited<ReturnType<typeof tempFsStorage>>;
  let s: FsStorage;
  let root: string;
  beforeEach(async () => {
    fx = await tempFsStorage();
    s = fx.storage;
    const store = await OcflStore.open(s);
    await store.commitVersion(ID, commitInput([memFile('a.txt', 'a'), memFile('目录/b.txt', 'b')]));
    await store.commitVersion(ID, commitInput([memFile('a.txt', 'a2'), memFile('目录/b.txt', 'b')]));
    root = store.objectRoot(ID);
  });
  afterEach(() => fx.cleanup());

  const codes = async (fixity = true): Promise<string[]> => {
    const r = await validateObject(s, root, { fixity });
    return [...new Set(r.errors.map((e) => e.code))].sort();
  };
  /** Rewrite the root inventory (and both sidecars) through `edit`, keeping sidecars right. */
  const editInventory = async (edit: (inv: Record<string, unknown>) => void, alsoHeadCopy = true): Promise<void> => {
    const inv = JSON.parse((await s.readBytes(`${root}/inventory.json`)).toString()) as Record<string, unknown>;
    edit(inv);
    const bytes = Buffer.from(JSON.stringify(inv, null, 2));
    const side = `${digestHex('sha256', bytes)} inventory.json\n`;
    for (const dir of alsoHeadCopy ? [root, `${root}/v2`] : [root]) {
      await s.writeBytes(`${dir}/inventory.json`, bytes);
      await s.writeBytes(`${dir}/inventory.json.sha256`, side);
    }
  };

  it('a good object: valid, only W004', async () => {
    const r = await validateObject(s, root);
    expect(r).toMatchObject({ valid: true, errors: [] });
    expect(r.warnings.map((w) => w.code)).toEqual(['W004', 'W004', 'W004']);
  });

  it('E003 missing declaration, E007 wrong content', async () => {
    await s.writeBytes(`${root}/0=ocfl_object_1.1`, 'ocfl_object_1.0\n');
    expect(await codes()).toEqual(['E007']);
    await s.delete(`${root}/0=ocfl_object_1.1`);
    expect(await codes()).toEqual(['E003']);
  });

  it('E001 unexpected file and directory in the object root', async () => {
    await s.writeBytes(`${root}/stray.txt`, 'x');
    await s.writeBytes(`${root}/v9/content/x`, 'x');
    expect(await codes()).toEqual(['E001']);
    expect((await validateObject(s, root)).errors).toHaveLength(2);
  });

  it('E060 sidecar mismatch, E061 malformed sidecar, E058 missing sidecar', async () => {
    await s.writeBytes(`${root}/inventory.json.sha256`, `${'0'.repeat(64)} inventory.json\n`);
    await s.writeBytes(`${root}/v1/inventory.json.sha256`, 'garbage');
    await s.delete(`${root}/v2/inventory.json.sha256`);
    expect(await codes()).toEqual(['E058', 'E060', 'E061']);
  });

  it('E023 content not in manifest; E092 manifest entry missing and content digest wrong', async () => {
    await s.writeBytes(`${root}/v1/content/extra.txt`, 'x');
    expect(await codes()).toEqual(['E023']);
    await s.writeBytes(`${root}/v1/content/extra.txt`, 'x');
    await s.writeBytes(`${root}/v1/content/a.txt`, 'tampered');
    await s.delete(`${root}/v2/content/a.txt`);
    const r = await validateObject(s, root);
    expect(r.errors.filter((e) => e.code === 'E092').map((e) => e.path.split('/').slice(-3).join('/'))).toEqual([
      'v2/content/a.txt',
      'v1/content/a.txt',
    ]);
    // Without fixity the tampering goes unseen, the missing file does not.
    expect(await codes(false)).toEqual(['E023', 'E092']);
  });

  it('E093 fixity mismatch', async () => {
    await editInventory((inv) => {
      inv.fixity = { md5: { [digestHex('md5', Buffer.from('wrong'))]: ['v1/content/目录/b.txt'] } };
    });
    expect(await codes()).toEqual(['E093']);
  });

  it('E010/E009 version sequence, E040 head, E046 missing version dir', async () => {
    await editInventory((inv) => {
      const versions = inv.versions as Record<string, unknown>;
      versions.v4 = versions.v2;
      delete versions.v2;
      inv.head = 'v2';
    });
    expect(await codes(false)).toEqual(expect.arrayContaining(['E010', 'E040', 'E046']));
    await editInventory((inv) => {
      const versions = inv.versions as Record<string, unknown>;
      delete versions.v1;
      versions.v2 = versions.v4;
      delete versions.v4;
    });
    expect(await codes(false)).toEqual(expect.arrayContaining(['E009']));
  });

  it('E050 state digest not in manifest, E052/E053 bad logical paths, E095 conflicts', async () => {
    await editInventory((inv) => {
      const v2 = (inv.versions as Record<string, { state: Record<string, string[]> }>).v2!;
      v2.state['f'.repeat(64)] = ['../escape', '/abs', 'a.txt/x'];
    });
    expect(await codes(false)).toEqual(expect.arrayContaining(['E050', 'E052', 'E053', 'E095']));
  });

  it('E036/E038/E025/E048/E049/E054/E102 inventory structure', async () => {
    await editInventory((inv) => {
      delete inv.id;
      inv.type = 'https://ocfl.io/1.0/spec/#inventory';
      inv.digestAlgorithm = 'md5';
      inv.extra = 1;
      const v1 = (inv.versions as Record<string, Record<string, unknown>>).v1!;
      v1.created = '2026-03-01 08:00';
      v1.user = { address: 'mailto:x@y' };
      delete (inv.versions as Record<string, Record<string, unknown>>).v2!.created;
    }, false);
    expect(await codes(false)).toEqual(
      expect.arrayContaining(['E025', 'E036', 'E038', 'E048', 'E049', 'E054', 'E102']),
    );
  });

  it('E110 id changed between versions, E064 head inventory differs, E066 prior state differs', async () => {
    await editInventory((inv) => {
      inv.id = 'urn:yinji:ZJ001:other';
      const v1 = (inv.versions as Record<string, { state: Record<string, string[]> }>).v1!;
      const [d, paths] = Object.entries(v1.state)[0]!;
      v1.state[d] = [...paths, 'renamed.txt'];
    }, false);
    expect(await codes(false)).toEqual(expect.arrayContaining(['E064', 'E066', 'E110']));
  });

  it('E033 inventory not JSON, E063 no inventory', async () => {
    await s.writeBytes(`${root}/inventory.json`, '{ nope');
    expect(await codes(false)).toEqual(expect.arrayContaining(['E033']));
    await s.delete(`${root}/inventory.json`);
    expect(await codes(false)).toEqual(expect.arrayContaining(['E063']));
  });

  it('storage root: E069, E080, E084 and per-object errors, all reported', async () => {
    expect((await validateStorageRoot(s)).valid).toBe(true);
    await s.writeBytes('0=ocfl_1.1', 'wrong\n');
    await s.writeBytes(`${root.split('/')[0]}/stray.txt`, 'x');
    await s.writeBytes(`${root}/stray.txt`, 'x');
    const progress: string[] = [];
    const r = await validateStorageRoot(s, { onProgress: (p) => progress.push(p.path) });
    expect(r.errors.map((e) => e.code).sort()).toEqual(['E001', 'E080', 'E084']);
    expect(progress).toEqual([root]);
    await s.delete('0=ocfl_1.1');
    expect((await validateStorageRoot(s)).errors.map((e) => e.code)).toContain('E069');
  });
});
