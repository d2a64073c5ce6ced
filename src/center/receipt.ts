import { NotFoundError } from '../core/index.js';
import { RECEIPT_TYPE, type Receipt, type ReceiptFile, type ReceiptStatement } from '../certificate/index.js';
import type { Center } from './center.js';
import { getRegistration, resolveVersion } from './queries.js';
import { fileProof, sortFiles } from './statement.js';
import { cosignedCheckpoint, partnerWitnessKey } from './witness.js';

export interface ReceiptRequest {
  readonly regno: string;
  /** Default: the head version. */
  readonly version?: number;
  /** Only this file, with its Merkle path (a per-file receipt); default all files. */
  readonly file?: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * The newest checkpoint partners cosigned that holds the leaf, with their
 * cosignatures and verifier keys; undefined when there is none yet.
 */
async function witnessedCheckpoint(
  center: Center,
  leafIndex: number,
): Promise<{ size: number; note: string; witnesses: string[] } | undefined> {
  const sizes = (await center.db.witness.latestCosignatures()).map((c) => c.logSize).filter((s) => s > leafIndex);
  if (sizes.length === 0) return undefined;
  const size = Math.max(...sizes);
  const stored = await center.db.ledger.checkpoint(size);
  if (stored === undefined) return undefined;
  const { note, cosignatures } = await cosignedCheckpoint(center, stored.note);
  const witnesses: string[] = [];
  for (const c of cosignatures) {
    const peer = await center.db.replicaTargets.get(c.witnessId);
    if (peer?.peerKey && peer.logKey) witnesses.push(partnerWitnessKey(peer));
  }
  return { size, note, witnesses };
}

/**
 * Assemble the receipt of a registration version: the statement and
 * timestamp kept at registration, an inclusion proof against the newest
 * checkpoint partner centers cosigned (with their cosignatures), or else a
 * freshly signed one, the public keys, and the file list (the database's — so a row
 * altered since registration makes the receipt fail to verify, as it should).
 */
export async function buildReceipt(center: Center, request: ReceiptRequest): Promise<Receipt> {
  const reg = await getRegistration(center, request.regno);
  const version = resolveVersion(reg, request.version);
  const evidence = await center.db.evidence.get(reg.regno, version);
  if (evidence === undefined) {
    throw new NotFoundError(
      {
        zh: `登记 ${reg.regno} 第 ${version} 版没有存证记录（登记于存证功能启用之前）`,
        en: `registration ${reg.regno} version ${version} has no evidence (registered before evidence was enabled)`,
      },
      { details: { regno: reg.regno, version } },
    );
  }
  const checkpoint = (await witnessedCheckpoint(center, evidence.leafIndex)) ?? {
    ...(await center.evidence.checkpoint(center.db)),
    witnesses: [],
  };
  const proof = await center.evidence.log(center.db).inclusionProof(evidence.leafIndex, checkpoint.size);
  const all = sortFiles(
    (await center.db.registrations.versionFiles(reg.regno, version)).map(({ path, size, sha256 }) => ({
      path,
      size,
      sha256,
    })),
  );
  let files: ReceiptFile[] = all;
  if (request.file !== undefined) {
    const one = all.find((f) => f.path === request.file);
    const path = fileProof(all, request.file, center.evidence.alg);
    if (one === undefined || path === undefined) {
      throw new NotFoundError(
        {
          zh: `登记 ${reg.regno} 第 ${version} 版中没有文件 ${request.file}`,
          en: `registration ${reg.regno} version ${version} has no file ${request.file}`,
        },
        { details: { regno: reg.regno, version, path: request.file } },
      );
    }
    files = [{ ...one, proof: { index: path.index, count: path.count, path: path.proof } }];
  }
  const keys = center.evidence.keys;
  return {
    type: RECEIPT_TYPE,
    statement: JSON.parse(evidence.statement) as ReceiptStatement,
    log: {
      alg: center.evidence.alg,
      leafIndex: evidence.leafIndex,
      treeSize: checkpoint.size,
      inclusionProof: proof.map(hex),
      checkpoint: checkpoint.note,
    },
    timestamp: { token: Buffer.from(evidence.timestampToken).toString('base64'), hashAlgorithm: 'sha256' },
    keys: {
      log: keys.log.verifierKey,
      ...center.evidence.tsaKeysFor(evidence.timestampToken, evidence.statement),
      ...(checkpoint.witnesses.length > 0 ? { witnesses: checkpoint.witnesses } : {}),
    },
    files,
    center: { name: center.config.centerName, url: center.config.publicUrl },
  };
}
