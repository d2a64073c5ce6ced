import { rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { ChecksFailedError, InvalidInputError, NotFoundError, formatRegno, regnoSeries } from '../core/index.js';
import { failedItemIds, type CheckReport } from '../checks/index.js';
import { digestBuffer } from '../digest/index.js';
import { stageDeposit, type StagedDeposit } from '../packages/index.js';
import type { Center } from './center.js';
import { checkStaged, prepareSource, type DeclaredForm } from './check-deposit.js';
import { agentAccount, agentName, auditActor, recordAudit, type Agent } from './audit-log.js';
import { admitClassification } from './classification.js';
import { checkUnitLimits } from './deposit-access.js';
import { acquireObjectLease, holdLease, objectLeaseName, type ObjectLease } from './object-lease.js';
import { recordRegistration } from './record-registration.js';
import { settleIntent } from './recovery.js';
import { stagingPath } from './staging.js';
import {
  CHECK_REPORT_PATH,
  RECORD_FORMAT,
  RECORD_PATH,
  payloadPath,
  type RecordFile,
  type RegistrationRecord,
} from './registration-record.js';

export interface DepositRequest {
  /** A folder, .zip, .tar or .tar.gz (detected by content). */
  readonly source: string;
  /** Depositing unit's code; created on first use. Default "LOCAL". */
  readonly unit?: string;
  readonly unitName?: string;
  /** Title of the registration; default the source's file name. */
  readonly title?: string;
  /** Add a new version to this existing registration instead of creating one. */
  readonly to?: string;
  readonly message?: string;
  /** Who deposits (recorded in the OCFL version and the audit log). */
  readonly agent?: Agent;
  /** 密级 of the material, default open; see admitClassification. A new version keeps its registration's. */
  readonly classification?: string;
  /** What the unit declared on the registration form: package digest (algorithm named), counts. */
  readonly declared?: DeclaredForm;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DepositProgress) => void;
}

export interface DepositProgress {
  readonly phase: 'scan' | 'store';
  readonly bytes: number;
  readonly files: number;
  readonly totalBytes?: number;
  readonly totalFiles?: number;
}

export interface DepositResult {
  readonly regno: string;
  readonly version: number;
  readonly objectId: string;
  readonly created: string;
  readonly fileCount: number;
  readonly byteCount: number;
  /** Content actually written (deduplicated against earlier versions). */
  readonly storedFiles: number;
  readonly storedBytes: number;
  /** The four-properties check report of this deposit (passed, perhaps with warnings). */
  readonly checks: CheckReport;
}

const DEFAULT_UNIT = 'LOCAL';

/**
 * Deposit → staging → registration number → OCFL version → database rows,
 * all or nothing (DESIGN.md "Nothing half-done is visible").
 *
 * Crash safety: an intent row (pending_commits) is written before the store
 * commit and removed in the transaction that inserts the registration; if the
 * process dies in between, the next Center.open() finishes or discards the
 * commit (recovery.ts). The registration number is reserved first, so a
 * failed deposit leaves a recorded gap in the sequence, never a reused number.
 */
export async function deposit(center: Center, request: DepositRequest): Promise<DepositResult> {
  // Refused before anything is read: classified material must not even be staged here.
  if (request.to === undefined) admitClassification(center, request.classification, agentAccount(request.agent));
  return withStagedDeposit(center, request, async (staged, report) => {
    // Checked before a number is reserved: a returned deposit uses no registration number.
    if (report.blocked) throw new ChecksFailedError(failedItemIds(report), report);
    return register(center, request, staged, report);
  });
}

/**
 * The self-check (自检, `yinji deposit --check-only`): stage and check exactly
 * as a deposit would, register nothing, return the report — so a unit sees
 * every problem before it submits.
 */
export function selfCheck(center: Center, request: DepositRequest): Promise<CheckReport> {
  return withStagedDeposit(center, request, async (_staged, report) => report);
}

