import { resolve } from 'node:path';
import { writeBag } from '../packages/index.js';
import type { Center } from './center.js';
import { agentName, auditActor, recordAudit, type Agent } from './audit-log.js';
import { getRegistration, readRecord, resolveVersion } from './queries.js';
import { payloadPath } from './registration-record.js';

export interface ExportRequest {
  readonly regno: string;
  readonly version?: number;
  /** A directory (must not exist) or a path ending in .zip. */
  readonly dest: string;
  /** Who asks (the audit log's actor). */
  readonly agent?: Agent;
  readonly signal?: AbortSignal;
}

export interface ExportResult {
  readonly regno: string;
  readonly version: number;
  readonly dest: string;
  readonly fileCount: number;
  readonly byteCount: number;
}

/**
 * Export a registration version as a BagIt 1.0 bag (RFC 8493) that any
 * BagIt tool validates: payload = the deposited tree, SHA-256 and SHA-512
 * manifests, bag-info.txt naming the center, unit and registration.
 */
export async function exportBag(center: Center, request: ExportRequest): Promise<ExportResult> {
  const reg = await getRegistration(center, request.regno);
  const version = resolveVersion(reg, request.version);
  const record = await readRecord(center, reg, version);
  const dest = resolve(request.dest);
  const reader = await center.store.openVersion(reg.objectId, version);
  await writeBag(
    record.files.map((f) => ({
      path: f.path,
      size: f.size,
      mtime: new Date(f.mtime),
      digests: f.digests,
      source: () => reader.open(payloadPath(f.path), { signal: request.signal }),
    })),
    dest,
    {
      algorithms: ['sha256', 'sha512'],
      signal: request.signal,
      bagInfo: {
        'Source-Organization': record.unit.name,
        'Organization-Address': center.config.centerName,
        'External-Identifier': record.regno,
        'Internal-Sender-Identifier': record.objectId,
        'External-Description': record.title,
        'Bag-Group-Identifier': record.regno,
        'Yinji-Version': String(version),
        'Yinji-Registered': record.created,
      },
    },
  );
  await center.db.events.append({
    regno: reg.regno,
    type: 'export',
    agent: agentName(request.agent, 'cli'),
    outcome: 'success',
    detail: { version, dest, format: 'bagit-1.0' },
  });
  await recordAudit(center, {
    ...auditActor(request.agent),
    action: 'export',
    target: reg.regno,
    outcome: 'success',
    detail: { version, dest, format: 'bagit-1.0' },
  });
  return { regno: reg.regno, version, dest, fileCount: record.fileCount, byteCount: record.byteCount };
}
