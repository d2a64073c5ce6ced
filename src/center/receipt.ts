import { NotFoundError } from '../core/index.js';
import { RECEIPT_TYPE, type Receipt, type ReceiptFile, type ReceiptStatement } from '../certificate/index.js';
import type { Center } from './center.js';
import { getRegistration, resolveVersion } from './queries.js';
import { fileProof, sortFiles } from './statement.js';

export interface ReceiptRequest {
  readonly regno: string;
  /** Default: the head version. */
  readonly version?: number;
  /** Only this file, with its Merkle path (a per-file receipt); default all files. */
  readonly file?: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * Assemble the receipt of a registration version: the statement and
 * timestamp kept at registration, an inclusion proof against a freshly signed
 * checkpoint, the public keys, and the file list (the database's — so a row
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
  const checkpoint = await center.evidence.checkpoint(center.db);
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
    keys: { log: keys.log.verifierKey, ...center.evidence.tsaKeysFor(evidence.timestampToken, evidence.statement) },
    files,
    center: { name: center.config.centerName, url: center.config.publicUrl },
  };
}
