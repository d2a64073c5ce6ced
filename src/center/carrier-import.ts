/**
 * Offline carriers (脱机备份), import side: verify a carrier written by
 * carrier-export.ts and restore from it the registrations whose objects are
 * missing or damaged in the preservation store.
 *
 * Trust: everything on the carrier is untrusted until checked. The chain is
 * carrier.sig (the center's log key, or a key given with --trust-key) →
 * carrier.json → each bag's tagmanifest-sha256.txt → manifest-sha256.txt →
 * every payload file (the BagIt validator); then, independently of the
 * carrier's own signature, each OCFL inventory against the digest this
 * center's database recorded when the version was registered, and content
 * against the inventory as it is written. A bag that fails any check is
 * reported and nothing of it is written; the store is only written for
 * objects that are missing or fail their own validation.
 */
import { registerForeignEntry } from './carrier-register.js';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { validateObject } from '../store/index.js';
import type { Center } from './center.js';
import { agentName, auditActor, recordAudit, type Agent } from './audit-log.js';
import {
  CARRIER_MANIFEST,
  CARRIER_SIGNATURE,
  CarrierInvalidError,
  itemProblem,
  openCarrier,
  type CarrierManifest,
  type CarrierProgress,
  type OfflineCarrierType,
} from './carrier-manifest.js';
import { writeObject } from './carrier-restore-object.js';
import {
  finding,
  storedState,
  verifyEntry,
  type CarrierImportItem,
  type CarrierItemStatus,
  type StoredState,
  type Verified,
} from './carrier-verify.js';
import { acquireObjectLease } from './object-lease.js';

export interface CarrierImportRequest {
  /** The carrier directory (a mounted disc, a tape restored to disk, a portable disk). */
  readonly from: string;
  /** Verifier keys trusted besides this center's own log key (a carrier another center wrote). */
  readonly trustKeys?: readonly string[];
  /** Verify only: report what would be restored and write nothing. */
  readonly verifyOnly?: boolean;
  /** Register what this center does not know as new registrations (carrier-register.ts). */
  readonly register?: boolean;
  /** With `register`: for this unit, instead of the one each original record names. */
  readonly unit?: string;
  readonly agent?: Agent;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: CarrierProgress) => void;
}

export interface CarrierImportResult {
  readonly dir: string;
  readonly serial: string;
  readonly type: OfflineCarrierType;
  readonly centerId: string;
  readonly createdAt: string;
  readonly verifyOnly: boolean;
  readonly items: readonly CarrierImportItem[];
  readonly counts: Readonly<Record<CarrierItemStatus, number>>;
  /** No item invalid, mismatched or failed ('unknown' items are not a failure). */
  readonly complete: boolean;
}

async function readCarrierFile(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, name));
  } catch (e) {
    throw new CarrierInvalidError(
      'missing-file',
      {
        zh: `${dir} 中没有 ${name}：不是载体，或载体写入未完成`,
        en: `${dir} has no ${name}: not a carrier, or an unfinished one`,
      },
      { cause: e, details: { dir, file: name } },
    );
  }
}

/**
 * Verify a carrier and restore from it. The carrier as a whole must verify
 * (CarrierInvalidError otherwise, nothing written); then one result per
 * entry, in the manifest's order. Verification of every bag comes first, so
 * the report of what is wrong with the carrier is complete before the store
 * is touched.
 */
