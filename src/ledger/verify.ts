import { bytesEqual, DEFAULT_LEDGER_HASH, emptyRoot, HASH_SIZE, isLedgerHashAlgorithm, nodeHash } from './hash.js';
import type { LedgerHashAlgorithm } from './hash.js';

/**
 * RFC 9162 proof verifiers. Every argument is attacker-controlled (it comes
 * from a receipt, a peer or an HTTP request): the verifiers check types,
 * lengths and ranges first and answer `false` — they never throw.
 *
 * Sizes and indices are JavaScript numbers; the RFC's bit operations are done
 * arithmetically (`% 2`, `/ 2`) so they stay exact up to 2^53.
 */

export interface InclusionCheck {
  readonly leafHash: Uint8Array;
  readonly index: number;
  readonly treeSize: number;
  readonly proof: readonly Uint8Array[];
  readonly root: Uint8Array;
  /** Default 'sha256'. */
  readonly alg?: LedgerHashAlgorithm;
}

export interface ConsistencyCheck {
  readonly size1: number;
  readonly size2: number;
  readonly proof: readonly Uint8Array[];
  readonly root1: Uint8Array;
  readonly root2: Uint8Array;
  /** Default 'sha256'. */
  readonly alg?: LedgerHashAlgorithm;
}

const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;
const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isProof = (p: unknown): p is readonly Uint8Array[] => Array.isArray(p) && p.every(isHash);
const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** RFC 9162 §2.1.3.2: verify that `leafHash` is leaf `index` of the tree of `treeSize` with `root`. */
export function verifyInclusion(check: InclusionCheck): boolean {
  try {
    const { leafHash, index, treeSize, proof, root } = check;
    const alg = check.alg === undefined ? DEFAULT_LEDGER_HASH : check.alg;
    if (!isLedgerHashAlgorithm(alg) || !isHash(leafHash) || !isHash(root) || !isProof(proof)) return false;
    if (!isSize(index) || !isSize(treeSize)) return false;
    // 1. leaf_index ≥ tree_size fails.
    if (index >= treeSize) return false;
    // 2.–3.
    let fn = index;
    let sn = treeSize - 1;
    let r = leafHash;
    // 4.
    for (const p of proof) {
      if (sn === 0) return false; // 4.a: the proof is too long.
      if (odd(fn) || fn === sn) {
        r = nodeHash(p, r, alg);
        // 4.b.ii: fn is the right edge (fn = sn): skip the levels where it has no sibling.
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        r = nodeHash(r, p, alg);
      }
      fn = half(fn);
      sn = half(sn);
    }
    // 5.
    return sn === 0 && bytesEqual(r, root);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 §2.1.4.2: verify that the tree of `size2` with `root2` extends the
 * tree of `size1` with `root1`. Outside the RFC's 0 < size1 < size2: equal
 * sizes need an empty proof and equal roots; size1 = 0 needs an empty proof
 * and root1 = HASH("") (every tree extends the empty tree).
 */
export function verifyConsistency(check: ConsistencyCheck): boolean {
  try {
    const { size1, size2, proof, root1, root2 } = check;
    const alg = check.alg === undefined ? DEFAULT_LEDGER_HASH : check.alg;
    if (!isLedgerHashAlgorithm(alg) || !isHash(root1) || !isHash(root2) || !isProof(proof)) return false;
    if (!isSize(size1) || !isSize(size2) || size1 > size2) return false;
    if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
    if (size1 === 0) return proof.length === 0 && bytesEqual(root1, emptyRoot(alg));
    // 1. An empty path fails.
    if (proof.length === 0) return false;
    // 2. If first is an exact power of 2, prepend first_hash.
    const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
    // 3.
    let fn = size1 - 1;
    let sn = size2 - 1;
    // 4.
    while (odd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    // 5.
    let fr = path[0]!;
    let sr = path[0]!;
    // 6.
    for (const c of path.slice(1)) {
      if (sn === 0) return false; // 6.a
      if (odd(fn) || fn === sn) {
        fr = nodeHash(c, fr, alg);
        sr = nodeHash(c, sr, alg);
        // 6.b.ii
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else {
        sr = nodeHash(sr, c, alg);
      }
      fn = half(fn);
      sn = half(sn);
    }
    // 7.
    return bytesEqual(fr, root1) && bytesEqual(sr, root2) && sn === 0;
  } catch {
    return false;
  }
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
