/**
 * Disaster-recovery restore (issue 7): every registration of a unit, or of
 * the whole center, written as its head version into one directory, several
 * registrations at once; and the check that re-reads a restored tree from
 * disk against the registration record (`--verify`).
 *
 * Layout: `<to>/<unit code>/<regno>/` for the whole center, `<to>/<regno>/`
 * for one unit. Each registration is restored by restore.ts (its tree built
 * in a hidden sibling directory, renamed into place at the end, with its
 * 'restore' event and audit entry), with RESTORED_MARKER written as the last
 * file before the rename: a directory holding it is complete. A rerun after
 * an interruption therefore skips the completed registrations, removes what
 * an interrupted one left (only its hidden work directory: the target itself
 * never exists half-written) and restores it again. A non-empty directory
 * without the marker is someone else's: it is skipped, never overwritten.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { forEachLimited, isYinjiError, type Message } from '../core/index.js';
import type { Registration } from '../db/index.js';
import type { Agent } from './audit-log.js';
import type { Center } from './center.js';
import { selectRegistrations } from './carrier-plan.js';
import { getRegistration, readRecord, resolveVersion } from './queries.js';
import type { RegistrationRecord } from './registration-record.js';
import { RESTORE_WORK_SUFFIX, RESTORED_MARKER, restore, type RestoredMarker } from './restore.js';

/** Registrations restored at once (each restores 8 files at once: restore.ts). */
const REGISTRATION_CONCURRENCY = 4;
/** Files re-read at once by verifyRestored. */
const VERIFY_CONCURRENCY = 8;

// ---------------------------------------------------------------------------
// Verification of a restored tree

export interface RestoredFileProblem {
  /** Path relative to the registration's directory, as registered. */
  readonly path: string;
  readonly problem: 'missing' | 'size' | 'digest';
  readonly expectedSha256: string;
  readonly actualSha256?: string;
  readonly expectedSize: number;
  readonly actualSize?: number;
}

export interface RestoredVerifyResult {
  readonly regno: string;
  readonly version: number;
  readonly dir: string;
  readonly files: number;
  readonly bytes: number;
  /** Every registered file is on disk with its registered size and SHA-256. */
  readonly verified: boolean;
  readonly problems: readonly RestoredFileProblem[];
}

/**
 * Re-read every file of a restored version from disk (streamed) and check
 * its size and SHA-256 against the registration record in the store.
 * Files missing from `dir` are problems; files that are not registered are
 * not looked at (the marker, or anything an operator added).
 */
export async function verifyRestored(
  center: Center,
  request: { readonly regno: string; readonly version?: number; readonly dir: string; readonly signal?: AbortSignal },
): Promise<RestoredVerifyResult> {
  const reg = await getRegistration(center, request.regno);
  const version = resolveVersion(reg, request.version);
  const record = await readRecord(center, reg, version);
  return verifyTree(record, resolve(request.dir), request.signal);
}

async function verifyTree(
  record: RegistrationRecord,
  dir: string,
  signal?: AbortSignal,
): Promise<RestoredVerifyResult> {
  const problems: RestoredFileProblem[] = [];
  await forEachLimited(record.files, VERIFY_CONCURRENCY, async (file) => {
    signal?.throwIfAborted();
    const path = join(dir, file.path);
    const expected = { path: file.path, expectedSha256: file.digests.sha256, expectedSize: file.size };
    const info = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
      throw e;
    });
    if (info === undefined || !info.isFile()) {
      problems.push({ ...expected, problem: 'missing' });
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      createReadStream(path),
      async function (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          hash.update(chunk);
        }
      },
      { signal },
    );
    const actualSha256 = hash.digest('hex');
    if (size !== file.size) problems.push({ ...expected, problem: 'size', actualSha256, actualSize: size });
    else if (actualSha256 !== file.digests.sha256) problems.push({ ...expected, problem: 'digest', actualSha256 });
  });
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    regno: record.regno,
    version: record.version,
    dir,
    files: record.fileCount,
    bytes: record.byteCount,
    verified: problems.length === 0,
    problems,
  };
}

// ---------------------------------------------------------------------------
// Restore of many registrations

export type RestoreManyStatus = 'restored' | 'skipped' | 'failed';

export interface RestoreManyItem {
  readonly regno: string;
  readonly unit: string;
  /** The version restored (for a registration skipped as already restored: the version its marker names). */
  readonly version: number;
  /** The registration's directory. */
  readonly to: string;
  readonly status: RestoreManyStatus;
  /**
   * Error code of a failure; E_CONFLICT for a registration skipped because
   * its directory holds something else (or an older version). Absent for a
   * registration restored, or skipped as already restored by an earlier run.
   */
  readonly code?: string;
  readonly reason?: Message;
  readonly files: number;
  readonly bytes: number;
  /** With `verify`: whether every file re-read from disk matched the record. */
  readonly verified?: boolean;
  readonly problems?: readonly RestoredFileProblem[];
}

