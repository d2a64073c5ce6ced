/**
 * Driver errors, recognised once at the db/ boundary and turned into Yinji
 * errors, so nothing above db/ looks at SQLSTATEs or SQLITE_* codes.
 */
import { ConflictError, DatabaseError, isYinjiError, type Message, type YinjiError } from '../core/index.js';

interface DriverErrorShape {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly table?: unknown;
}

function driverCode(e: unknown): string | undefined {
  const code = (e as DriverErrorShape | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY. */
export function isUniqueViolation(e: unknown): boolean {
  const code = driverCode(e);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * PostgreSQL serialization_failure (40001) and deadlock_detected (40P01): the
 * transaction was rolled back and may simply be run again. Looks through
 * `cause` because repositories have already wrapped the driver error.
 */
export function isRetryableTransactionError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const code = driverCode(cur);
    if (code === '40001' || code === '40P01') return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Wrap a failure from the driver. Yinji errors pass through unchanged; a unique
 * violation becomes a ConflictError with `conflict` as its message when given.
 */
export function wrapDbError(e: unknown, what: Message, conflict?: Message): YinjiError {
  if (isYinjiError(e)) return e;
  const code = driverCode(e);
  const constraint = (e as DriverErrorShape | undefined)?.constraint;
  const details = { driverCode: code, ...(typeof constraint === 'string' ? { constraint } : {}) };
  if (conflict !== undefined && isUniqueViolation(e)) return new ConflictError(conflict, { cause: e, details });
  return new DatabaseError(
    'E_DATABASE',
    { zh: `数据库操作失败：${what.zh}`, en: `database failure: ${what.en}` },
    {
      cause: e,
      details,
    },
  );
}

/** Run one repository operation, wrapping whatever the driver throws. */
export async function guarded<T>(what: Message, fn: () => Promise<T>, conflict?: Message): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw wrapDbError(e, what, conflict);
  }
}
