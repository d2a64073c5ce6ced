/**
 * What a database's tables look like, read from the database itself, for
 * tools that must handle every table the migrations create without a
 * hand-kept list (copy-database.ts): columns (Kysely introspection), primary
 * keys, foreign keys and sequence-filled columns (dialect catalogs).
 */
import { sql, type Kysely } from 'kysely';
import { DatabaseError } from '../core/index.js';
import type { DialectName } from './records.js';

/** Any table, any column: for code that walks tables by name. Internal to db/. */
export type AnyKysely = Kysely<Record<string, Record<string, unknown>>>;

export interface TableInfo {
  readonly name: string;
  /** In declaration order. */
  readonly columns: readonly string[];
  /** Primary-key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Tables this one references by a foreign key (a self-reference is left out). */
  readonly references: readonly string[];
  /** Columns a sequence fills (PostgreSQL serial/identity, SQLite AUTOINCREMENT or INTEGER PRIMARY KEY). */
  readonly autoIncrement: readonly string[];
}

/** Kysely's own bookkeeping (kysely_migration, kysely_migration_lock): never data. */
export function isKyselyTable(name: string): boolean {
  return name.startsWith('kysely_migration');
}

/** Every base table of the database (the current schema on PostgreSQL), by name. */
export async function describeTables(db: AnyKysely, dialect: DialectName): Promise<Map<string, TableInfo>> {
  let tables = (await db.introspection.getTables({ withInternalKyselyTables: false })).filter(
    (t) => !t.isView && !isKyselyTable(t.name),
  );
  if (dialect === 'postgres') {
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s;
    tables = tables.filter((t) => t.schema === schema);
  }
  const foreign = await foreignKeys(db, dialect);
  const out = new Map<string, TableInfo>();
  for (const t of tables) {
    out.set(t.name, {
      name: t.name,
      columns: t.columns.map((c) => c.name),
      primaryKey: await primaryKey(db, dialect, t.name),
      references: [...new Set(foreign.get(t.name) ?? [])].filter((r) => r !== t.name).sort(),
      autoIncrement: t.columns.filter((c) => c.isAutoIncrementing).map((c) => c.name),
    });
  }
  return out;
}

async function primaryKey(db: AnyKysely, dialect: DialectName, table: string): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from pragma_table_info(${table}) where pk > 0 order by pk`.execute(db)
      : await sql<{ name: string }>`
          select a.attname as name
          from pg_index i
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indisprimary
            and i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(${table}))
          order by array_position(i.indkey::int2[], a.attnum)`.execute(db);
  return rows.rows.map((r) => r.name);
}

/** Referencing table → referenced tables. */
async function foreignKeys(db: AnyKysely, dialect: DialectName): Promise<Map<string, string[]>> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ tbl: string; ref: string }>`
          select m.name as tbl, f."table" as ref
          from sqlite_master m, pragma_foreign_key_list(m.name) f
          where m.type = 'table'`.execute(db)
      : await sql<{ tbl: string; ref: string }>`
          select cl.relname as tbl, rf.relname as ref
          from pg_constraint c
          join pg_class cl on cl.oid = c.conrelid
          join pg_class rf on rf.oid = c.confrelid
          join pg_namespace n on n.oid = cl.relnamespace
          where c.contype = 'f' and n.nspname = current_schema()`.execute(db);
  const out = new Map<string, string[]>();
  for (const r of rows.rows) out.set(r.tbl, [...(out.get(r.tbl) ?? []), r.ref]);
  return out;
}

/**
 * The tables in an order where every table comes after the tables it
 * references (Kahn's algorithm; ties by name, so the order is stable).
 * References to tables outside `tables` are ignored. A cycle throws: no
 * insertion order satisfies it without deferred constraints.
 */
export function insertionOrder(tables: ReadonlyMap<string, TableInfo>): string[] {
  const waiting = new Map([...tables.values()].map((t) => [t.name, t.references.filter((r) => tables.has(r))]));
  const order: string[] = [];
  while (waiting.size > 0) {
    const ready = [...waiting].filter(([, refs]) => refs.every((r) => !waiting.has(r))).map(([name]) => name);
    if (ready.length === 0) {
      throw new DatabaseError(
        'E_DATABASE',
        {
          zh: `数据表之间存在循环外键引用，无法确定复制顺序：${[...waiting.keys()].join('、')}`,
          en: `foreign keys form a cycle, so no copy order exists: ${[...waiting.keys()].join(', ')}`,
        },
        { details: { tables: [...waiting.keys()] } },
      );
    }
    for (const name of ready.sort()) {
      order.push(name);
      waiting.delete(name);
    }
  }
  return order;
}
