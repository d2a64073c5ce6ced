import { checkRange } from './check-range.js';
import { DEFAULT_LEDGER_HASH, emptyRoot, nodeHash, type LedgerHashAlgorithm } from './hash.js';
import { completeSubtrees, consistencyRanges, inclusionRanges, type LeafRange, type NodeKey } from './ranges.js';

/**
 * RFC 9162 §2.1 over a list held in memory: the per-registration tree over
 * file digests, and the reference the stored log is tested against. Inputs
 * are leaf HASHES (see `leafHash`), not leaf data. Pure: no I/O.
 */

/** Fold a range's complete-subtree hashes from the right into MTH(range) (see ranges.ts). */
export function foldSubtrees(hashes: readonly Uint8Array[], alg: LedgerHashAlgorithm): Uint8Array {
  let acc = hashes[hashes.length - 1];
  if (acc === undefined) throw new RangeError('foldSubtrees: no hashes');
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc, alg);
  return acc;
}

/** All complete-subtree hashes: levels[ℓ][i] covers leaves [i·2^ℓ, (i+1)·2^ℓ). */
class CompleteLevels {
  readonly #levels: Uint8Array[][];
  constructor(
    leafHashes: readonly Uint8Array[],
    private readonly alg: LedgerHashAlgorithm,
  ) {
    this.#levels = [leafHashes.slice()];
    for (let below = this.#levels[0]!; below.length >= 2;) {
      const level: Uint8Array[] = [];
      for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i]!, below[i + 1]!, alg));
      this.#levels.push(level);
      below = level;
    }
  }

  node(key: NodeKey): Uint8Array {
    const h = this.#levels[key.level]?.[key.index];
    if (h === undefined) throw new RangeError(`no complete subtree ${key.level}/${key.index}`);
    return h;
  }

  range(range: LeafRange): Uint8Array {
    return foldSubtrees(
      completeSubtrees(range).map((k) => this.node(k)),
      this.alg,
    );
  }
}

/** RFC 9162 §2.1.1 MTH(D[n]); the empty tree hashes to HASH(""). */
export function rootOf(leafHashes: readonly Uint8Array[], alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot(alg);
  return new CompleteLevels(leafHashes, alg).range({ start: 0, end: leafHashes.length });
}

/** RFC 9162 §2.1.3.1 PATH(index, D[n]) for the whole list (n = leafHashes.length). */
export function inclusionProofOf(
  leafHashes: readonly Uint8Array[],
  index: number,
  alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH,
): Uint8Array[] {
  checkRange('leaf index', index, 0, leafHashes.length - 1);
  const levels = new CompleteLevels(leafHashes, alg);
  return inclusionRanges(index, leafHashes.length).map((r) => levels.range(r));
}

/**
 * RFC 9162 §2.1.4.1 PROOF(size1, D[n]) for the whole list (n = leafHashes.length).
 * size1 = 0 and size1 = n have empty proofs.
 */
export function consistencyProofOf(
  leafHashes: readonly Uint8Array[],
  size1: number,
  alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH,
): Uint8Array[] {
  checkRange('size1', size1, 0, leafHashes.length);
  if (size1 === 0 || size1 === leafHashes.length) return [];
  const levels = new CompleteLevels(leafHashes, alg);
  return consistencyRanges(size1, leafHashes.length).map((r) => levels.range(r));
}
