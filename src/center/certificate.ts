import { createHash } from 'node:crypto';
import { canonicalJson, StorageError } from '../core/index.js';
import { renderCertificate, type CertificateData } from '../certificate/index.js';
import { verifyTimestamp } from '../timestamp/index.js';
import type { Center } from './center.js';
import { auditActor, recordAudit, type Agent } from './audit-log.js';
import { buildReceipt } from './receipt.js';

/**
 * The archive registration certificate (档案登记证明) of a registration
 * version, as PDF: everything printed comes from the evidence (statement,
 * checked timestamp, log position), and the QR code links to the center's
 * verification page for this registration and its file-tree root.
 */
export async function renderRegistrationCertificate(
  center: Center,
  request: { regno: string; version?: number; agent?: Agent },
): Promise<{ pdf: Uint8Array; regno: string; version: number }> {
  const receipt = await buildReceipt(center, request);
  const { statement } = receipt;
  const token = verifyTimestamp(Buffer.from(receipt.timestamp.token, 'base64'), {
    hash: createHash('sha256').update(canonicalJson(statement)).digest(),
    hashAlgorithm: 'sha256',
    trustedCaPem: receipt.keys.tsaCa,
    untrustedPem: receipt.keys.tsaCert,
  });
  if (!token.ok) {
    // A certificate must never print evidence that does not hold.
    throw new StorageError('E_STORAGE_CORRUPT', {
      zh: `登记 ${statement.regno} 的时间戳无法核验，不能出具证明：${token.reason.zh}`,
      en: `the timestamp of ${statement.regno} does not verify; no certificate issued: ${token.reason.en}`,
    });
  }
  const verifyUrl = new URL(
    'verify',
    center.config.publicUrl.endsWith('/') ? center.config.publicUrl : `${center.config.publicUrl}/`,
  );
  verifyUrl.searchParams.set('regno', statement.regno);
  verifyUrl.searchParams.set('v', String(statement.version));
  verifyUrl.searchParams.set('root', statement.files.root);
  const data: CertificateData = {
    centerName: center.config.centerName,
    regno: statement.regno,
    unitName: statement.unit.name,
    unitCode: statement.unit.code,
    title: statement.title,
    version: statement.version,
    // Items (件) are counted from catalogs in a later issue; until then each file is one item.
    itemCount: statement.files.count,
    fileCount: statement.files.count,
    byteCount: statement.files.bytes,
    digestAlgorithm: statement.files.alg === 'sm3' ? 'SM3' : 'SHA-256',
    rootDigest: statement.files.root,
    registeredAt: new Date(statement.time),
    timestampTime: token.genTime,
    timestampAuthority: token.tsaName.replace(/^CN=/, ''),
    logIndex: receipt.log.leafIndex,
    treeSize: receipt.log.treeSize,
    verifyUrl: verifyUrl.toString(),
    issuedAt: center.clock.now(),
  };
  const pdf = await renderCertificate(data);
  await recordAudit(center, {
    ...auditActor(request.agent),
    action: 'certificate',
    target: statement.regno,
    outcome: 'success',
    detail: { version: statement.version, logIndex: receipt.log.leafIndex },
  });
  return { pdf, regno: statement.regno, version: statement.version };
}
