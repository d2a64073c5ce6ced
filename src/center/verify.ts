import { canonicalJson } from '../core/index.js';
import { digestStream } from '../digest/index.js';
import { verifyReceipt, type Check, type HeldFile, type Receipt, type VerifyReport } from '../certificate/index.js';
import { leafHash } from '../ledger/index.js';
import type { Center } from './center.js';
import { getRegistration, resolveVersion } from './queries.js';
import { buildReceipt } from './receipt.js';
import { payloadPath } from './registration-record.js';

/**
 * The center checking its own holding of a registration version (巡检 of one
 * registration): build the receipt from the database and the log, then verify
 * it as an outsider would, against the preserved bytes re-read from the store.
 * Catches an altered stored byte (file check), an altered database row
 * (file-list check against the logged root), an altered statement or log
 * (inclusion, timestamp and log-entry checks).
 */
export async function verifyRegistration(center: Center, regno: string, version?: number): Promise<VerifyReport> {
  const reg = await getRegistration(center, regno);
  const v = resolveVersion(reg, version);
  const receipt = await buildReceipt(center, { regno: reg.regno, version: v });
  const reader = await center.store.openVersion(reg.objectId, v);
  const held: HeldFile[] = [];
  for (const f of receipt.files) {
    const stream = await reader.open(payloadPath(f.path)).catch(() => undefined);
    if (stream === undefined) continue; // reported below as missing
    const { size, digests } = await digestStream(stream, ['sha256']);
    held.push({ path: f.path, size, sha256: digests.sha256! });
  }
  // The center's own keys are the trusted ones here.
  const report = verifyReceipt(receipt, { files: held, ...centerTrust(center, receipt) });
  const extra: Check[] = [];
  for (const f of receipt.files) {
    if (!held.some((h) => h.path === f.path)) {
      extra.push({
        id: 'file',
        ok: false,
        subject: f.path,
        message: { zh: `保存库中缺少文件 ${f.path}`, en: `${f.path} is missing from the store` },
      });
    }
  }
  // The log entry itself must still be the statement (a receipt only proves the statement against node hashes).
  const leaf = await center.db.ledger.getLeaf(receipt.log.leafIndex);
  const statementText = canonicalJson(receipt.statement);
  const entryOk =
    leaf !== undefined &&
    Buffer.from(leaf.data).toString('utf8') === statementText &&
    Buffer.from(leaf.hash).equals(Buffer.from(leafHash(leaf.data, center.evidence.alg)));
  extra.push({
    id: 'log-entry',
    ok: entryOk,
    message: entryOk
      ? {
          zh: `日志第 ${receipt.log.leafIndex} 条与登记声明一致`,
          en: `log entry ${receipt.log.leafIndex} is the statement`,
        }
      : { zh: `日志第 ${receipt.log.leafIndex} 条被改动`, en: `log entry ${receipt.log.leafIndex} was altered` },
  });
  const checks = [...report.checks, ...extra];
  return { ...report, ok: checks.every((c) => c.ok), checks };
}

/** Pin the center's own log key and the TSA root its evidence is verified with. */
export function centerTrust(center: Center, receipt: Receipt): { trustedLogKey: string; trustedTsaCa: string } {
  return { trustedLogKey: center.evidence.keys.log.verifierKey, trustedTsaCa: receipt.keys.tsaCa };
}
