/**
 * Copy a center's metadata from one database to another — in practice from
 * the embedded SQLite file to PostgreSQL when a center scales out
 * (`yinji migrate --to-database`), but any dialect to any dialect.
 *
 * Every table the migrations create is copied, found by introspecting the
 * target after migrating it, so a table added by a later migration is copied
 * with no change here. Not copied: Kysely's migration bookkeeping (the target
 * has its own), TRANSIENT_TABLES and the derived search index (isDerivedTable).
 */
import { sql } from 'kysely';
import { ConflictError, DatabaseError } from '../core/index.js';
import { KyselyDatabase, type Database } from './database.js';
import { wrapDbError } from './db-errors.js';
import type { DialectName } from './records.js';
import { copyTable, countRows, resetSequences } from './copy-table.js';
import { seedRows, sameRows } from './seed-rows.js';
import { describeTables, insertionOrder, type AnyKysely, type TableInfo } from './table-graph.js';

/** Tables of transient state that a new database must start without: `leases` holds job locks of running instances. */
export const TRANSIENT_TABLES: ReadonlySet<string> = new Set(['leases']);

/**
 * The catalog's search index, in a different form on each dialect (an FTS5
 * table and its shadow tables on SQLite, tsvectors on PostgreSQL): derived
 * from the entries, so it is not copied; the center reindexes after a copy.
 */
export function isDerivedTable(name: string): boolean {
  return name === 'catalog_vectors' || name === 'catalog_fts' || name.startsWith('catalog_fts_');
}

const notCopied = (name: string): boolean => TRANSIENT_TABLES.has(name) || isDerivedTable(name);

export interface CopyDatabaseOptions {
  /** Most rows per INSERT; lowered for wide tables so a statement stays under both dialects' parameter limits. Default 500. */
  readonly batchRows?: number;
  /** Checked between batches; an abort rolls the target back to empty. */
  readonly signal?: AbortSignal;
}

export interface CopiedTable {
  readonly table: string;
  readonly rows: number;
}

export interface CopyDatabaseResult {
  /** In the order copied (referenced tables first). */
  readonly tables: readonly CopiedTable[];
  readonly rows: number;
  /** Tables left out on purpose (TRANSIENT_TABLES present in the schema). */
  readonly skipped: readonly string[];
  /** PostgreSQL sequences moved past the copied ids: the next id each hands out. */
  readonly sequences: readonly { readonly table: string; readonly column: string; readonly next: number }[];
  /**
   * Tables whose row count in the source changed while or after the copy ran
   * (something kept writing to the source): the copy is a consistent
   * snapshot, but those later writes are not in it.
   */
  readonly sourceChanged: readonly string[];
}

function kyselyOf(db: Database, role: string): AnyKysely {
  if (!(db instanceof KyselyDatabase)) {
    throw new DatabaseError('E_DATABASE', {
      zh: `${role === 'source' ? '源' : '目标'}数据库不是由 openDatabase 打开的`,
      en: `the ${role} database was not opened with openDatabase`,
    });
  }
  return db.kysely as unknown as AnyKysely;
}

/**
 * Copy every row of `source` into `target`, which must hold no data.
 *
 * `target` is migrated first (unless it holds tables of something other than
 * Yinji); both must then be at the same migration. The target is refused
 * (ConflictError, no row written) if any table holds rows beyond those the
 * migrations themselves insert. Rows are read from one
 * consistent snapshot of the source (a read transaction; writers are not
 * blocked) and written in batches inside one target transaction, tables in
 * foreign-key order, so the target ends with all of it or none. Row counts
 * are compared before the commit, and PostgreSQL sequences are set past the
 * copied ids so new rows do not collide.
 */
