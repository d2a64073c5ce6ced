import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FsStorage } from '../fs/fs-storage.js';
import { FailingStorage, SimulatedCrash } from '../test-support/failing-storage.js';
import { commitInput, memFile, tempFsStorage } from '../test-support/ocfl-fixtures.js';
import { registrationObjectId } from './layout.js';
import { OcflStore } from './ocfl-store.js';
import { validateStorageRoot } from './validate-root.js';

const ID = registrationObjectId('ZJ001', 'ZJ001-2026-000009');
const v1 = () => [memFile('a.txt', 'alpha'), memFile('目录/b.txt', 'beta'), memFile('empty', '')];
const v2 = () => [memFile('a.txt', 'alpha'), memFile('目录/b.txt', 'beta 2'), memFile('c.txt', 'gamma')];

async function snapshot(storage: FsStorage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const p of storage.list('')) out[p] = (await storage.readBytes(p)).toString('base64');
  return out;
}

describe('crash safety of commitVersion', () => {
  let fx: Awaited<ReturnType<typeof tempFsStorage>>;
  beforeEach(async () => {
    fx = await tempFsStorage();
  });
  afterEach(() => fx.cleanup());

  for (const scenario of ['new object (v1)', 'existing object (v2)'] as const) {
    it(`${scenario}: a crash at every write recovers to exactly old or new`, async () => {
      const isNew = scenario.startsWith('new');
      const base = await OcflStore.open(fx.storage);
      if (!isNew) await base.commitVersion(ID, commitInput(v1()));
      const before = await snapshot(fx.storage);
      // Count the writes of an undisturbed commit on a scratch copy of the same state.
      const probe = await tempFsStorage();
      const probeStore = await OcflStore.open(probe.storage);
      if (!isNew) await probeStore.commitVersion(ID, commitInput(v1()));
      const counting = new FailingStorage(probe.storage);
      await (await OcflStore.open(counting)).commitVersion(ID, commitInput(isNew ? v1() : v2()));
      const after = await snapshot(probe.storage);
      await probe.cleanup();
      const n = counting.writes;
      expect(n).toBeGreaterThanOrEqual(6);

      for (let k = 1; k <= n; k++) {
        const crashing = new FailingStorage(fx.storage, { crashAtWrite: k });
        const store = await OcflStore.open(crashing);
        await expect(store.commitVersion(ID, commitInput(isNew ? v1() : v2()))).rejects.toBeInstanceOf(SimulatedCrash);
        // "Restart": a fresh store over the real storage recovers; twice to show idempotence.
        const restarted = await OcflStore.open(fx.storage);
        await restarted.recoverAll();
        const second = await restarted.recoverAll();
        expect(
          second.every((r) => r.actions.length === 0),
          `k=${k} second recovery`,
        ).toBe(true);
        const now = await snapshot(fx.storage);
        // Writes n-1 and n are the root inventory and root sidecar: a crash there finds vN complete
        // and rolls forward; a crash at any earlier write rolls back.
        const wantNew = k >= n - 1;
        expect(isDeepStrictEqual(now, wantNew ? after : before), `k=${k} of ${n}`).toBe(true);
        expect((await validateStorageRoot(fx.storage)).errors, `k=${k}`).toEqual([]);
        if (wantNew) {
          // back to the old state for the next k
          await fx.cleanup();
          fx = await tempFsStorage();
          const s = await OcflStore.open(fx.storage);
          if (!isNew) await s.commitVersion(ID, commitInput(v1()));
        }
      }
    });
  }

  it('rolls forward when the crash fell after the version inventory (no cleanup ran)', async () => {
    const store = await OcflStore.open(fx.storage);
    await store.commitVersion(ID, commitInput(v1()));
    const root = store.objectRoot(ID);
    // Simulate: v2 fully written, root inventory not yet — write v2 elsewhere, copy v2/ in.
    const other = await tempFsStorage();
    const os = await OcflStore.open(other.storage);
    await os.commitVersion(ID, commitInput(v1()));
    await os.commitVersion(ID, commitInput(v2()));
    for await (const p of other.storage.list(`${root}/v2`))
      await fx.storage.writeBytes(p, await other.storage.readBytes(p));
    await other.cleanup();
    const r = await store.recover(ID);
    expect(r.actions).toEqual(['rolled-forward']);
    expect(await store.headVersion(ID)).toBe(2);
    expect((await store.validate(ID)).valid).toBe(true);
  });

  it('rewrites a root sidecar left stale between the last two writes', async () => {
    const store = await OcflStore.open(fx.storage);
    await store.commitVersion(ID, commitInput(v1()));
    const root = store.objectRoot(ID);
    await fx.storage.writeBytes(`${root}/inventory.json.sha256`, '0'.repeat(64) + ' inventory.json\n');
    expect((await store.recover(ID)).actions).toEqual(['sidecar-rewritten']);
    expect((await store.validate(ID)).valid).toBe(true);
  });

  it('removes the empty directories of a new object killed before its first file (found by the kill -9 loop)', async () => {
    const store = await OcflStore.open(fx.storage);
    const root = store.objectRoot(ID);
    await mkdir(join(fx.dir, 'root', root, 'v1', 'content', 'data'), { recursive: true });
    expect((await validateStorageRoot(fx.storage, {})).errors.map((e) => e.code)).toContain('E073');
    await store.recover(ID);
    expect((await validateStorageRoot(fx.storage, {})).errors).toEqual([]);
    expect((await readdir(join(fx.dir, 'root'))).sort()).toEqual(['0=ocfl_1.1', 'extensions', 'ocfl_layout.json']);
  });

  it('does not touch an object whose inventory was lost with later versions present', async () => {
    const store = await OcflStore.open(fx.storage);
    await store.commitVersion(ID, commitInput(v1()));
    await store.commitVersion(ID, commitInput(v2()));
    const root = store.objectRoot(ID);
    await fx.storage.delete(`${root}/inventory.json`);
    const r = await store.recover(ID);
    expect(r.actions).toContain('unrecoverable');
    expect(await fx.storage.exists(`${root}/v2/inventory.json`)).toBe(true);
  });
});

describe('disk full during a commit', () => {
  it('fails with E_STORAGE_FULL and leaves the object valid and unchanged', async () => {
    const fx = await tempFsStorage();
    try {
      const store = await OcflStore.open(fx.storage);
      await store.commitVersion(ID, commitInput(v1()));
      const before = await snapshot(fx.storage);
      const full = await OcflStore.open(new FailingStorage(fx.storage, { failAfterBytes: 8 }));
      await expect(full.commitVersion(ID, commitInput(v2()))).rejects.toMatchObject({ code: 'E_STORAGE_FULL' });
      expect(await snapshot(fx.storage)).toEqual(before);
      expect(await fx.storage.sweepTemporaries('')).toBe(0);
      const result = await validateStorageRoot(fx.storage);
      expect(result.errors).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  });
});
