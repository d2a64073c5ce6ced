import { describe, expect, it } from 'vitest';
import { emptyRoot, leafHash } from './hash.js';
import { consistencyProofOf, inclusionProofOf, rootOf } from './merkle.js';
import { inclusionRanges } from './ranges.js';
import { verifyConsistency, verifyInclusion, type ConsistencyCheck, type InclusionCheck } from './verify.js';

// Leaves for the property tests: distinct, deterministic.
const ALL = Array.from({ length: 64 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
const ROOTS = Array.from({ length: 65 }, (_, n) => rootOf(ALL.slice(0, n)));

function flipped(proof: readonly Uint8Array[], i: number, bit: number): Uint8Array[] {
  return proof.map((p, j) => {
    if (j !== i) return p;
    const c = Uint8Array.from(p);
    c[bit >> 3]! ^= 1 << (bit & 7);
    return c;
  });
}

/** Every way an honest inclusion check can be corrupted (after transparency-dev/merkle verify_test.go). */
function corruptInclusion(c: InclusionCheck): [string, InclusionCheck][] {
  const out: [string, InclusionCheck][] = [
    ['index - 1', { ...c, index: c.index - 1 }],
    ['index + 1', { ...c, index: c.index + 1 }],
    ['index ^ 2', { ...c, index: c.index ^ 2 }],
    ['size * 2', { ...c, treeSize: c.treeSize * 2 }],
    ['size / 2', { ...c, treeSize: Math.floor(c.treeSize / 2) }],
    ['other leaf', { ...c, leafHash: leafHash(Buffer.from('other')) }],
    ['empty root', { ...c, root: emptyRoot() }],
    ['trailing root', { ...c, proof: [...c.proof, c.root] }],
    ['preceding root', { ...c, proof: [c.root, ...c.proof] }],
    ['short hash', { ...c, proof: [...c.proof, new Uint8Array(31)] }],
  ];
  if (c.proof.length > 0) out.push(['truncated', { ...c, proof: c.proof.slice(0, -1) }]);
  for (let i = 0; i < c.proof.length; i++) {
    for (const bit of [0, 77, 255]) out.push([`proof[${i}] bit ${bit}`, { ...c, proof: flipped(c.proof, i, bit) }]);
  }
  out.push(['leaf bit', { ...c, leafHash: flipped([c.leafHash], 0, 9)[0]! }]);
  out.push(['root bit', { ...c, root: flipped([c.root], 0, 200)[0]! }]);
  return out;
}

function corruptConsistency(c: ConsistencyCheck): [string, ConsistencyCheck][] {
  const out: [string, ConsistencyCheck][] = [
    ['size1 - 1', { ...c, size1: c.size1 - 1 }],
    ['size1 + 1', { ...c, size1: c.size1 + 1 }],
    ['size1 ^ 2', { ...c, size1: c.size1 ^ 2 }],
    ['size2 * 2', { ...c, size2: c.size2 * 2 }],
    ['size2 / 2', { ...c, size2: Math.floor(c.size2 / 2) }],
    ['swapped roots', { ...c, root1: c.root2, root2: c.root1 }],
    ['empty proof', { ...c, proof: [] }],
    ['trailing root1', { ...c, proof: [...c.proof, c.root1] }],
    ['preceding root2', { ...c, proof: [c.root2, ...c.proof] }],
    ['preceding proof[0]', { ...c, proof: [c.proof[0]!, ...c.proof] }],
    ['truncated', { ...c, proof: c.proof.slice(0, -1) }],
    ['root1 bit', { ...c, root1: flipped([c.root1], 0, 3)[0]! }],
    ['root2 bit', { ...c, root2: flipped([c.root2], 0, 250)[0]! }],
  ];
  for (let i = 0; i < c.proof.length; i++) {
    for (const bit of [4, 100, 255]) out.push([`proof[${i}] bit ${bit}`, { ...c, proof: flipped(c.proof, i, bit) }]);
  }
  return out;
}

describe('verifyInclusion — every size 1..64, every index', () => {
  it('accepts every honest proof and rejects every corruption', () => {
    let probes = 0;
    for (let n = 1; n <= 64; n++) {
      const tree = ALL.slice(0, n);
      for (let m = 0; m < n; m++) {
        const check = { leafHash: tree[m]!, index: m, treeSize: n, proof: inclusionProofOf(tree, m), root: ROOTS[n]! };
        expect(verifyInclusion(check), `${m} in ${n}`).toBe(true);
        for (const [why, bad] of corruptInclusion(check)) {
          expect(verifyInclusion(bad), `${m} in ${n}: ${why}`).toBe(false);
          probes++;
        }
      }
    }
    expect(probes).toBeGreaterThan(40_000);
  });

  it('accepts a neighbouring tree size only where the path has the same shape', () => {
    // RFC 9162 proofs bind the size only through the path shape; the signed
    // checkpoint binds size and root together, so this is no weakness.
    const shape = (m: number, n: number): string =>
      inclusionRanges(m, n)
        .map((r) => (r.start > m ? 'R' : 'L'))
        .join('');
    for (let n = 2; n <= 64; n++) {
      for (let m = 0; m < n; m++) {
        const check = {
          leafHash: ALL[m]!,
          index: m,
          treeSize: n,
          proof: inclusionProofOf(ALL.slice(0, n), m),
          root: ROOTS[n]!,
        };
        for (const wrong of [n - 1, n + 1]) {
          const sameShape = m < wrong && shape(m, wrong) === shape(m, n);
          expect(verifyInclusion({ ...check, treeSize: wrong }), `${m} in ${n} as ${wrong}`).toBe(sameShape);
        }
      }
    }
  });
});

describe('verifyConsistency — every 1 ≤ size1 < size2 ≤ 64', () => {
  it('accepts every honest proof and rejects every corruption', () => {
    for (let n = 2; n <= 64; n++) {
      for (let m = 1; m < n; m++) {
        const proof = consistencyProofOf(ALL.slice(0, n), m);
        const check = { size1: m, size2: n, proof, root1: ROOTS[m]!, root2: ROOTS[n]! };
        expect(verifyConsistency(check), `${m} → ${n}`).toBe(true);
        for (const [why, bad] of corruptConsistency(check)) {
          expect(verifyConsistency(bad), `${m} → ${n}: ${why}`).toBe(false);
        }
      }
    }
  });

  it('handles the sizes outside 0 < size1 < size2', () => {
    const r = ROOTS[5]!;
    expect(verifyConsistency({ size1: 5, size2: 5, proof: [], root1: r, root2: r })).toBe(true);
    expect(verifyConsistency({ size1: 5, size2: 5, proof: [r], root1: r, root2: r })).toBe(false);
    expect(verifyConsistency({ size1: 5, size2: 5, proof: [], root1: r, root2: ROOTS[4]! })).toBe(false);
    expect(verifyConsistency({ size1: 0, size2: 5, proof: [], root1: emptyRoot(), root2: r })).toBe(true);
    expect(verifyConsistency({ size1: 0, size2: 0, proof: [], root1: emptyRoot(), root2: emptyRoot() })).toBe(true);
    expect(verifyConsistency({ size1: 0, size2: 5, proof: [], root1: r, root2: r })).toBe(false);
    expect(verifyConsistency({ size1: 0, size2: 5, proof: [r], root1: emptyRoot(), root2: r })).toBe(false);
    expect(verifyConsistency({ size1: 6, size2: 5, proof: [], root1: r, root2: r })).toBe(false);
  });
});

describe('verifiers never throw on hostile input', () => {
  const good = {
    leafHash: ALL[3]!,
    index: 3,
    treeSize: 7,
    proof: inclusionProofOf(ALL.slice(0, 7), 3),
    root: ROOTS[7]!,
  };
  const goodC = {
    size1: 3,
    size2: 7,
    proof: consistencyProofOf(ALL.slice(0, 7), 3),
    root1: ROOTS[3]!,
    root2: ROOTS[7]!,
  };
  const junk: unknown[] = [
    undefined,
    null,
    -1,
    1.5,
    NaN,
    Infinity,
    2 ** 60,
    '3',
    {},
    [],
    [1, 2],
    new Uint8Array(5),
    'x',
  ];

  it('inclusion: any field replaced by junk gives false', () => {
    expect(verifyInclusion(good)).toBe(true);
    for (const field of ['leafHash', 'index', 'treeSize', 'proof', 'root', 'alg'] as const) {
      for (const j of junk) {
        if (field === 'alg' && j === undefined) continue; // the default, sha256
        expect(verifyInclusion({ ...good, [field]: j }), `${field}=${String(j)}`).toBe(false);
      }
    }
    expect(verifyInclusion(null as unknown as InclusionCheck)).toBe(false);
    expect(verifyInclusion({ ...good, proof: [...good.proof.slice(0, 1), 'zz'] } as unknown as InclusionCheck)).toBe(
      false,
    );
    expect(verifyInclusion({ ...good, alg: 'md5' } as unknown as InclusionCheck)).toBe(false);
  });

  it('inclusion: huge sizes and long proofs are refused, not looped over', () => {
    expect(verifyInclusion({ ...good, index: 2 ** 53 - 2, treeSize: 2 ** 53 - 1 })).toBe(false);
    expect(verifyInclusion({ ...good, proof: Array.from({ length: 10_000 }, () => good.root) })).toBe(false);
  });

  it('consistency: any field replaced by junk gives false', () => {
    expect(verifyConsistency(goodC)).toBe(true);
    for (const field of ['size1', 'size2', 'proof', 'root1', 'root2', 'alg'] as const) {
      for (const j of junk) {
        if (field === 'alg' && j === undefined) continue;
        expect(verifyConsistency({ ...goodC, [field]: j }), `${field}`).toBe(false);
      }
    }
    expect(verifyConsistency(undefined as unknown as ConsistencyCheck)).toBe(false);
  });
});
