import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConflictError, DigestMismatchError, isYinjiError, wrapWriteError } from '../core/index.js';
import { DigestingStream, digestBuffer } from '../digest/index.js';
import type { VersionReader } from '../store/index.js';
import type { Center } from './center.js';
import { agentName, auditActor, recordAudit, type Agent } from './audit-log.js';
import { getRegistration, readRecord, resolveVersion } from './queries.js';
import { repairLocal } from './repair.js';
import { payloadPath, type RecordFile, type RegistrationRecord } from './registration-record.js';

export interface RestoreRequest {
  readonly regno: string;
  /** Default: the head version. */
  readonly version?: number;
  /** Target directory: must not exist or be empty. */
  readonly to: string;
  /** Who asks (the audit log's actor). */
  readonly agent?: Agent;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { bytes: number; files: number; totalBytes: number; totalFiles: number }) => void;
  /**
   * Write RESTORED_MARKER into the tree as its last file, before the tree is
   * renamed into place (restore-many.ts: a target holding it is complete).
   * Not written when the registration itself has a file or directory of that name.
   */
  readonly marker?: boolean;
}

/** The file a many-registration restore leaves in each completed registration's directory. */
export const RESTORED_MARKER = '.yinji-restored.json';

/** What RESTORED_MARKER holds. */
export interface RestoredMarker {
  readonly regno: string;
  readonly version: number;
  readonly fileCount: number;
  readonly byteCount: number;
  readonly restoredAt: string;
}

/** The hidden sibling directory a restore to `target` builds its tree in (renamed into place at the end). */
export const RESTORE_WORK_SUFFIX = '.yinji-restore-';

export interface RestoreResult {
  readonly regno: string;
  readonly version: number;
  readonly to: string;
  readonly fileCount: number;
  readonly byteCount: number;
}

/** Files restored at once: overlaps open/close latency of many small files. */
const CONCURRENCY = 8;
/** Files up to this size (by the registration record) are read and written whole. */
const SMALL_FILE = 1 << 20;

/**
 * Restore a version as the deposited tree: same names, bytes, empty
 * directories and file modification times. Each file's SHA-256 is checked as
 * it is written; the tree is built in a hidden sibling directory and renamed
 * into place at the end, so a failure never leaves a half-restored target.
 */
export async function restore(center: Center, request: RestoreRequest): Promise<RestoreResult> {
  // Asking for something that does not exist is not damage: refuse it before anything is repaired.
  resolveVersion(await getRegistration(center, request.regno), request.version);
  try {
    return await restoreFromStore(center, request);
  } catch (e) {
    // The local copy is lost or damaged: repair it from the replicas (each file checked against its
    // registered digest before it replaces anything), then restore from the repaired store.
    if (!isDamage(e) || (await center.db.replicas.listFor(request.regno)).length === 0) throw e;
    const report = await repairLocal(center, request.regno, request.signal);
    await center.db.events.append({
      regno: request.regno,
      type: 'repair',
      agent: agentName(request.agent, 'cli'),
      outcome: report.unrepaired.length === 0 ? 'success' : 'failure',
      detail: { ...report, by: 'restore' },
    });
    if (report.unrepaired.length > 0) throw e;
    return restoreFromStore(center, request);
  }
}

function isDamage(e: unknown): boolean {
  return isYinjiError(e) && ['E_DIGEST_MISMATCH', 'E_STORAGE_CORRUPT', 'E_NOT_FOUND'].includes(e.code);
}

