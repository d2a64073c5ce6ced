import {
  authorize,
  canSee,
  CLASSIFICATIONS,
  isClassification,
  requirePermission,
  unitScope,
  type Action,
  type Actor,
  type Classification,
} from '../auth/index.js';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, NotFoundError, assertRegno } from '../core/index.js';
import type { FileEntry, FileLocation, Registration } from '../db/index.js';
import { text } from 'node:stream/consumers';
import type { Center } from './center.js';
import { RECORD_PATH, parseRecord, payloadPath, type RegistrationRecord } from './registration-record.js';

function registrationNotFound(regno: string): NotFoundError {
  return new NotFoundError(
    { zh: `登记号 ${regno} 不存在`, en: `registration ${regno} does not exist` },
    { details: { regno } },
  );
}

export async function getRegistration(center: Center, regno: string): Promise<Registration> {
  const reg = await center.db.registrations.getByRegno(assertRegno(regno));
  if (reg === undefined) throw registrationNotFound(regno);
  return reg;
}

/** A stored classification as the permission check reads it: anything unknown as the highest (fail closed). */
export function classificationOf(reg: Registration): Classification {
  return isClassification(reg.classification) ? reg.classification : 'top-secret';
}

/**
 * The registration, if `actor` may do `action` on it. Another unit's record,
 * or one above the actor's clearance, is answered with exactly the error a
 * registration number that does not exist gets, so the answer reveals nothing.
 */
export async function getRegistrationAs(
  center: Center,
  actor: Actor,
  action: Action,
  regno: string,
): Promise<Registration> {
  // Role and token scope first: a refusal by role must not depend on whether the number exists.
  requirePermission(actor, action);
  const reg = await getRegistration(center, regno);
  const resource = { unitId: reg.unitId, classification: classificationOf(reg) };
  try {
    if (authorize(actor, action, resource)) return reg;
  } catch (e) {
    if (e instanceof NotFoundError) throw registrationNotFound(regno);
    throw e;
  }
  requirePermission(actor, action, resource);
  return reg;
}

/** Registrations `actor` may list: their own unit's (all units for center staff), up to their clearance. */
export async function listRegistrationsAs(
  center: Center,
  actor: Actor,
  options: { unit?: string; limit?: number; offset?: number },
): Promise<{ items: readonly Registration[]; total: number }> {
  requirePermission(actor, 'registration.list');
  if (actor.kind !== 'user') return { items: [], total: 0 };
  const scope = unitScope(actor);
  let unitId = scope === 'all' ? undefined : scope.unitId;
  if (options.unit !== undefined) {
    const unit = await center.db.units.getByCode(options.unit);
    // Another unit's code lists nothing, as an unknown code does.
    if (unit === undefined || (unitId !== undefined && unit.id !== unitId)) return { items: [], total: 0 };
    unitId = unit.id;
  }
  return center.db.registrations.list({
    unitId,
    classifications: CLASSIFICATIONS.filter((c) => canSee(actor, c)),
    limit: options.limit,
    offset: options.offset,
  });
}

export function resolveVersion(reg: Registration, version: number | undefined): number {
  if (version === undefined) return reg.headVersion;
  if (!Number.isInteger(version) || version < 1 || version > reg.headVersion) {
    throw new NotFoundError(
      {
        zh: `登记 ${reg.regno} 没有第 ${version} 版（共 ${reg.headVersion} 版）`,
        en: `registration ${reg.regno} has no version ${version} (it has ${reg.headVersion})`,
      },
      { details: { regno: reg.regno, version } },
    );
  }
  return version;
}

/** The registration record as preserved in the store (the source of truth for a version). */
export async function readRecord(center: Center, reg: Registration, version: number): Promise<RegistrationRecord> {
  return parseRecord(await text(await center.store.openFile(reg.objectId, RECORD_PATH, version)));
}

export async function listRegistrations(
  center: Center,
  options: { unit?: string; limit?: number; offset?: number },
): Promise<{ items: readonly Registration[]; total: number }> {
  let unitId: number | undefined;
  if (options.unit !== undefined) {
    const unit = await center.db.units.getByCode(options.unit);
    if (unit === undefined) return { items: [], total: 0 };
    unitId = unit.id;
  }
  return center.db.registrations.list({ unitId, limit: options.limit, offset: options.offset });
}

/** Open one registered file for reading, after checking it belongs to that version. */
export async function openRegisteredFile(
  center: Center,
  regno: string,
  path: string,
  version?: number,
): Promise<{ stream: Readable; size: number; sha256: string }> {
  const reg = await getRegistration(center, regno);
  const v = resolveVersion(reg, version);
  const file = (await center.db.registrations.versionFiles(regno, v)).find((f) => f.path === path);
  if (file === undefined) {
    throw new NotFoundError(
      {
        zh: `登记 ${regno} 第 ${v} 版中没有文件 ${path}`,
        en: `registration ${regno} version ${v} has no file ${path}`,
      },
      { details: { regno, version: v, path } },
    );
  }
  return {
    stream: await center.store.openFile(reg.objectId, payloadPath(path), v),
    size: file.size,
    sha256: file.sha256,
  };
}

/** Digest-only verification: where each of these SHA-256 digests was registered (the file itself never travels). */
/** Where a digest was registered; to a viewer who may not see that registration, only when. */
export type DigestMatch = Omit<FileLocation, 'sha256'> | { readonly registeredAt: string };

/**
 * Verification by digest (核验): which registrations hold files with these
 * SHA-256 digests. Holding the bytes proves nothing about who may read the
 * record, so a viewer who may not see a registration (another unit's, above
 * their clearance, or the public) learns only that and when such a file was
 * registered — no registration number, path or unit. `'local'`: the CLI on
 * the center's own machine, which sees everything.
 */
export async function findByDigests(
  center: Center,
  viewer: Actor | 'local',
  sha256: readonly string[],
): Promise<{ sha256: string; registrations: DigestMatch[] }[]> {
  const found = await center.db.registrations.findByDigests(sha256);
  const visible = new Map<string, boolean>();
  for (const regno of new Set(found.map((f) => f.regno))) {
    if (viewer === 'local') {
      visible.set(regno, true);
      continue;
    }
    const seen = await getRegistrationAs(center, viewer, 'registration.show', regno).then(
      () => true,
      () => false,
    );
    visible.set(regno, seen);
  }
  return sha256.map((d) => ({
    sha256: d,
    registrations: found
      .filter((f) => f.sha256 === d)
      .map(({ sha256: _s, ...rest }) => (visible.get(rest.regno) ? rest : { registeredAt: rest.registeredAt })),
  }));
}

/**
 * A registered file copied out of the store to `target`, its SHA-256 checked
 * on the way: the access store is derived only from bytes that are the
 * registered ones (a rotted copy is the audits' business, not the index's).
 */
export async function copyRegisteredFile(
  center: Center,
  reg: Registration,
  version: number,
  file: FileEntry,
  target: string,
  signal: AbortSignal,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const source = await center.store.openFile(reg.objectId, payloadPath(file.path), version);
  await pipeline(source, tap, createWriteStream(target), { signal });
  const actual = hash.digest('hex');
  if (actual !== file.sha256) {
    throw new DigestMismatchError(
      {
        zh: `${reg.regno} 第 ${version} 版的文件 ${file.path} 与登记的摘要不符，未读取其内容`,
        en: `${file.path} of ${reg.regno} version ${version} does not match its registered digest; not read`,
      },
      { details: { regno: reg.regno, version, path: file.path, expected: file.sha256, actual } },
    );
  }
}
