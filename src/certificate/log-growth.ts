import { verifyCheckpoint, verifyConsistency, type LedgerHashAlgorithm } from '../ledger/index.js';
import type { Check } from './receipt-verify.js';

export interface LogGrowthInput {
  /** The checkpoint a receipt was issued with (trusted: its signature was checked with the receipt). */
  readonly oldCheckpoint: string;
  /** The log's current checkpoint, as a center serves it (untrusted). */
  readonly newCheckpoint: string;
  /** Consistency proof from the old size to the new size, hex (untrusted). */
  readonly proof: readonly string[];
  /** The log key to hold both checkpoints to (the receipt's, or a pinned one). */
  readonly logKey: string;
  readonly alg: LedgerHashAlgorithm;
}

/**
 * Has the log only grown since the receipt was issued? (RFC 9162 §2.1.4.2)
 * A center that rewrote history (a fork) cannot produce a consistency proof
 * between its old signed checkpoint and its new one; a truncated log is
 * smaller than a checkpoint it already signed. Never throws.
 */
export function verifyLogGrowth(input: LogGrowthInput): Check {
  const fail = (zh: string, en: string): Check => ({ id: 'consistency', ok: false, message: { zh, en } });
  let oldCp;
  let newCp;
  try {
    oldCp = verifyCheckpoint(input.oldCheckpoint, input.logKey);
  } catch (e) {
    return fail(
      `回执中的检查点无效：${(e as Error).message}`,
      `the receipt's checkpoint is invalid: ${(e as Error).message}`,
    );
  }
  try {
    newCp = verifyCheckpoint(input.newCheckpoint, input.logKey, { origin: oldCp.origin });
  } catch (e) {
    return fail(
      `中心当前的检查点签名无效：${(e as Error).message}`,
      `the center's current checkpoint is invalid: ${(e as Error).message}`,
    );
  }
  if (newCp.size < oldCp.size) {
    return fail(
      `日志被截短：中心曾签署 ${oldCp.size} 条，现在只有 ${newCp.size} 条`,
      `the log was truncated: the center signed ${oldCp.size} entries, it now has ${newCp.size}`,
    );
  }
  const ok = verifyConsistency({
    size1: oldCp.size,
    size2: newCp.size,
    proof: input.proof.map((h) => new Uint8Array(Buffer.from(h, 'hex'))),
    root1: oldCp.root,
    root2: newCp.root,
    alg: input.alg,
  });
  return ok
    ? {
        id: 'consistency',
        ok: true,
        message: {
          zh: `日志自回执签发后只增未改（${oldCp.size} → ${newCp.size} 条，一致性证明有效）`,
          en: `the log only grew since the receipt (${oldCp.size} → ${newCp.size}, consistency proof valid)`,
        },
      }
    : fail(
        `日志历史被改写（分叉）：无法证明 ${newCp.size} 条的日志包含签发回执时的 ${oldCp.size} 条`,
        `the log's history was rewritten (fork): size ${newCp.size} is not consistent with the receipt's size ${oldCp.size}`,
      );
}