export interface RestoreManyProgress {
  readonly registrations: number;
  readonly totalRegistrations: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface RestoreManyRequest {
  /** The directory everything is restored under (created if absent; may hold an earlier run's output). */
  readonly to: string;
  /** Only this unit's registrations, laid out as `<to>/<regno>/`. Default: every unit, `<to>/<unit>/<regno>/`. */
  readonly unit?: string;
  /** Re-read every restored file from disk and check its SHA-256 (also of registrations already restored). */
  readonly verify?: boolean;
  readonly agent?: Agent;
  /** Registrations restored at once. Default 4. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: RestoreManyProgress) => void;
  /** Each registration as it is done. */
  readonly onItem?: (item: RestoreManyItem) => void;
}

export interface RestoreManyResult {
  readonly to: string;
  readonly unit?: string;
  /** By regno. */
  readonly items: readonly RestoreManyItem[];
  readonly totals: {
    readonly registrations: number;
    readonly restored: number;
    readonly skipped: number;
    readonly failed: number;
    /** Files and bytes restored by this run. */
    readonly files: number;
    readonly bytes: number;
    /** Registrations whose verification found a problem. */
    readonly verifyFailed: number;
  };
  readonly elapsedMs: number;
}

/**
 * Restore the head version of every registration of a unit (or of the
 * center). One registration's failure does not stop the others: it is
 * reported in its item. An unknown unit is refused before anything is
 * written (NotFoundError).
 */
export async function restoreMany(center: Center, request: RestoreManyRequest): Promise<RestoreManyResult> {
  const started = Date.now();
  const root = resolve(request.to);
  const regs = await selectRegistrations(center, request.unit !== undefined ? { unit: request.unit } : { all: true });
  const unitCodes = new Map((await center.db.units.list()).map((u) => [u.id, u.code]));
  const totalBytes = regs.reduce((n, r) => n + r.byteCount, 0);
  let doneRegistrations = 0;
  let doneBytes = 0;
  const progress = () =>
    request.onProgress?.({
      registrations: doneRegistrations,
      totalRegistrations: regs.length,
      bytes: doneBytes,
      totalBytes,
    });
  progress();

  const items: RestoreManyItem[] = new Array<RestoreManyItem>(regs.length);
  // Each parent directory is listed once (for leftovers of an interrupted run), not once per registration.
  const listings = new Map<string, Promise<readonly string[]>>();
  await forEachLimited(regs, request.concurrency ?? REGISTRATION_CONCURRENCY, async (reg, index) => {
    request.signal?.throwIfAborted();
    const unit = unitCodes.get(reg.unitId) ?? String(reg.unitId);
    const target = request.unit !== undefined ? join(root, reg.regno) : join(root, pathSegment(unit), reg.regno);
    let counted = 0;
    const item = await restoreOne(center, request, reg, unit, target, listings, (bytes) => {
      doneBytes += bytes - counted;
      counted = bytes;
      progress();
    });
    // Skipped and failed registrations count as done, so the total is reached.
    doneBytes += reg.byteCount - counted;
    doneRegistrations += 1;
    items[index] = item;
    request.onItem?.(item);
    progress();
  });

  const count = (s: RestoreManyStatus) => items.filter((i) => i.status === s).length;
  const restored = items.filter((i) => i.status === 'restored');
  return {
    to: root,
    ...(request.unit !== undefined ? { unit: request.unit } : {}),
    items,
    totals: {
      registrations: items.length,
      restored: restored.length,
      skipped: count('skipped'),
      failed: count('failed'),
      files: restored.reduce((n, i) => n + i.files, 0),
      bytes: restored.reduce((n, i) => n + i.bytes, 0),
      verifyFailed: items.filter((i) => i.verified === false).length,
    },
    elapsedMs: Date.now() - started,
  };
}

async function restoreOne(
  center: Center,
  request: RestoreManyRequest,
  reg: Registration,
  unit: string,
  target: string,
  listings: Map<string, Promise<readonly string[]>>,
  onBytes: (bytes: number) => void,
): Promise<RestoreManyItem> {
  const base = { regno: reg.regno, unit, to: target };
  try {
    const state = await targetState(target, reg);
    if (state.kind === 'conflict') {
      return {
        ...base,
        version: reg.headVersion,
        status: 'skipped',
        code: 'E_CONFLICT',
        reason: state.reason,
        files: 0,
        bytes: 0,
      };
    }
    if (state.kind === 'done') {
      const m = state.marker;
      const item: RestoreManyItem = {
        ...base,
        version: m.version,
        status: 'skipped',
        reason: { zh: `此前已恢复（${m.restoredAt}）`, en: `already restored (${m.restoredAt})` },
        files: m.fileCount,
        bytes: m.byteCount,
      };
      return request.verify === true ? withVerification(center, item, request.signal) : item;
    }
    // Absent or empty: first remove what an interrupted earlier run left beside it.
    await removeStaleWork(target, listings);
    const result = await restore(center, {
      regno: reg.regno,
      version: reg.headVersion,
      to: target,
      agent: request.agent,
      signal: request.signal,
      marker: true,
      onProgress: (p) => onBytes(p.bytes),
    });
    const item: RestoreManyItem = {
      ...base,
      version: result.version,
      status: 'restored',
      files: result.fileCount,
      bytes: result.byteCount,
    };
    return request.verify === true ? withVerification(center, item, request.signal) : item;
  } catch (e) {
    request.signal?.throwIfAborted();
    return { ...base, version: reg.headVersion, status: 'failed', ...describeError(e), files: 0, bytes: 0 };
  }
}

async function withVerification(center: Center, item: RestoreManyItem, signal?: AbortSignal): Promise<RestoreManyItem> {
  const check = await verifyRestored(center, { regno: item.regno, version: item.version, dir: item.to, signal });
  return { ...item, verified: check.verified, ...(check.verified ? {} : { problems: check.problems }) };
}

type TargetState =
  | { readonly kind: 'empty' }
  | { readonly kind: 'done'; readonly marker: RestoredMarker }
  | { readonly kind: 'conflict'; readonly reason: Message };

async function targetState(target: string, reg: Registration): Promise<TargetState> {
  const entries = await readdir(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    if (e.code === 'ENOTDIR') return ['(file)'];
    throw e;
  });
  if (entries.length === 0) return { kind: 'empty' };
  const marker = await readMarker(join(target, RESTORED_MARKER));
  if (marker === undefined || marker.regno !== reg.regno) {
    return {
      kind: 'conflict',
      reason: {
        zh: `目标 ${target} 已存在且不为空，且不是此前恢复的结果；未覆盖，已跳过`,
        en: `target ${target} exists, is not empty and is not an earlier restore; not overwritten, skipped`,
      },
    };
  }
  if (marker.version !== reg.headVersion) {
    return {
      kind: 'conflict',
      reason: {
        zh: `目标 ${target} 是此前恢复的第 ${marker.version} 版，而最新为第 ${reg.headVersion} 版；未覆盖，已跳过（请恢复到另一个目录）`,
        en: `target ${target} holds version ${marker.version} from an earlier restore, the head is version ${reg.headVersion}; not overwritten, skipped (restore to another directory)`,
      },
    };
  }
  return { kind: 'done', marker };
}

