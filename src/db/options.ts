import { InvalidInputError, systemClock, type Clock, type Message } from '../core/index.js';
import type { DialectName } from './records.js';

export interface DatabaseOptions {
  /**
   * Where the database is. Required.
   * `sqlite:/path/to/file.db` (the file is created if missing, its folder must exist),
   * `sqlite::memory:` (tests only), or `postgres://user@host:port/db` (also `postgresql://`).
   */
  readonly url: string;
  /** PostgreSQL connections in the pool. Default 10. SQLite always has one connection. */
  readonly poolSize?: number;
  /** PostgreSQL statement_timeout in ms; 0 turns it off. Default 60,000. Not used by SQLite. */
  readonly statementTimeoutMs?: number;
  /** SQLite busy_timeout: how long to wait for another process's write lock, in ms. Default 5,000. */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL: how many times `transaction` runs on serialization failure or deadlock. Default 4. */
  readonly maxTransactionAttempts?: number;
  /** Source of every timestamp written. Default the system clock. */
  readonly clock?: Clock;
}

export interface ResolvedOptions {
  readonly dialect: DialectName;
  /** The SQLite path or the PostgreSQL connection string. */
  readonly location: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly busyTimeoutMs: number;
  readonly maxTransactionAttempts: number;
  readonly clock: Clock;
}

function invalid(field: string, value: unknown, wanted: Message): InvalidInputError {
  return new InvalidInputError(
    {
      zh: `数据库配置 ${field} 无效（${String(value)}）：应为${wanted.zh}`,
      en: `database option ${field} is invalid (${String(value)}): expected ${wanted.en}`,
    },
    { details: { field } },
  );
}

function integer(field: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw invalid(field, value, { zh: `不小于 ${min} 的整数`, en: `an integer ≥ ${min}` });
  }
  return value;
}

/** Check the options once, fill defaults, freeze. */
export function resolveOptions(options: DatabaseOptions): ResolvedOptions {
  const url = options.url;
  let dialect: DialectName;
  let location: string;
  if (typeof url === 'string' && url.startsWith('sqlite:')) {
    dialect = 'sqlite';
    location = url.slice('sqlite:'.length);
    if (location.startsWith('//')) location = location.slice(2); // sqlite:///abs/path
    if (location === '') throw invalid('url', url, { zh: ' sqlite: 后跟文件路径', en: 'a file path after sqlite:' });
  } else if (typeof url === 'string' && /^postgres(ql)?:\/\//.test(url)) {
    dialect = 'postgres';
    location = url;
  } else {
    // Not echoing the URL: it may hold a password.
    const shown = typeof url === 'string' ? `${url.split(':')[0] ?? ''}:…` : url;
    throw invalid('url', shown, { zh: ' sqlite:… 或 postgres://…', en: 'sqlite:… or postgres://…' });
  }
  return Object.freeze({
    dialect,
    location,
    poolSize: integer('poolSize', options.poolSize, 10, 1),
    statementTimeoutMs: integer('statementTimeoutMs', options.statementTimeoutMs, 60_000, 0),
    busyTimeoutMs: integer('busyTimeoutMs', options.busyTimeoutMs, 5_000, 0),
    maxTransactionAttempts: integer('maxTransactionAttempts', options.maxTransactionAttempts, 4, 1),
    clock: options.clock ?? systemClock,
  });
}
