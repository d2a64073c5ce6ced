import type { Database, Repositories } from '../db/index.js';
import type { CheckReport } from '../checks/index.js';
import type { Evidencer } from './evidence.js';
import { enqueueCatalog } from './catalog-deposit.js';
import { enqueueFixity } from './jobs.js';
import { enqueueReplication } from './replication.js';
import type { RegistrationRecord } from './registration-record.js';

export interface CommitFacts {
  readonly storedBytes: number;
  readonly inventoryDigest: string;
  /** The version's check report (checks/run.ts CheckReport), kept in the database for queries too. */
  readonly checkReport?: CheckReport;
}

/**
 * Insert the database rows of a registration version whose store commit has
 * landed, append its statement to the log, queue its fixity check and clear
 * its intent row, in one transaction. The single path used
 * both by a deposit and by recovery after a crash, so both leave the same rows.
 */
export async function recordRegistration(
  db: Database,
  evidence: Evidencer,
  record: RegistrationRecord,
  facts: CommitFacts,
): Promise<void> {
  const prepared = await evidence.prepare(db, record, facts.inventoryDigest);
  await db.transaction(async (tx) => {
    // Already recorded (a deposit that lost its lease after the commit point, and recovery, both got
    // here): the same version with the same inventory is done, not a conflict.
    const existing = await tx.registrations.getByRegno(record.regno);
    if (existing !== undefined && existing.headVersion >= record.version) {
      const same = (await tx.registrations.versions(record.regno)).find((v) => v.version === record.version);
      if (same?.inventoryDigest === facts.inventoryDigest) {
        await tx.pending.remove(record.regno);
        return;
      }
    }
    await insertVersionRows(tx, record, facts);
    const leafIndex = await evidence.append(tx, prepared);
    await tx.events.append({
      regno: record.regno,
      type: record.version === 1 ? 'deposit' : 'version',
      agent: record.unit.code,
      outcome: 'success',
      detail: {
        version: record.version,
        files: record.fileCount,
        bytes: record.byteCount,
        storedBytes: facts.storedBytes,
        leafIndex,
      },
    });
    await enqueueFixity(tx, { regno: record.regno, objectId: record.objectId, version: record.version });
    await enqueueReplication(tx, { regno: record.regno, version: record.version, unitCode: record.unit.code });
    await enqueueCatalog(tx, { regno: record.regno, version: record.version });
    await tx.pending.remove(record.regno);
  });
}

/**
 * The rows of one registration version (and of the registration, for the
 * first): as a deposit or recovery writes them, and as a center rebuilt from
 * its partners writes them back (rebuild.ts) — one place, so both agree.
 */
export async function insertVersionRows(
  tx: Repositories,
  record: RegistrationRecord,
  facts: CommitFacts,
): Promise<void> {
  const version = {
    files: record.files.map((f) => ({ path: f.path, size: f.size, sha256: f.digests.sha256, mtime: f.mtime })),
    newContentBytes: facts.storedBytes,
    inventoryDigest: facts.inventoryDigest,
    message: record.message,
    sourceKind: record.sourceKind,
    createdAt: record.created, // the time sealed in the object, also when recovery writes the rows later
  };
  if (record.version === 1) {
    const unit = await tx.units.getOrCreateByCode({ code: record.unit.code, name: record.unit.name, type: '' });
    await tx.registrations.insert({
      regno: record.regno,
      unitId: unit.id,
      title: record.title,
      classification: record.classification ?? 'open',
      objectId: record.objectId,
      createdAt: record.created,
      firstVersion: version,
    });
  } else {
    await tx.registrations.addVersion(record.regno, record.version, version);
  }
  if (facts.checkReport !== undefined) {
    const r = facts.checkReport;
    await tx.checkReports.put({
      regno: record.regno,
      version: record.version,
      stage: r.stage,
      blocked: r.blocked,
      failCount: r.summary.fail,
      warnCount: r.summary.warn,
      report: r as unknown as Record<string, unknown>,
    });
  }
}
