import { Kysely } from 'kysely';
import { DatabaseError } from '../core/index.js';
import { KyselyDatabase, type Database } from './database.js';
import { resolveOptions, type DatabaseOptions } from './options.js';
import { openPostgres } from './postgres-dialect.js';
import type { Schema } from './schema.js';
import { openSqlite } from './sqlite-dialect.js';

/**
 * Open (and for PostgreSQL, connect to) the database at `options.url`. Does
 * not migrate: call `migrate()` once at start-up. Throws InvalidInputError for
 * bad options and DatabaseError E_DB_OPEN when the database cannot be reached.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const o = resolveOptions(options);
  if (o.dialect === 'sqlite') {
    let dialect;
    try {
      dialect = openSqlite({ path: o.location, busyTimeoutMs: o.busyTimeoutMs });
    } catch (e) {
      throw new DatabaseError(
        'E_DB_OPEN',
        { zh: `无法打开 SQLite 数据库 ${o.location}`, en: `cannot open SQLite database ${o.location}` },
        { cause: e, details: { dialect: 'sqlite', path: o.location } },
      );
    }
    return new KyselyDatabase(new Kysely<Schema>({ dialect }), o);
  }

  const { dialect, pool } = openPostgres({
    url: o.location,
    poolSize: o.poolSize,
    statementTimeoutMs: o.statementTimeoutMs,
  });
  try {
    // Fail here, with a clear error, rather than at the first registration.
    await pool.query('select 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    // The URL is not repeated: it may hold a password.
    throw new DatabaseError(
      'E_DB_OPEN',
      { zh: '无法连接 PostgreSQL 数据库', en: 'cannot connect to the PostgreSQL database' },
      { cause: e, details: { dialect: 'postgres' } },
    );
  }
  return new KyselyDatabase(new Kysely<Schema>({ dialect }), o);
}
