/**
 * `yinji migrate`: move a center's metadata to another database, or its
 * preservation store to another storage root, then (on request) point
 * `<data>/config.json` at the copy. The copies themselves are
 * db/copy-database.ts and migrate-storage.ts; this file resolves the center's
 * current locations from its config and checks the destination is another.
 */
import { reindexCatalog } from './catalog.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { InvalidInputError } from '../core/index.js';
import { copyDatabase, openDatabase, type CopyDatabaseOptions, type CopyDatabaseResult } from '../db/index.js';
import { CONFIG_FILE, loadConfig, saveConfig, type CenterConfig } from './config.js';
import { migrateStorage, type MigrateStorageOptions, type MigrateStorageResult } from './migrate-storage.js';
import { openStorage } from './open-storage.js';

/** What `<data>/config.json` must say for the center to use the copy. */
export interface ConfigChange {
  readonly database?: string;
  readonly storageRoot?: string;
  readonly s3Endpoint?: string | null;
  readonly s3Region?: string;
}

export interface MigrateDatabaseOutcome {
  readonly result: CopyDatabaseResult;
  readonly change: ConfigChange;
}

/** Copy the center's database (config `database`) into the empty database at `to`. */
export async function migrateCenterDatabase(
  dataDir: string,
  to: string,
  options: CopyDatabaseOptions = {},
): Promise<MigrateDatabaseOutcome> {
  const config = loadConfig(dataDir);
  if (!/^(postgres(ql)?:\/\/|sqlite:)/.test(to)) {
    throw new InvalidInputError({
      zh: '--to-database 应为 postgres://… 或 sqlite:…',
      en: '--to-database must be postgres://… or sqlite:…',
    });
  }
  if (to === config.database) {
    throw new InvalidInputError({ zh: '中心已在使用这个数据库', en: 'the center already uses this database' });
  }
  const source = await openDatabase({ url: config.database });
  try {
    // As every command that opens the center does: the source must be at this program's schema.
    await source.migrate();
    const target = await openDatabase({ url: to });
    try {
      const result = await copyDatabase(source, target, options);
      // The search index is not copied (each database keeps it in its own form): build it there.
      await reindexCatalog(target);
      return { result, change: { database: to } };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

export interface MigrateCenterStorageOptions extends MigrateStorageOptions {
  /** Endpoint for an s3:// target; default the center's `s3Endpoint`. */
  readonly s3Endpoint?: string;
  /** Region for an s3:// target; default the center's `s3Region`. */
  readonly s3Region?: string;
}

export interface MigrateStorageOutcome {
  readonly result: MigrateStorageResult;
  readonly change: ConfigChange;
}

function isInside(dir: string, other: string): boolean {
  const rel = relative(dir, other);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Copy the center's OCFL storage root (config `storageRoot`) to `to`: a directory or `s3://bucket/prefix`. */
export async function migrateCenterStorage(
  dataDir: string,
  to: string,
  options: MigrateCenterStorageOptions = {},
): Promise<MigrateStorageOutcome> {
  const config = loadConfig(dataDir);
  const s3 = to.startsWith('s3://');
  const storageRoot = s3 ? to.replace(/\/+$/, '') : resolve(to);
  const from = config.storageRoot.startsWith('s3://')
    ? config.storageRoot.replace(/\/+$/, '')
    : resolve(config.storageRoot);
  const s3Endpoint = options.s3Endpoint ?? config.s3Endpoint;
  const s3Region = options.s3Region ?? config.s3Region;
  const sameService = s3Endpoint === config.s3Endpoint;
  const overlapping = s3
    ? sameService &&
      from.startsWith('s3://') &&
      (`${storageRoot}/`.startsWith(`${from}/`) || `${from}/`.startsWith(`${storageRoot}/`))
    : !from.startsWith('s3://') && (isInside(from, storageRoot) || isInside(storageRoot, from));
  if (overlapping) {
    throw new InvalidInputError({
      zh: `目标 ${storageRoot} 与中心当前的存储根 ${from} 相同或相互包含`,
      en: `the target ${storageRoot} is, contains or lies inside the center's storage root ${from}`,
    });
  }
  const targetConfig: CenterConfig = { ...config, storageRoot, s3Endpoint, s3Region };
  const source = await openStorage(config);
  try {
    const target = await openStorage(targetConfig);
    try {
      await source.init();
      await target.init();
      const result = await migrateStorage(source, target, options);
      const change: ConfigChange = {
        storageRoot,
        ...(s3 && s3Endpoint !== config.s3Endpoint ? { s3Endpoint } : {}),
        ...(s3 && s3Region !== config.s3Region ? { s3Region } : {}),
      };
      return { result, change };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * Write `change` into `<data>/config.json`, leaving every other field as the
 * file has it (defaults are not written out). Atomic (temp file + rename).
 * The center must be restarted to use it.
 */
export async function applyConfigChange(dataDir: string, change: ConfigChange): Promise<void> {
  const file = join(dataDir, CONFIG_FILE);
  const stored = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  const next = { ...stored, ...change };
  loadConfig(dataDir, change); // the result must still be a valid config
  await saveConfig(dataDir, next as unknown as CenterConfig);
}
