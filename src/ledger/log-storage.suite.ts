import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash } from './hash.js';
import { MerkleLog } from './log.js';
import type { LogStorage } from './log-storage.js';
import { consistencyProofOf, inclusionProofOf, rootOf } from './merkle.js';

/**
 * The contract every LogStorage must meet (memory here; SQLite and
 * PostgreSQL in db/). Call from a test file:
 *
 *   runLogStorageSuite('sqlite', async () => new SqlLogStorage(await openTestDb()));
 *
 * `make` must return a fresh, empty storage each time.
 */
export function runLogStorageSuite(name: string, make: () => LogStorage | Promise<LogStorage>): void {
  const bytes = (s: string): Uint8Array => Buffer.from(s);
  const leaf = (index: number, s: string) => ({ index, data: bytes(s), hash: leafHash(bytes(s)) });

  describe(`LogStorage contract: ${name}`, () => {
    it('starts empty', async () => {
      const s = await make();
      expect(await s.size()).toBe(0);
      expect(await s.getLeaf(0)).toBeUndefined();
      expect(await s.getNodes([{ level: 0, index: 0 }])).toEqual([undefined]);
    });

    it('stores leaves and nodes; level 0 is the leaf hash; absent nodes are undefined, in key order', async () => {
      const s = await make();
      const l0 = leaf(0, 'a');
      const l1 = leaf(1, 'b');
      const n10 = nodeHash(l0.hash, l1.hash);
      await s.append([l0, l1], [{ level: 1, index: 0, hash: n10 }]);
      expect(await s.size()).toBe(2);
      const got = await s.getNodes([
        { level: 1, index: 0 },
        { level: 0, index: 1 },
        { level: 2, index: 0 },
        { level: 0, index: 0 },
        { level: 0, index: 2 },
      ]);
      expect(got.map((h) => (h === undefined ? undefined : Buffer.from(h).toString('hex')))).toEqual(
        [n10, l1.hash, undefined, l0.hash, undefined].map((h) =>
          h === undefined ? undefined : Buffer.from(h).toString('hex'),
        ),
      );
      const back = await s.getLeaf(1);
      expect(Buffer.from(back!.data).toString()).toBe('b');
      expect(back!.index).toBe(1);
      expect(Buffer.from(back!.hash)).toEqual(Buffer.from(l1.hash));
      expect(await s.getNodes([])).toEqual([]);
    });

    it('keeps binary data intact (empty, NUL, high bytes)', async () => {
      const s = await make();
      const datas = [
        new Uint8Array(),
        Uint8Array.from([0, 255, 0]),
        Uint8Array.from({ length: 300 }, (_, i) => i % 256),
      ];
      await s.append(
        datas.map((data, index) => ({ index, data, hash: leafHash(data) })),
        [],
      );
      for (let i = 0; i < datas.length; i++)
        expect(Buffer.from((await s.getLeaf(i))!.data)).toEqual(Buffer.from(datas[i]!));
    });

    it('refuses an append that does not start at the current size with E_CONFLICT, writing nothing', async () => {
      const s = await make();
      await s.append([leaf(0, 'a')], []);
      await expect(s.append([leaf(0, 'x'), leaf(1, 'y')], [])).rejects.toMatchObject({ code: 'E_CONFLICT' });
      await expect(s.append([leaf(2, 'z')], [])).rejects.toMatchObject({ code: 'E_CONFLICT' });
      expect(await s.size()).toBe(1);
      expect(Buffer.from((await s.getLeaf(0))!.data).toString()).toBe('a');
      expect(await s.getLeaf(1)).toBeUndefined();
    });

    it('serves a MerkleLog whose roots and proofs match the reference for sizes 1..40', async () => {
      const log = new MerkleLog(await make());
      const datas = Array.from({ length: 40 }, (_, i) => bytes(`entry ${i}`));
      const hashes = datas.map((d) => leafHash(d));
      for (let i = 0; i < datas.length; i += 7) await log.append(datas.slice(i, i + 7));
      for (let n = 1; n <= 40; n++) {
        const tree = hashes.slice(0, n);
        expect(Buffer.from(await log.root(n))).toEqual(Buffer.from(rootOf(tree)));
        const m = (n * 7) % n;
        expect((await log.inclusionProof(m, n)).map((h) => Buffer.from(h))).toEqual(
          inclusionProofOf(tree, m).map((h) => Buffer.from(h)),
        );
        const k = Math.max(1, Math.floor(n / 3));
        expect((await log.consistencyProof(k, n)).map((h) => Buffer.from(h))).toEqual(
          consistencyProofOf(tree, k).map((h) => Buffer.from(h)),
        );
      }
    });
  });
}
