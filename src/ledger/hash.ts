import { createHash } from 'node:crypto';
import type { DigestAlgorithm } from '../digest/algorithms.js';

/**
 * Hash functions a Yinji log may use. RFC 9162 §2.1 fixes the tree shape and
 * the domain-separation prefixes but leaves the hash to the log; SHA-256 is
 * the default and SM3 (GB/T 32905, also 32 bytes) serves 国密 deployments.
 */
export type LedgerHashAlgorithm = Extract<DigestAlgorithm, 'sha256' | 'sm3'>;

export const LEDGER_HASH_ALGORITHMS: readonly LedgerHashAlgorithm[] = ['sha256', 'sm3'];

export const DEFAULT_LEDGER_HASH: LedgerHashAlgorithm = 'sha256';

/** Both supported algorithms produce 32-byte digests. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function isLedgerHashAlgorithm(alg: unknown): alg is LedgerHashAlgorithm {
  return alg === 'sha256' || alg === 'sm3';
}

/** RFC 9162 §2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)). */
export function leafHash(data: Uint8Array, alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH): Uint8Array {
  return createHash(alg).update(LEAF_PREFIX).update(data).digest();
}

/** RFC 9162 §2.1.1: HASH(0x01 || left || right) for an interior node. */
export function nodeHash(
  left: Uint8Array,
  right: Uint8Array,
  alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH,
): Uint8Array {
  return createHash(alg).update(NODE_PREFIX).update(left).update(right).digest();
}

/** RFC 9162 §2.1.1: the hash of an empty tree is the hash of the empty string. */
export function emptyRoot(alg: LedgerHashAlgorithm = DEFAULT_LEDGER_HASH): Uint8Array {
  return createHash(alg).digest();
}

/** Byte equality for public values (roots, proof nodes): no secrecy, so no constant-time need. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
