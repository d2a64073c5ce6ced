import type { Kysely } from 'kysely';
import { InvalidInputError, type Clock } from '../../core/index.js';
import type { DialectName } from '../records.js';
import type { Schema } from '../schema.js';

/** What every repository is built over: a connection (or transaction) and a clock. */
export interface RepoContext {
  readonly db: Kysely<Schema>;
  readonly dialect: DialectName;
  readonly clock: Clock;
  /**
   * Run `fn` atomically: inside a caller's transaction it just runs there;
   * otherwise it opens (and on PostgreSQL retries) a transaction of its own.
   */
  readonly atomic: <T>(fn: (db: Kysely<Schema>) => Promise<T>) => Promise<T>;
}

/**
 * The canonical stored form of a timestamp: `given` normalised, or now. One
 * fixed-width UTC form is what makes text comparison order them by time.
 */
export function timestamp(ctx: RepoContext, given?: string): string {
  if (given === undefined) return ctx.clock.now().toISOString();
  const at = new Date(given);
  if (Number.isNaN(at.getTime())) {
    throw new InvalidInputError({ zh: `时间 "${given}" 无效`, en: `invalid timestamp "${given}"` });
  }
  return at.toISOString();
}

export function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) return 1;
  return Math.min(limit, max);
}

export function parseDetail(text: string): Readonly<Record<string, unknown>> {
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Code-point order, the order SQLite's BINARY collation gives. Text is sorted
 * here rather than by ORDER BY because PostgreSQL sorts by the database's
 * collation (zh_CN.UTF-8, en_US.UTF-8, C, …), which would make the order of
 * Chinese or punctuated names depend on the dialect and even the server.
 */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 unit order equals code-point order except that a surrogate (an astral
    // character, ≥ U+10000) must sort after everything in the BMP, including U+E000–U+FFFF.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
