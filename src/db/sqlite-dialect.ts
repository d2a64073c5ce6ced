/**
 * SQLite through better-sqlite3: one connection per process, pragmas set
 * before Kysely sees it, and write transactions that take the write lock up
 * front.
 */
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Kysely,
} from 'kysely';

/**
 * `BEGIN IMMEDIATE` instead of Kysely's deferred `BEGIN`: a deferred
 * transaction that reads and then writes while another process (the CLI next
 * to a running server) holds the WAL write lock fails at once with
 * SQLITE_BUSY, busy_timeout notwithstanding. Taking the lock at BEGIN lets
 * busy_timeout do its job.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export interface SqliteSettings {
  /** A file path or ':memory:'. */
  readonly path: string;
  readonly busyTimeoutMs: number;
}

/** Page cache per connection, in KiB (256 MiB). */
const SQLITE_CACHE_KIB = 256 * 1024;

export function openSqlite(settings: SqliteSettings): Dialect {
  const db = new BetterSqlite3(settings.path);
  try {
    if (settings.path !== ':memory:') {
      // WAL: readers do not block the writer (the console stays responsive during a deposit).
      const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, wanted wal`);
    }
    // FULL, not WAL's usual NORMAL: a registration reported done must survive power loss,
    // and NORMAL may lose the last commits on power failure (sqlite.org/pragma.html#pragma_synchronous).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.trunc(settings.busyTimeoutMs)}`);
    // SQLite's default page cache is 2 MiB; the catalog's search index alone reaches hundreds of
    // MiB at a million entries, and with 2 MiB every import batch and every search re-read it
    // from the file. Pages are only allocated as used, so a small center pays nothing.
    db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  } catch (e) {
    db.close();
    throw e;
  }
  const config = { database: db };
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ImmediateSqliteDriver(config),
    createIntrospector: (k: Kysely<unknown>) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
