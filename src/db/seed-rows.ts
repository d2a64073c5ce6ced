/**
 * The rows the migrations themselves insert (e.g. 002's log head at size 0),
 * found by migrating a scratch in-memory database, so "is this database
 * empty?" needs no hand-kept list either.
 */
import type { KyselyDatabase } from './database.js';
import { openDatabase } from './open-database.js';
import { describeTables, type AnyKysely } from './table-graph.js';

type Row = Record<string, unknown>;

let cached: Promise<Map<string, string[]>> | undefined;

/** Table → its freshly migrated rows, each in the normalised form `sameRows` compares. */
export function seedRows(): Promise<Map<string, string[]>> {
  cached ??= loadSeedRows().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function loadSeedRows(): Promise<Map<string, string[]>> {
  const scratch = await openDatabase({ url: 'sqlite::memory:' });
  try {
    await scratch.migrate();
    const db = (scratch as KyselyDatabase).kysely as unknown as AnyKysely;
    const out = new Map<string, string[]>();
    for (const name of (await describeTables(db, 'sqlite')).keys()) {
      const rows = await db.selectFrom(name).selectAll().execute();
      if (rows.length > 0) out.set(name, normalise(rows));
    }
    return out;
  } finally {
    await scratch.close();
  }
}

/** Dialect-neutral form of a row: keys sorted, booleans and big integers as numbers, bytes as hex. */
function normalise(rows: readonly Row[]): string[] {
  const value = (v: unknown): unknown =>
    typeof v === 'boolean' || typeof v === 'bigint'
      ? Number(v)
      : Buffer.isBuffer(v)
        ? v.toString('hex')
        : v instanceof Date
          ? v.toISOString()
          : v;
  return rows
    .map((r) =>
      JSON.stringify(
        Object.keys(r)
          .sort()
          .map((k) => [k, value(r[k])]),
      ),
    )
    .sort();
}

export function sameRows(rows: readonly Row[], seed: readonly string[]): boolean {
  return normalise(rows).join('\n') === seed.join('\n');
}
