/** The per-table work of copy-database.ts: counting, copying in batches, resetting sequences. */
import { sql, type RawBuilder } from 'kysely';
import type { CopyDatabaseOptions } from './copy-database.js';
import type { DialectName } from './records.js';
import type { AnyKysely, TableInfo } from './table-graph.js';

const PARAMETERS_PER_STATEMENT = 10_000;

export async function countRows(db: AnyKysely, table: string): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.id(table)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Values as the target's driver takes them (better-sqlite3 binds no booleans, dates or objects). */
function forTarget(v: unknown, dialect: DialectName): unknown {
  if (dialect !== 'sqlite' || v === null || typeof v !== 'object' || Buffer.isBuffer(v)) {
    return typeof v === 'boolean' && dialect === 'sqlite' ? Number(v) : v;
  }
  return v instanceof Date ? v.toISOString() : JSON.stringify(v);
}

/** Copy one table in primary-key order, batch by batch (keyset paging; OFFSET when there is no key). */
export async function copyTable(
  snap: AnyKysely,
  trx: AnyKysely,
  table: TableInfo,
  sourceKey: readonly string[],
  dialect: DialectName,
  options: CopyDatabaseOptions,
): Promise<number> {
  const { columns, name } = table;
  const limit = Math.max(1, Math.min(options.batchRows ?? 500, Math.floor(PARAMETERS_PER_STATEMENT / columns.length)));
  const key = sourceKey.length > 0 ? sourceKey : columns;
  const tuple = (parts: readonly RawBuilder<unknown>[] | readonly unknown[]): RawBuilder<unknown> =>
    sql`(${sql.join(parts)})`;
  const keyRefs = key.map((c) => sql.id(c));
  // PostgreSQL refuses explicit values for GENERATED ALWAYS identity columns without this clause.
  const overriding = dialect === 'postgres' && table.autoIncrement.length > 0 ? sql` overriding system value` : sql``;
  let copied = 0;
  let last: unknown[] | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    let q = snap.selectFrom(name).select(columns).limit(limit);
    for (const c of key) q = q.orderBy(sql.id(c));
    if (sourceKey.length === 0) q = q.offset(copied);
    else if (last !== undefined) q = q.where(sql<boolean>`${tuple(keyRefs)} > ${tuple(last)}`);
    const rows = await q.execute();
    if (rows.length === 0) return copied;
    const values = rows.map((r) => tuple(columns.map((c) => forTarget(r[c], dialect))));
    await sql`insert into ${sql.id(name)} ${tuple(columns.map((c) => sql.id(c)))}${overriding} values ${sql.join(values)}`.execute(
      trx,
    );
    copied += rows.length;
    const lastRow = rows[rows.length - 1]!;
    last = key.map((c) => lastRow[c]);
    if (rows.length < limit) return copied;
  }
}

/** setval every serial/identity sequence to max(column) so the next insert gets the next number. */
export async function resetSequences(
  trx: AnyKysely,
  tables: readonly TableInfo[],
): Promise<{ table: string; column: string; next: number }[]> {
  const out: { table: string; column: string; next: number }[] = [];
  for (const t of tables) {
    for (const column of t.autoIncrement) {
      const r = await sql<{ seq: string | null }>`
        select pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(${t.name}), ${column}) as seq`.execute(
        trx,
      );
      const seq = r.rows[0]?.seq;
      if (seq === null || seq === undefined) continue;
      const next = await sql<{ next: number | string }>`
        select coalesce(max(${sql.id(column)}), 0) + 1 as next from ${sql.id(t.name)}`.execute(trx);
      const n = Number(next.rows[0]?.next ?? 1);
      // is_called = false: nextval() returns exactly n.
      await sql`select setval(${seq}::regclass, ${n}, false)`.execute(trx);
      out.push({ table: t.name, column, next: n });
    }
  }
  return out;
}
