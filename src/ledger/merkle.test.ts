import { describe, expect, it } from 'vitest';
import { emptyRoot, leafHash, nodeHash } from './hash.js';
import { consistencyProofOf, inclusionProofOf, rootOf } from './merkle.js';
import {
  CONSISTENCY_PROOFS,
  INCLUSION_PROOFS,
  LEAF_HASHES,
  LEAF_INPUTS,
  NODE_HASHES,
  ROOTS,
  hex,
  toHex,
} from './test-support/merkle-vectors.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const leaves = LEAF_INPUTS.map((d) => leafHash(d));

describe('RFC 9162 §2.1 hashing — transparency-dev/merkle known answers', () => {
  it('hashes the eight reference leaves', () => {
    expect(leaves.map(toHex)).toEqual(LEAF_HASHES);
  });

  it('hashes interior nodes as HASH(0x01 ‖ l ‖ r)', () => {
    expect(toHex(nodeHash(leaves[0]!, leaves[1]!))).toBe(NODE_HASHES[1]![0]);
    expect(toHex(nodeHash(hex(NODE_HASHES[2]![0]!), hex(NODE_HASHES[2]![1]!)))).toBe(NODE_HASHES[3]![0]);
  });

  it('computes MTH for sizes 0..8 (empty tree = SHA-256 of "")', () => {
    for (let n = 0; n <= 8; n++) expect(toHex(rootOf(leaves.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
    expect(toHex(emptyRoot())).toBe(ROOTS[0]);
  });

  it.each(INCLUSION_PROOFS)('inclusion proof of leaf $index in tree $size', ({ index, size, proof }) => {
    const tree = leaves.slice(0, size);
    expect(inclusionProofOf(tree, index).map(toHex)).toEqual(proof);
    const check = { leafHash: leaves[index]!, index, treeSize: size, proof: proof.map(hex), root: hex(ROOTS[size]!) };
    expect(verifyInclusion(check)).toBe(true);
  });

  it.each(CONSISTENCY_PROOFS)('consistency proof $size1 → $size2', ({ size1, size2, proof }) => {
    expect(consistencyProofOf(leaves.slice(0, size2), size1).map(toHex)).toEqual(proof);
    const check = { size1, size2, proof: proof.map(hex), root1: hex(ROOTS[size1]!), root2: hex(ROOTS[size2]!) };
    expect(verifyConsistency(check)).toBe(true);
  });
});

describe('SM3 trees', () => {
  it('use SM3 for leaves, nodes and the empty tree', () => {
    // GB/T 32905-2016 Appendix A.1: SM3("abc").
    const abc = Buffer.from('abc');
    expect(toHex(leafHash(abc, 'sm3'))).not.toBe(toHex(leafHash(abc)));
    expect(toHex(emptyRoot('sm3'))).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
    const tree = [abc, Buffer.from('def'), Buffer.from('ghi')].map((d) => leafHash(d, 'sm3'));
    const root = rootOf(tree, 'sm3');
    expect(toHex(root)).toBe(toHex(nodeHash(nodeHash(tree[0]!, tree[1]!, 'sm3'), tree[2]!, 'sm3')));
    const proof = inclusionProofOf(tree, 2, 'sm3');
    expect(verifyInclusion({ leafHash: tree[2]!, index: 2, treeSize: 3, proof, root, alg: 'sm3' })).toBe(true);
    expect(verifyInclusion({ leafHash: tree[2]!, index: 2, treeSize: 3, proof, root })).toBe(false);
  });
});

describe('in-memory proof arguments', () => {
  it('refuses an index or size1 outside the list', () => {
    expect(() => inclusionProofOf(leaves, 8)).toThrow(/out of range/);
    expect(() => inclusionProofOf([], 0)).toThrow(/out of range/);
    expect(() => inclusionProofOf(leaves, -1)).toThrow(/out of range/);
    expect(() => consistencyProofOf(leaves, 9)).toThrow(/out of range/);
    expect(() => consistencyProofOf(leaves, 1.5)).toThrow(/out of range/);
    expect(consistencyProofOf(leaves, 0)).toEqual([]);
    expect(consistencyProofOf(leaves, 8)).toEqual([]);
  });
});