export async function copyDatabase(
  source: Database,
  target: Database,
  options: CopyDatabaseOptions = {},
): Promise<CopyDatabaseResult> {
  const src = kyselyOf(source, 'source');
  const dst = kyselyOf(target, 'target');
  await requireNotForeign(dst, target.dialect);
  await target.migrate();
  await requireSameMigrations(src, dst);
  const targetTables = await describeTables(dst, target.dialect);
  const sourceTables = await describeTables(src, source.dialect);
  const skipped = [...targetTables.keys()].filter(notCopied).sort();
  const tables = new Map([...targetTables].filter(([name]) => !notCopied(name)));
  for (const t of tables.values()) requireSameColumns(t, sourceTables.get(t.name));
  const order = insertionOrder(tables);
  const seeded = await requireEmpty(dst, order);

  const copied = await readSnapshot(src, source.dialect, async (snap) => {
    const expected = new Map<string, number>();
    for (const name of order) expected.set(name, await countRows(snap, name));
    return dst.transaction().execute(async (trx) => {
      // The migrations' own rows (e.g. the empty log head) make way for the source's.
      for (const name of [...order].reverse()) {
        if (seeded.has(name)) await sql`delete from ${sql.id(name)}`.execute(trx);
      }
      const out: CopiedTable[] = [];
      for (const name of order) {
        const info = tables.get(name)!;
        const rows = await copyTable(snap, trx, info, sourceTables.get(name)!.primaryKey, target.dialect, options);
        const there = await countRows(trx, name);
        if (rows !== expected.get(name) || there !== rows) {
          throw new DatabaseError(
            'E_DATABASE',
            {
              zh: `复制表 ${name} 后行数不符（源 ${expected.get(name)}，已复制 ${rows}，目标 ${there}），已回滚`,
              en: `row counts differ after copying ${name} (source ${expected.get(name)}, copied ${rows}, target ${there}); rolled back`,
            },
            { details: { table: name, source: expected.get(name), copied: rows, target: there } },
          );
        }
        out.push({ table: name, rows });
      }
      const sequences = target.dialect === 'postgres' ? await resetSequences(trx, [...tables.values()]) : [];
      return { out, expected, sequences };
    });
  }).catch((e: unknown) => {
    options.signal?.throwIfAborted();
    throw wrapDbError(e, { zh: '复制数据库', en: 'copy the database' });
  });

  const sourceChanged: string[] = [];
  for (const name of order) {
    if ((await countRows(src, name)) !== copied.expected.get(name)) sourceChanged.push(name);
  }
  return {
    tables: copied.out,
    rows: copied.out.reduce((n, t) => n + t.rows, 0),
    skipped,
    sequences: copied.sequences,
    sourceChanged,
  };
}

async function appliedMigrations(db: AnyKysely): Promise<string[]> {
  try {
    const r = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    return r.rows.map((row) => row.name);
  } catch {
    return []; // never migrated
  }
}

/** Tables but no migration record: some other application's database, which migrating would litter. */
async function requireNotForeign(dst: AnyKysely, dialect: DialectName): Promise<void> {
  const tables = [...(await describeTables(dst, dialect)).keys()];
  if (tables.length === 0 || (await appliedMigrations(dst)).length > 0) return;
  throw new ConflictError(
    {
      zh: `目标数据库已有其他表（${tables.slice(0, 5).join('、')}），不是印记的数据库：请指定一个新建的空数据库，未写入任何内容`,
      en: `the target database already has other tables (${tables.slice(0, 5).join(', ')}) and is not a Yinji database: give a new, empty database; nothing was written`,
    },
    { details: { tables } },
  );
}

async function requireSameMigrations(src: AnyKysely, dst: AnyKysely): Promise<void> {
  const [a, b] = [await appliedMigrations(src), await appliedMigrations(dst)];
  if (a.join('\n') === b.join('\n')) return;
  throw new ConflictError(
    {
      zh: `源数据库的结构版本（${a.join(', ') || '无'}）与本程序（${b.join(', ')}）不同：请先用同一版本的 yinji 打开源中心以升级其结构`,
      en: `the source database is at migrations (${a.join(', ') || 'none'}), this program at (${b.join(', ')}): open the source center with this version of yinji first to upgrade it`,
    },
    { details: { source: a, target: b } },
  );
}

function requireSameColumns(t: TableInfo, s: TableInfo | undefined): void {
  const same = s !== undefined && [...s.columns].sort().join('\n') === [...t.columns].sort().join('\n');
  if (same) return;
  throw new ConflictError(
    {
      zh: `源数据库的表 ${t.name} 与目标结构不同，无法复制`,
      en: `table ${t.name} differs between the source and the target schema; cannot copy`,
    },
    { details: { table: t.name, source: s?.columns ?? null, target: t.columns } },
  );
}

/** Refuse a target holding data; returns the tables holding only the migrations' own rows. */
async function requireEmpty(dst: AnyKysely, order: readonly string[]): Promise<Set<string>> {
  const seeds = await seedRows();
  const seeded = new Set<string>();
  for (const name of order) {
    const n = await countRows(dst, name);
    const seed = seeds.get(name) ?? [];
    if (n === 0) continue;
    if (n === seed.length && sameRows(await dst.selectFrom(name).selectAll().execute(), seed)) {
      seeded.add(name);
      continue;
    }
    throw new ConflictError(
      {
        zh: `目标数据库不是空的（表 ${name} 已有 ${n} 行）：请指定一个新建的空数据库，未写入任何内容`,
        en: `the target database is not empty (table ${name} holds ${n} rows): give a new, empty database; nothing was written`,
      },
      { details: { table: name, rows: n } },
    );
  }
  return seeded;
}

/**
 * Run `fn` inside one read transaction of the source: a consistent snapshot
 * (PostgreSQL repeatable read; SQLite's WAL read snapshot, taken at the first
 * read). Deferred BEGIN on SQLite, not the write lock, so a center still
 * running on the source is not blocked.
 */
async function readSnapshot<T>(db: AnyKysely, dialect: DialectName, fn: (snap: AnyKysely) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    const begin = dialect === 'postgres' ? 'begin transaction isolation level repeatable read read only' : 'begin';
    await sql.raw(begin).execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql
        .raw('rollback')
        .execute(conn)
        .catch(() => undefined);
    }
  });
}
