import { describe, expect, it } from 'vitest';
import { emptyRoot, leafHash } from './hash.js';
import { MerkleLog } from './log.js';
import { MemoryLogStorage, type LogLeaf, type LogNode, type LogStorage } from './log-storage.js';
import { consistencyProofOf, inclusionProofOf, rootOf } from './merkle.js';
import type { NodeKey } from './ranges.js';
import { LEAF_INPUTS, ROOTS, toHex } from './test-support/merkle-vectors.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const hexes = (hs: readonly Uint8Array[]): string[] => hs.map(toHex);

/** A deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/** Counts storage calls, to check proofs need one read of O(log n) nodes. */
class CountingStorage implements LogStorage {
  readonly inner = new MemoryLogStorage();
  reads: number[] = [];
  size(): Promise<number> {
    return this.inner.size();
  }
  getNodes(keys: readonly NodeKey[]): Promise<(Uint8Array | undefined)[]> {
    this.reads.push(keys.length);
    return this.inner.getNodes(keys);
  }
  getLeaf(index: number): Promise<LogLeaf | undefined> {
    return this.inner.getLeaf(index);
  }
  append(leaves: readonly LogLeaf[], nodes: readonly LogNode[]): Promise<void> {
    return this.inner.append(leaves, nodes);
  }
}

describe('MerkleLog', () => {
  it('reproduces the RFC 6962 reference roots (transparency-dev/merkle)', async () => {
    const log = new MerkleLog(new MemoryLogStorage());
    expect(toHex(await log.root())).toBe(ROOTS[0]);
    for (const d of LEAF_INPUTS) await log.append([d]);
    for (let n = 0; n <= 8; n++) expect(toHex(await log.root(n))).toBe(ROOTS[n]);
  });

  it('matches the in-memory reference for every size 1..200, appended in random batches', async () => {
    const next = rng(42);
    const log = new MerkleLog(new MemoryLogStorage());
    const datas = Array.from({ length: 200 }, (_, i) => Buffer.from(`record ${i} ${next()}`));
    const hashes = datas.map((d) => leafHash(d));
    for (let at = 0; at < datas.length;) {
      const k = 1 + Math.floor(next() * 17);
      const r = await log.append(datas.slice(at, at + k));
      expect(r.firstIndex).toBe(at);
      at = Math.min(datas.length, at + k);
      expect(r.size).toBe(at);
    }
    const roots = [emptyRoot(), ...hashes.map((_, i) => rootOf(hashes.slice(0, i + 1)))];
    for (let n = 1; n <= 200; n++) {
      const tree = hashes.slice(0, n);
      expect(toHex(await log.root(n)), `root ${n}`).toBe(toHex(roots[n]!));
      // Every index for small trees, a sample for large ones.
      const indices = n <= 40 ? [...Array(n).keys()] : [0, n - 1, Math.floor(next() * n), Math.floor(next() * n)];
      for (const m of indices) {
        const proof = await log.inclusionProof(m, n);
        expect(hexes(proof), `inclusion ${m} in ${n}`).toEqual(hexes(inclusionProofOf(tree, m)));
        expect(verifyInclusion({ leafHash: hashes[m]!, index: m, treeSize: n, proof, root: roots[n]! })).toBe(true);
      }
      const sizes1 = n <= 40 ? [...Array(n + 1).keys()] : [0, 1, n - 1, n, 1 + Math.floor(next() * (n - 1))];
      for (const m of sizes1) {
        const proof = await log.consistencyProof(m, n);
        expect(hexes(proof), `consistency ${m} → ${n}`).toEqual(hexes(consistencyProofOf(tree, m)));
        const check = { size1: m, size2: n, proof, root1: roots[m]!, root2: roots[n]! };
        expect(verifyConsistency(check), `verify ${m} → ${n}`).toBe(true);
      }
    }
  });

  it('reads one batch of O(log n) nodes per root or proof', async () => {
    const storage = new CountingStorage();
    const log = new MerkleLog(storage);
    for (let i = 0; i < 10; i++) await log.append(Array.from({ length: 100 }, (_, j) => Buffer.from(`${i}/${j}`)));
    storage.reads = [];
    await log.root(1000);
    await log.inclusionProof(517, 999);
    await log.consistencyProof(333, 999);
    expect(storage.reads.length).toBe(3);
    for (const n of storage.reads) expect(n).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1000)));
  });

  it('returns leaves and refuses out-of-range sizes and indices', async () => {
    const log = new MerkleLog(new MemoryLogStorage());
    expect(await log.append([])).toEqual({ firstIndex: 0, size: 0 });
    await log.append([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
    const leaf = await log.leaf(1);
    expect(Buffer.from(leaf.data).toString()).toBe('b');
    expect(toHex(leaf.hash)).toBe(toHex(leafHash(Buffer.from('b'))));
    await expect(log.leaf(3)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.leaf(-1)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.root(4)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.inclusionProof(3, 3)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.inclusionProof(0, 4)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.inclusionProof(0, 0)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.consistencyProof(3, 2)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.consistencyProof(1, 4)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    await expect(log.append(['x' as unknown as Uint8Array])).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    expect(() => new MerkleLog(new MemoryLogStorage(), { alg: 'md5' as never })).toThrow(/unsupported/);
  });

  it('runs concurrent appends one after another', async () => {
    const log = new MerkleLog(new MemoryLogStorage());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => log.append([Buffer.from(`a${i}`), Buffer.from(`b${i}`)])),
    );
    expect(results.map((r) => r.firstIndex)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
    expect(await log.size()).toBe(40);
  });

  it('lets the storage refuse a racing writer (two servers, one log) with E_CONFLICT', async () => {
    const storage = new MemoryLogStorage();
    const [a, b] = [new MerkleLog(storage), new MerkleLog(storage)];
    const results = await Promise.allSettled([a.append([Buffer.from('a')]), b.append([Buffer.from('b')])]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'E_CONFLICT' } });
    expect(await b.append([Buffer.from('retry')])).toEqual({ firstIndex: 1, size: 2 });
  });

  it('keeps working after a failed append', async () => {
    const log = new MerkleLog(new MemoryLogStorage());
    await expect(log.append([null as unknown as Uint8Array])).rejects.toThrow();
    expect(await log.append([Buffer.from('ok')])).toEqual({ firstIndex: 0, size: 1 });
  });

  it('reports a storage that lost a node as E_STORAGE_CORRUPT', async () => {
    const storage = new MemoryLogStorage();
    const log = new MerkleLog({
      size: () => storage.size(),
      getLeaf: (i) => storage.getLeaf(i),
      append: (l, n) => storage.append(l, n),
      getNodes: async (keys) => (await storage.getNodes(keys)).map((h, i) => (keys[i]!.level === 1 ? undefined : h)),
    });
    await log.append([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
    await expect(log.root()).rejects.toMatchObject({ code: 'E_STORAGE_CORRUPT' });
  });

  it('builds SM3 logs', async () => {
    const log = new MerkleLog(new MemoryLogStorage(), { alg: 'sm3' });
    const datas = Array.from({ length: 13 }, (_, i) => Buffer.from(`sm3 ${i}`));
    await log.append(datas);
    const hashes = datas.map((d) => leafHash(d, 'sm3'));
    expect(toHex(await log.root())).toBe(toHex(rootOf(hashes, 'sm3')));
    const proof = await log.inclusionProof(11, 13);
    const root = await log.root();
    expect(verifyInclusion({ leafHash: hashes[11]!, index: 11, treeSize: 13, proof, root, alg: 'sm3' })).toBe(true);
  });
});
