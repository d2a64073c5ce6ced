import type { Kysely } from 'kysely';
import type { FileEntry } from '../records.js';
import type { Schema } from '../schema.js';
import { compareText } from './context.js';

/**
 * Rows per INSERT. Each file row binds 6 parameters; SQLite allows 32,766
 * bound parameters per statement and PostgreSQL 65,535, so 1,000 rows (6,000
 * parameters) is safely under both while keeping a 10,000-file version to
 * ten statements.
 */
export const FILE_BATCH_ROWS = 1000;

export async function insertFiles(
  db: Kysely<Schema>,
  registrationId: number,
  version: number,
  files: readonly FileEntry[],
): Promise<void> {
  for (let i = 0; i < files.length; i += FILE_BATCH_ROWS) {
    const rows = files.slice(i, i + FILE_BATCH_ROWS).map((f) => ({
      registration_id: registrationId,
      version,
      path: f.path,
      size: f.size,
      sha256: f.sha256,
      mtime: f.mtime,
    }));
    await db.insertInto('files').values(rows).execute();
  }
}

export async function selectFiles(db: Kysely<Schema>, registrationId: number, version: number): Promise<FileEntry[]> {
  const rows = await db
    .selectFrom('files')
    .select(['path', 'size', 'sha256', 'mtime'])
    .where('registration_id', '=', registrationId)
    .where('version', '=', version)
    .execute();
  return rows
    .map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256, mtime: r.mtime }))
    .sort((a, b) => compareText(a.path, b.path));
}