export async function importCarrier(center: Center, request: CarrierImportRequest): Promise<CarrierImportResult> {
  const { signal } = request;
  const dir = resolve(request.from);
  let manifest: CarrierManifest;
  try {
    const signature = await readCarrierFile(dir, CARRIER_SIGNATURE);
    const bytes = await readCarrierFile(dir, CARRIER_MANIFEST);
    manifest = openCarrier(bytes, signature, [center.evidence.keys.log.verifierKey, ...(request.trustKeys ?? [])]);
  } catch (e) {
    if (e instanceof CarrierInvalidError) {
      await recordAudit(center, {
        ...auditActor(request.agent),
        action: 'carrier-import',
        target: 'carrier:unverified',
        outcome: 'failure',
        detail: { dir, reason: e.reason, message: e.message },
      });
    }
    throw e;
  }

  // Pass 1: verify every entry; the store is not written.
  const totalBytes = manifest.entries.reduce((n, e) => n + e.payloadBytes, 0);
  const totalFiles = manifest.entries.reduce((n, e) => n + e.payloadFiles, 0);
  const done = { bytes: 0, files: 0 };
  const results: (CarrierImportItem | { verified: Verified; state: StoredState })[] = [];
  for (const entry of manifest.entries) {
    signal?.throwIfAborted();
    const before = { ...done };
    const onBytes = (bytes: number, files: number): void => {
      request.onProgress?.({
        phase: 'verify',
        bytes: before.bytes + bytes,
        files: before.files + files,
        totalBytes,
        totalFiles,
      });
    };
    try {
      const v = await verifyEntry(center, dir, entry, { signal, onBytes });
      results.push('status' in v ? v : { verified: v, state: await storedState(center, v, signal) });
    } catch (e) {
      signal?.throwIfAborted();
      const p = itemProblem(entry.regno, e);
      results.push({
        regno: entry.regno,
        headVersion: entry.headVersion,
        status: 'invalid',
        problems: [{ code: p.code, message: p.message }],
      });
    }
    done.bytes = before.bytes + entry.payloadBytes;
    done.files = before.files + entry.payloadFiles;
  }

  // Pass 2: restore what is missing or damaged.
  const toWrite = results.filter(
    (r): r is { verified: Verified; state: StoredState } => 'verified' in r && r.state !== 'intact',
  );
  const restoreTotal = toWrite.reduce((n, r) => n + r.verified.entry.payloadBytes, 0);
  const written = { bytes: 0, files: 0 };
  const agent = agentName(request.agent, 'cli');
  const items: CarrierImportItem[] = [];
  for (const r of results) {
    if (!('verified' in r)) {
      const entry = manifest.entries.find((e) => e.regno === r.regno);
      if (r.status === 'unknown' && request.register === true && request.verifyOnly !== true && entry !== undefined) {
        items.push(
          await registerForeignEntry(center, dir, manifest, entry, {
            ...(request.unit !== undefined ? { unit: request.unit } : {}),
            ...(request.agent !== undefined ? { agent: request.agent } : {}),
            ...(signal ? { signal } : {}),
          }).catch((e: unknown): CarrierImportItem => {
            signal?.throwIfAborted();
            const p = itemProblem(r.regno, e);
            return { ...r, status: 'failed', problems: [{ code: p.code, message: p.message }] };
          }),
        );
        continue;
      }
      items.push(r);
      continue;
    }
    const { verified: v, state } = r;
    const base = {
      regno: v.entry.regno,
      headVersion: v.entry.headVersion,
      storeState: state,
      ...(v.outdated ? { outdated: true } : {}),
    };
    if (state === 'intact' || request.verifyOnly) {
      items.push({ ...base, status: state === 'intact' ? 'intact' : 'restorable' });
      continue;
    }
    signal?.throwIfAborted();
    let item: CarrierImportItem;
    try {
      const lease = await acquireObjectLease(center, v.reg.regno);
      try {
        const s = signal ? AbortSignal.any([signal, lease.signal]) : lease.signal;
        const w = await writeObject(center, v, s, (n) => {
          written.bytes += n;
          written.files++;
          request.onProgress?.({ phase: 'restore', ...written, totalBytes: restoreTotal, totalFiles: 0 });
        });
        const check = await validateObject(center.storage, center.store.objectRoot(v.reg.objectId), {
          fixity: true,
          signal: s,
        });
        item = check.valid
          ? { ...base, status: 'restored', filesWritten: w.files, bytesWritten: w.bytes }
          : {
              ...base,
              status: 'failed',
              filesWritten: w.files,
              bytesWritten: w.bytes,
              problems: check.errors.map((e) => finding(e.code, `OCFL：${e.message}`, `OCFL: ${e.message}`, e.path)),
            };
      } finally {
        await lease.release();
      }
    } catch (e) {
      signal?.throwIfAborted();
      const p = itemProblem(v.reg.regno, e);
      item = { ...base, status: 'failed', problems: [{ code: p.code, message: p.message }] };
    }
    items.push(item);
    await center.db.events.append({
      regno: v.reg.regno,
      type: 'carrier-restore',
      agent,
      outcome: item.status === 'restored' ? 'success' : 'failure',
      detail: {
        serial: manifest.serial,
        dir,
        storeState: state,
        headVersion: v.entry.headVersion,
        ...(v.outdated ? { outdated: true } : {}),
        files: item.filesWritten ?? 0,
        bytes: item.bytesWritten ?? 0,
        ...(item.problems ? { problems: item.problems.slice(0, 20).map((p) => `${p.code} ${p.path ?? ''}`) } : {}),
      },
    });
  }

  const counts = {
    restored: 0,
    intact: 0,
    restorable: 0,
    invalid: 0,
    mismatch: 0,
    unknown: 0,
    registered: 0,
    failed: 0,
  };
  for (const i of items) counts[i.status]++;
  const complete = counts.invalid + counts.mismatch + counts.failed === 0;
  await recordAudit(center, {
    ...auditActor(request.agent),
    action: 'carrier-import',
    target: `carrier:${manifest.serial}`,
    outcome: complete ? 'success' : 'failure',
    detail: {
      dir,
      verifyOnly: request.verifyOnly === true,
      centerId: manifest.centerId,
      counts,
      items: items.map((i) => ({
        regno: i.regno,
        status: i.status,
        ...(i.registeredAs ? { registeredAs: i.registeredAs } : {}),
      })),
    },
  });
  return {
    dir,
    serial: manifest.serial,
    type: manifest.type,
    centerId: manifest.centerId,
    createdAt: manifest.createdAt,
    verifyOnly: request.verifyOnly === true,
    items,
    counts,
    complete,
  };
}
