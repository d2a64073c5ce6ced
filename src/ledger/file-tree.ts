import { DEFAULT_LEDGER_HASH, leafHash, type LedgerHashAlgorithm } from './hash.js';
import { inclusionProofOf, rootOf } from './merkle.js';
import type { InclusionCheck } from './verify.js';

/**
 * The small per-registration Merkle tree over its files: leaf i is the raw
 * digest bytes of file i (in the order the manifest lists them), hashed per
 * RFC 9162 §2.1.1. Its root goes into the registration statement; a file's
 * proof lets anyone holding the file and the receipt check membership.
 */

/** MTH over the file digests. No files: HASH(""). */
export function filesRoot(digests: readonly Uint8Array[], alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH): Uint8Array {
  return rootOf(
    digests.map((d) => leafHash(d, alg)),
    alg,
  );
}

/** Everything `verifyInclusion` needs to show file `index` is in the tree. */
export interface FileInclusionProof extends InclusionCheck {
  readonly alg: LedgerHashAlgorithm;
}

export function fileInclusionProof(
  digests: readonly Uint8Array[],
  index: number,
  alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH,
): FileInclusionProof {
  const leaves = digests.map((d) => leafHash(d, alg));
  const proof = inclusionProofOf(leaves, index, alg); // checks the index
  return {
    leafHash: leaves[index]!,
    index,
    treeSize: leaves.length,
    proof,
    root: rootOf(leaves, alg),
    alg,
  };
}