async function restoreFromStore(center: Center, request: RestoreRequest): Promise<RestoreResult> {
  const reg = await getRegistration(center, request.regno);
  const version = resolveVersion(reg, request.version);
  const record = await readRecord(center, reg, version);
  const target = resolve(request.to);
  await requireEmptyOrAbsent(target);
  const work = `${target}${RESTORE_WORK_SUFFIX}${randomBytes(4).toString('hex')}`;
  const totalBytes = record.byteCount;
  let bytes = 0;
  let files = 0;
  try {
    await mkdir(work, { recursive: true });
    for (const dir of record.dirs) await mkdir(join(work, dir), { recursive: true });
    const reader = await center.store.openVersion(reg.objectId, version);
    // The first failure stops every worker, and cleanup waits for all of them (none may write after it).
    const stop = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, stop.signal]) : stop.signal;
    // Every worker's streams listen on the one signal: more than Node's default of 10.
    setMaxListeners(CONCURRENCY * 4, signal);
    let firstError: Error | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let f = record.files[next++]; f !== undefined && !signal.aborted; f = record.files[next++]) {
        await restoreFile(reader, f, work, signal);
        bytes += f.size;
        files += 1;
        request.onProgress?.({ bytes, files, totalBytes, totalFiles: record.fileCount });
      }
    };
    await Promise.allSettled(
      Array.from({ length: CONCURRENCY }, async () => {
        try {
          await worker();
        } catch (e) {
          // Keep the cause (e.g. a digest mismatch), not the AbortErrors it then causes in the other workers.
          firstError ??= e instanceof Error ? e : new Error(String(e));
          stop.abort();
        }
      }),
    );
    if (firstError !== undefined) throw firstError;
    request.signal?.throwIfAborted();
    if (request.marker === true && !holdsMarkerName(record)) {
      const marker: RestoredMarker = {
        regno: reg.regno,
        version,
        fileCount: record.fileCount,
        byteCount: record.byteCount,
        restoredAt: new Date().toISOString(),
      };
      await writeFile(join(work, RESTORED_MARKER), JSON.stringify(marker, null, 2) + '\n');
    }
    if (await exists(target)) await rmdir(target);
    await rename(work, target);
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw wrapWriteError(e, { zh: `恢复到 ${target} 失败`, en: `restore to ${target} failed` });
  }
  await center.db.events.append({
    regno: reg.regno,
    type: 'restore',
    agent: agentName(request.agent, 'cli'),
    outcome: 'success',
    detail: { version, to: target, files: record.fileCount, bytes: record.byteCount },
  });
  await recordAudit(center, {
    ...auditActor(request.agent),
    action: 'restore',
    target: reg.regno,
    outcome: 'success',
    detail: { version, to: target, files: record.fileCount, bytes: record.byteCount },
  });
  return { regno: reg.regno, version, to: target, fileCount: record.fileCount, byteCount: record.byteCount };
}

async function restoreFile(
  reader: VersionReader,
  file: RecordFile,
  root: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const dest = join(root, file.path);
  await mkdir(dirname(dest), { recursive: true });
  let got: { sha256?: string; size: number };
  if (file.size <= SMALL_FILE) {
    // Most records are small: one read, one hash and one write cost far less than a stream pipeline.
    const data = await readAtMost(reader, payloadPath(file.path), file.size, signal);
    got = { sha256: digestBuffer(data), size: data.length };
    if (got.sha256 === file.digests.sha256 && got.size === file.size) await writeFile(dest, data, { signal });
  } else {
    const hasher = new DigestingStream(['sha256']);
    const source = await reader.open(payloadPath(file.path), { signal });
    await pipeline(source, hasher, createWriteStream(dest), { signal });
    got = { sha256: hasher.result.digests.sha256, size: hasher.result.size };
  }
  if (got.sha256 !== file.digests.sha256 || got.size !== file.size) {
    throw new DigestMismatchError(
      {
        zh: `保存库中的 ${file.path} 与登记时的摘要不符：存储可能已损坏，请运行 yinji store validate`,
        en: `${file.path} in the store does not match its registered digest: the store may be damaged; run yinji store validate`,
      },
      { details: { path: file.path, expected: file.digests.sha256, actual: got.sha256 } },
    );
  }
  const mtime = new Date(file.mtime);
  await utimes(dest, mtime, mtime);
}

/**
 * A stored file's bytes, but never more than one chunk past `size`: a stored file that is larger
 * than its record says (damage) is then a mismatch, not a reason to fill memory.
 */
async function readAtMost(
  reader: VersionReader,
  path: string,
  size: number,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  const source = await reader.open(path, { signal });
  for await (const chunk of source) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length > size) {
      source.destroy();
      break;
    }
  }
  return Buffer.concat(chunks, length);
}

/** Whether the registration's own tree has something named RESTORED_MARKER at its root (then no marker is written). */
function holdsMarkerName(record: RegistrationRecord): boolean {
  const taken = (p: string) => p === RESTORED_MARKER || p.startsWith(`${RESTORED_MARKER}/`);
  return record.files.some((f) => taken(f.path)) || record.dirs.some(taken);
}

async function requireEmptyOrAbsent(target: string): Promise<void> {
  if (!(await exists(target))) return;
  if ((await stat(target)).isDirectory() && (await readdir(target)).length === 0) return;
  throw new ConflictError(
    {
      zh: `恢复目标 ${target} 已存在且不为空；请指定一个新目录`,
      en: `restore target ${target} exists and is not empty; choose a new directory`,
    },
    { details: { target } },
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
