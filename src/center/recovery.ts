import { text } from 'node:stream/consumers';
import { BusyError, StorageError } from '../core/index.js';
import type { PendingCommit } from '../db/index.js';
import type { OcflStore } from '../store/index.js';
import type { Evidencer } from './evidence.js';
import { acquireObjectLease, type LeaseHolder } from './object-lease.js';
import { recordRegistration } from './record-registration.js';
import type { CheckReport } from '../checks/index.js';
import { CHECK_REPORT_PATH, RECORD_PATH, parseRecord } from './registration-record.js';

export interface RecoveryResult {
  /** Registrations whose store commit had landed: their rows were written now. */
  readonly completed: readonly string[];
  /** Deposits that died before their store commit: discarded, number left as a recorded gap. */
  readonly discarded: readonly string[];
  /** Intents owned by a live process, or that could not be settled now: left for later. */
  readonly skipped: readonly string[];
}

interface RecoveryContext extends LeaseHolder {
  readonly store: OcflStore;
  readonly evidence: Evidencer;
}

/**
 * Finish or discard every deposit a crash interrupted (DESIGN.md "Nothing
 * half-done is visible"): each intent row whose writer is gone — its process
 * dead, or its object lease expired because its instance died — is settled.
 * Run at every open and, by a server, periodically, so one instance finishes
 * what another one left when it died.
 */
export async function recoverPendingCommits(ctx: RecoveryContext): Promise<RecoveryResult> {
  const completed: string[] = [];
  const discarded: string[] = [];
  const skipped: string[] = [];
  for (const listed of await ctx.db.pending.list()) {
    let lock;
    try {
      lock = await acquireObjectLease(ctx, listed.regno);
    } catch (e) {
      if (!(e instanceof BusyError)) throw e;
      skipped.push(listed.regno); // its writer is alive and still working
      continue;
    }
    try {
      // Read again under the lock: its owner may have finished (or discarded) it since the list was read.
      const intent = (await ctx.db.pending.list()).find(
        (p) => p.regno === listed.regno && p.version === listed.version,
      );
      if (intent === undefined) continue;
      const outcome = await settleIntent(ctx, intent, 'interrupted');
      (outcome === 'completed' ? completed : discarded).push(intent.regno);
      ctx.logger.warn({ regno: intent.regno, version: intent.version, outcome }, 'recovered an interrupted deposit');
    } catch (e) {
      // One intent that cannot be settled now must not keep the center from opening: it stays for next time.
      skipped.push(listed.regno);
      ctx.logger.error(
        { err: e, regno: listed.regno },
        'could not recover an interrupted deposit; will retry at the next start',
      );
    } finally {
      await lock.release();
    }
  }
  return { completed, discarded, skipped };
}

/**
 * Settle one intent; the caller holds the object's lock.
 *  1. The store repairs the object: a complete version is rolled forward, a
 *     partial one deleted (store/ocfl recover).
 *  2. If the object now holds the intended version, its
 *     metadata/registration.json says everything the rows need: insert them.
 *  3. Otherwise the deposit never committed: drop the intent and record the
 *     gap in the registration numbers as a `deposit-failed` event.
 * Used at start-up and by a deposit whose commit failed, so both end the same way.
 */
export async function settleIntent(
  { db, store, evidence }: Pick<RecoveryContext, 'db' | 'store' | 'evidence'>,
  intent: Pick<PendingCommit, 'regno' | 'objectId' | 'version'>,
  reason: string,
): Promise<'completed' | 'discarded'> {
  await store.recover(intent.objectId);
  const head = await store.headVersion(intent.objectId);
  if (head !== undefined && head >= intent.version) {
    const recordText = await text(await store.openFile(intent.objectId, RECORD_PATH, intent.version));
    const record = parseRecord(recordText);
    if (record.regno !== intent.regno || record.version !== intent.version) {
      throw new StorageError('E_STORAGE_CORRUPT', {
        zh: `对象 ${intent.objectId} 第 ${intent.version} 版的登记记录属于 ${record.regno} 第 ${record.version} 版`,
        en: `object ${intent.objectId} v${intent.version} holds the record of ${record.regno} v${record.version}`,
      });
    }
    const stats = await store.versionStats(intent.objectId, intent.version);
    // Versions written before check reports existed have none.
    const reportText = await store
      .openFile(intent.objectId, CHECK_REPORT_PATH, intent.version)
      .then((stream) => text(stream))
      .catch(() => undefined);
    await recordRegistration(db, evidence, record, {
      // as a deposit counts it: deposited content only, not the record and the report
      storedBytes: stats.newContentBytes - Buffer.byteLength(recordText) - Buffer.byteLength(reportText ?? ''),
      inventoryDigest: stats.inventoryDigest,
      ...(reportText !== undefined ? { checkReport: JSON.parse(reportText) as CheckReport } : {}),
    });
    return 'completed';
  }
  await db.transaction(async (tx) => {
    await tx.events.append({
      ...(intent.version > 1 ? { regno: intent.regno } : {}), // a new number has no registration row to point at
      type: 'deposit-failed',
      agent: 'system',
      outcome: 'failure',
      detail: { regno: intent.regno, version: intent.version, reason },
    });
    await tx.pending.remove(intent.regno);
  });
  return 'discarded';
}
