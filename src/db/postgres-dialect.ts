/** PostgreSQL through a pg Pool. */
import { PostgresDialect, type Dialect } from 'kysely';
import pg from 'pg';

export interface PostgresSettings {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
}

const INT8_OID = 20;

/**
 * pg returns int8 (bigint, bigserial, count(*)) as strings to avoid losing
 * precision. Our int8 values are ids, counts and byte sizes, all far below
 * 2^53, so parse them as numbers — SQLite returns numbers too — and fail
 * loudly rather than round if one ever is not.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} does not fit a JS number`);
  return n;
}

export interface PostgresHandle {
  readonly dialect: Dialect;
  readonly pool: pg.Pool;
}

export function openPostgres(settings: PostgresSettings): PostgresHandle {
  const builtIn: (oid: number, format: 'text' | 'binary') => unknown = pg.types.getTypeParser;
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    // Server-side limit per statement: a runaway query cannot hold locks forever.
    ...(settings.statementTimeoutMs > 0 ? { statement_timeout: settings.statementTimeoutMs } : {}),
    // Client-side limits too: behind a dead network link the server cannot time anything out, and a
    // caller waiting forever (a lease renewal, say) is worse than one told the database is unreachable.
    connectionTimeoutMillis: 10_000,
    ...(settings.statementTimeoutMs > 0 ? { query_timeout: settings.statementTimeoutMs + 5_000 } : {}),
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? parseInt8
          : builtIn(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client whose connection dies emits 'error' on the pool; unhandled, that
  // would crash the process. The pool already discards the client; the next query reconnects.
  pool.on('error', () => undefined);
  return { dialect: new PostgresDialect({ pool }), pool };
}
