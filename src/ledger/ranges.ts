/**
 * Index arithmetic for RFC 9162 proofs, shared by the in-memory reference
 * functions (merkle.ts) and the stored log (log.ts). Pure: no hashing, no I/O.
 *
 * A proof is a list of subtree hashes; each subtree is a half-open leaf range
 * [start, end). Every range the RFC recursion produces starts at a multiple
 * of a power of two at least as large as the range, so it splits greedily
 * into a few COMPLETE subtrees (`completeSubtrees`), which is what the log
 * stores.
 */

/** A half-open range of leaf indices [start, end). */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** The complete subtree at `level` with index `index` covers leaves [index·2^level, (index+1)·2^level). */
export interface NodeKey {
  readonly level: number;
  readonly index: number;
}

/** The largest power of two strictly less than n (n ≥ 2): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[n]) as ranges, in proof order (the sibling
 * nearest the leaf first). Requires 0 ≤ index < size.
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  const out: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index - start < k) {
      // PATH(m, D[0:k]) : MTH(D[k:n])
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      // PATH(m - k, D[k:n]) : MTH(D[0:k])
      out.push({ start, end: start + k });
      start += k;
    }
  }
  return out.reverse();
}

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as ranges, in
 * proof order. Requires 0 < size1 < size2 (other cases have empty proofs).
 */
export function consistencyRanges(size1: number, size2: number): LeafRange[] {
  const out: LeafRange[] = [];
  let start = 0;
  let end = size2;
  let m = size1;
  let startFromOldRoot = true;
  for (;;) {
    const n = end - start;
    if (m === n) {
      // SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}
      if (!startFromOldRoot) out.push({ start, end });
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      out.push({ start, end: start + k });
      start += k;
      m -= k;
      startFromOldRoot = false;
    }
  }
  return out.reverse();
}

/**
 * Split [start, end) into maximal aligned complete subtrees, left to right.
 * For the ranges above (and [0, size)) their sizes strictly decrease, so
 * MTH(range) = HASH(n₀ ‖ HASH(n₁ ‖ … nₖ)) — folded from the right
 * (RFC 9162 §2.1.1: split at the largest power of two below the size).
 */
export function completeSubtrees(range: LeafRange): NodeKey[] {
  const out: NodeKey[] = [];
  let a = range.start;
  while (a < range.end) {
    let size = 1;
    let level = 0;
    while (size * 2 <= range.end - a && a % (size * 2) === 0) {
      size *= 2;
      level += 1;
    }
    out.push({ level, index: a / size });
    a += size;
  }
  return out;
}
