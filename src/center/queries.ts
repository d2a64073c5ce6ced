import { NotFoundError, assertRegno } from '../core/index.js';
import type { FileLocation, Registration } from '../db/index.js';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { Center } from './center.js';
import { RECORD_PATH, parseRecord, payloadPath, type RegistrationRecord } from './registration-record.js';

export async function getRegistration(center: Center, regno: string): Promise<Registration> {
  const reg = await center.db.registrations.getByRegno(assertRegno(regno));
  if (reg === undefined) {
    throw new NotFoundError(
      { zh: `登记号 ${regno} 不存在`, en: `registration ${regno} does not exist` },
      { details: { regno } },
    );
  }
  return reg;
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
export async function findByDigests(
  center: Center,
  sha256: readonly string[],
): Promise<{ sha256: string; registrations: Omit<FileLocation, 'sha256'>[] }[]> {
  const found = await center.db.registrations.findByDigests(sha256);
  return sha256.map((d) => ({
    sha256: d,
    registrations: found.filter((f) => f.sha256 === d).map(({ sha256: _s, ...rest }) => rest),
  }));
}