async function withStagedDeposit<T>(
  center: Center,
  request: DepositRequest,
  fn: (staged: StagedDeposit, report: CheckReport) => Promise<T>,
): Promise<T> {
  await requireSource(request.source);
  const stagingDir = stagingPath(center.config.stagingDir, 'deposit');
  try {
    const prepared = await prepareSource(request.source, stagingDir, request.signal);
    const staged = await stageDeposit(prepared.source, join(stagingDir, 'content'), {
      algorithms: center.config.digests,
      signal: request.signal,
      onProgress: (bytes, files, totalBytes) => request.onProgress?.({ phase: 'scan', bytes, files, totalBytes }),
    });
    const report = await checkStaged(center, {
      source: request.source,
      staged,
      declared: request.declared,
      eep: prepared.eep,
      signal: request.signal,
    });
    return await fn(staged, report);
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}

async function register(
  center: Center,
  request: DepositRequest,
  staged: StagedDeposit,
  report: CheckReport,
): Promise<DepositResult> {
  const { db, store, config, clock } = center;
  const unitCode = request.unit ?? DEFAULT_UNIT;
  let regno: string;
  let unit;
  let lease: ObjectLease;
  if (request.to !== undefined) {
    const existing = await db.registrations.getByRegno(request.to);
    if (existing === undefined) {
      throw new NotFoundError(
        { zh: `登记号 ${request.to} 不存在`, en: `registration ${request.to} does not exist` },
        { details: { regno: request.to } },
      );
    }
    unit = await db.units.getById(existing.unitId);
    if (request.unit !== undefined && unit?.code !== request.unit) {
      throw new InvalidInputError({
        zh: `登记 ${request.to} 属于单位 ${unit?.code ?? '?'}，不能以单位 ${request.unit} 追加版本`,
        en: `registration ${request.to} belongs to unit ${unit?.code ?? '?'}, not ${request.unit}`,
      });
    }
    regno = existing.regno;
    if (unit === undefined) throw new NotFoundError({ zh: '单位不存在', en: 'unit does not exist' });
    await checkUnitLimits(
      center,
      unit,
      staged.files.reduce((n, f) => n + f.size, 0),
    );
    lease = await acquireObjectLease(center, regno);
  } else {
    unit = await db.units.getOrCreateByCode({ code: unitCode, name: request.unitName ?? unitCode, type: '' });
    await checkUnitLimits(
      center,
      unit,
      staged.files.reduce((n, f) => n + f.size, 0),
    );
    ({ regno, lease } = await reserveNumber(center));
  }

  const signal = request.signal === undefined ? lease.signal : AbortSignal.any([request.signal, lease.signal]);
  try {
    // Read the head under the lock: another process may have added a version meanwhile.
    const current = request.to === undefined ? undefined : await db.registrations.getByRegno(regno);
    const version = (current?.headVersion ?? 0) + 1;
    const objectId = current?.objectId ?? objectIdFor(config.centerId, regno);
    const created = clock.now().toISOString();
    const files: RecordFile[] = staged.files.map((f) => ({
      path: f.path,
      size: f.size,
      mtime: f.mtime.toISOString(),
      digests: { ...f.digests, sha256: requireSha256(f.digests.sha256, f.path) },
    }));
    const record: RegistrationRecord = {
      format: RECORD_FORMAT,
      centerId: config.centerId,
      regno,
      objectId,
      version,
      unit: { code: unit.code, name: unit.name },
      title: current?.title ?? request.title ?? basename(request.source),
      classification: current?.classification ?? admitClassification(center, request.classification),
      created,
      message: request.message ?? (version === 1 ? '登记 registration' : '追加版本 new version'),
      sourceKind: staged.kind,
      fileCount: files.length,
      byteCount: files.reduce((n, f) => n + f.size, 0),
      files,
      dirs: staged.dirs,
    };
    const recordBytes = Buffer.from(JSON.stringify(record, null, 2) + '\n', 'utf8');
    const reportBytes = Buffer.from(JSON.stringify(report) + '\n', 'utf8'); // compact: it can list thousands of findings
    const move = staged.kind !== 'folder'; // staged archive contents are ours to move into the store

    if (version > 1) await db.pending.put({ regno, objectId, version, detail: { instance: center.instanceId } });
    let commit;
    let settled = false;
    try {
      commit = await store.commitVersion(
        objectId,
        {
          files: [
            ...staged.files.map((f, i) => ({
              logicalPath: payloadPath(f.path),
              digest: files[i]!.digests.sha256,
              size: f.size,
              source: { file: join(staged.root, f.fsPath), move }, // fsPath: the name on disk (may be NFD)
            })),
            {
              logicalPath: RECORD_PATH,
              digest: digestBuffer(recordBytes),
              size: recordBytes.length,
              source: () => Readable.from([recordBytes]),
            },
            {
              logicalPath: CHECK_REPORT_PATH,
              digest: digestBuffer(reportBytes),
              size: reportBytes.length,
              source: () => Readable.from([reportBytes]),
            },
          ],
          created: new Date(created),
          message: record.message,
          user: { name: agentName(request.agent, unit.name), address: `urn:yinji:unit:${unit.code}` },
        },
        {
          signal,
          onProgress: (bytes: number, filesDone: number) =>
            request.onProgress?.({
              phase: 'store',
              bytes,
              files: Math.min(filesDone, record.fileCount), // the registration record is not a deposited file
              totalBytes: record.byteCount,
              totalFiles: record.fileCount,
            }),
        },
      );
    } catch (e) {
      // With the lease lost, the object is someone else's to recover now: leave the intent to them.
      if (lease.signal.aborted) throw lease.signal.reason;
      // Settle now, as start-up recovery would; if even that fails, the intent stays for the next open.
      const outcome = await settleIntent(center, { regno, objectId, version }, (e as Error).message).catch(
        () => 'unsettled' as const,
      );
      if (outcome !== 'completed') throw e;
      // The commit had landed after all (it failed after its commit point): settling recorded the registration.
      commit = await store.versionStats(objectId, version);
      settled = true;
    }
    // Deposited content newly written; the registration record (always new) is not counted.
    const storedBytes = commit.newContentBytes - recordBytes.length - reportBytes.length;
    if (!settled) {
      try {
        await recordRegistration(db, center.evidence, record, {
          storedBytes,
          inventoryDigest: commit.inventoryDigest,
          checkReport: report,
        });
      } catch (e) {
        // The version is in the store; try once more the way recovery would, or leave the intent for the next open.
        if (
          (await settleIntent(center, { regno, objectId, version }, 'record failed').catch(() => 'unsettled')) !==
          'completed'
        ) {
          throw e;
        }
      }
    }
    await recordAudit(center, {
      // Without a named agent the depositing unit acts (its code, as in the registration events).
      ...(request.agent === undefined ? { actor: unit.code, role: 'unit' } : auditActor(request.agent)),
      action: 'deposit',
      target: regno,
      outcome: 'success',
      detail: { version, unit: unit.code, files: record.fileCount, bytes: record.byteCount },
    });
    return {
      regno,
      version,
      objectId,
      created,
      fileCount: record.fileCount,
      byteCount: record.byteCount,
      storedFiles: commit.newContentFiles - 2, // not the registration record and the check report
      checks: report,
      storedBytes,
    };
  } finally {
    // A failed release must not turn a registered deposit into a reported failure (the client would
    // deposit again): the lease simply runs out.
    await lease
      .release()
      .catch((e: unknown) => center.logger.warn({ err: e, regno }, 'could not release an object lease'));
  }
}

/**
 * A new registration number, its object's lease and its intent row, in one
 * transaction: a process that dies at any point leaves either nothing or an
 * intent that recovery settles (recording the number as a failed deposit) —
 * never a number silently skipped.
 */
async function reserveNumber(center: Center): Promise<{ regno: string; lease: ObjectLease }> {
  const { config, clock } = center;
  const parts = { center: config.centerId, year: clock.now().getUTCFullYear() };
  const { regno, taken } = await center.db.transaction(async (tx) => {
    const seq = await tx.sequences.next(regnoSeries(config.regnoPattern, parts));
    const regno = formatRegno(config.regnoPattern, { ...parts, seq });
    const taken = await tx.leases.acquire(objectLeaseName(regno), center.instanceId, center.leaseMs);
    if (taken === undefined) throw new Error(`internal: the new number ${regno} is already leased`);
    const objectId = objectIdFor(config.centerId, regno);
    await tx.pending.put({ regno, objectId, version: 1, detail: { instance: center.instanceId } });
    return { regno, taken };
  });
  return { regno, lease: holdLease(center, taken, regno) };
}

/** OCFL object id of a registration: a URN naming center and regno (stable, globally unique). */
export function objectIdFor(centerId: string, regno: string): string {
  return `urn:yinji:${centerId}:${regno}`;
}

async function requireSource(source: string): Promise<void> {
  try {
    await stat(source);
  } catch {
    throw new NotFoundError(
      { zh: `找不到要登记的路径 ${source}`, en: `nothing to deposit at ${source}` },
      { details: { source } },
    );
  }
}

function requireSha256(value: string | undefined, path: string): string {
  if (value === undefined) throw new Error(`internal: no sha256 computed for ${path}`);
  return value;
}
