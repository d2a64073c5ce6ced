import { STATEMENT_TYPE, type ReceiptStatement } from '../certificate/index.js';
import { canonicalJson } from '../core/index.js';
import { inclusionProofOf, leafHash, rootOf, type LedgerHashAlgorithm } from '../ledger/index.js';
import type { RegistrationRecord } from './registration-record.js';

/**
 * The registration statement: what one log leaf says about one registration
 * version (issue 3 §1). Its canonical JSON (RFC 8785) is the leaf data, its
 * SHA-256 is what the trusted timestamp covers, and `files.root` is the
 * Merkle root (RFC 9162 hashing) over one leaf per file, so a single file can
 * later be proven part of the registration with a short path. Its shape is
 * the receipt format's (certificate/receipt.ts), which publishes it.
 */
export type RegistrationStatement = ReceiptStatement;

/** A file as the statement's tree sees it. */
export interface StatementFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** Leaf data of one file: the canonical JSON of {path, sha256, size} — binds the name, not just the bytes. */
export function fileLeafData(file: StatementFile): Uint8Array {
  return Buffer.from(canonicalJson({ path: file.path, sha256: file.sha256, size: file.size }), 'utf8');
}

/** Files in the tree's order: by path, UTF-16 code units (the same order everywhere, no locale). */
export function sortFiles<T extends StatementFile>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function filesRoot(files: readonly StatementFile[], alg: LedgerHashAlgorithm): string {
  return Buffer.from(
    rootOf(
      sortFiles(files).map((f) => leafHash(fileLeafData(f), alg)),
      alg,
    ),
  ).toString('hex');
}

/** Merkle path proving `path` is in the tree (index in path order, audit path as hex). */
export function fileProof(
  files: readonly StatementFile[],
  path: string,
  alg: LedgerHashAlgorithm,
): { index: number; count: number; proof: string[] } | undefined {
  const sorted = sortFiles(files);
  const index = sorted.findIndex((f) => f.path === path);
  if (index < 0) return undefined;
  const leaves = sorted.map((f) => leafHash(fileLeafData(f), alg));
  return {
    index,
    count: sorted.length,
    proof: inclusionProofOf(leaves, index, alg).map((h) => Buffer.from(h).toString('hex')),
  };
}

export function buildStatement(
  record: RegistrationRecord,
  inventoryDigest: string,
  alg: LedgerHashAlgorithm,
): RegistrationStatement {
  const files = record.files.map((f) => ({ path: f.path, size: f.size, sha256: f.digests.sha256 }));
  return {
    type: STATEMENT_TYPE,
    center: record.centerId,
    regno: record.regno,
    version: record.version,
    unit: { code: record.unit.code, name: record.unit.name },
    title: record.title,
    time: record.created,
    object: record.objectId,
    inventory: `sha256:${inventoryDigest}`,
    files: { count: record.fileCount, bytes: record.byteCount, alg, root: filesRoot(files, alg) },
  };
}