async function readMarker(path: string): Promise<RestoredMarker | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<RestoredMarker>;
    if (
      typeof value.regno === 'string' &&
      typeof value.version === 'number' &&
      typeof value.fileCount === 'number' &&
      typeof value.byteCount === 'number'
    ) {
      return { restoredAt: '', ...value } as RestoredMarker;
    }
  } catch {
    // absent or not ours: no marker
  }
  return undefined;
}

/** The hidden work directories (restore.ts) an interrupted restore to `target` left behind. */
async function removeStaleWork(target: string, listings: Map<string, Promise<readonly string[]>>): Promise<void> {
  const prefix = basename(target) + RESTORE_WORK_SUFFIX;
  const parent = dirname(target);
  let listing = listings.get(parent);
  if (listing === undefined) {
    listing = readdir(parent).catch(() => [] as string[]);
    listings.set(parent, listing);
  }
  const names = await listing;
  for (const name of names) {
    if (name.startsWith(prefix) && /^[0-9a-f]{8}$/.test(name.slice(prefix.length))) {
      await rm(join(parent, name), { recursive: true, force: true });
    }
  }
}

/** A unit code or regno as one directory name: no separators, never `.` or `..`. */
function pathSegment(name: string): string {
  const safe = name.replace(/[/\\\0]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

function describeError(e: unknown): { code: string; reason: Message } {
  if (isYinjiError(e)) return { code: e.code, reason: { zh: e.text('zh'), en: e.text('en') } };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'E_INTERNAL', reason: { zh: message, en: message } };
}
