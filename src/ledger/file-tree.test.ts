import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fileInclusionProof, filesRoot } from './file-tree.js';
import { emptyRoot, leafHash, nodeHash } from './hash.js';
import { verifyInclusion } from './verify.js';

const digest = (s: string, alg = 'sha256'): Uint8Array => createHash(alg).update(s).digest();

describe('file tree', () => {
  const digests = ['a.pdf', 'b.ofd', 'c.xml'].map((s) => digest(s));

  it('is the RFC 9162 tree whose leaves are the raw file digests', () => {
    const [a, b, c] = digests.map((d) => leafHash(d));
    expect(Buffer.from(filesRoot(digests))).toEqual(Buffer.from(nodeHash(nodeHash(a!, b!), c!)));
    expect(Buffer.from(filesRoot([]))).toEqual(Buffer.from(emptyRoot()));
  });

  it('gives each file a proof verifyInclusion accepts as is', () => {
    for (let i = 0; i < digests.length; i++) {
      const p = fileInclusionProof(digests, i);
      expect(p).toMatchObject({ index: i, treeSize: 3, alg: 'sha256' });
      expect(verifyInclusion(p)).toBe(true);
      expect(verifyInclusion({ ...p, leafHash: leafHash(digest('forged.pdf')) })).toBe(false);
    }
    expect(() => fileInclusionProof(digests, 3)).toThrow(/out of range/);
  });

  it('works with SM3', () => {
    const sm3 = ['甲.pdf', '乙.pdf'].map((s) => digest(s, 'sm3'));
    const p = fileInclusionProof(sm3, 1, 'sm3');
    expect(Buffer.from(p.root)).toEqual(Buffer.from(filesRoot(sm3, 'sm3')));
    expect(verifyInclusion(p)).toBe(true);
    expect(verifyInclusion({ ...p, alg: 'sha256' })).toBe(false);
  });
});
