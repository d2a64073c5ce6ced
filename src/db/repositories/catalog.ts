import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { InvalidInputError } from '../../core/index.js';
import { guarded } from '../db-errors.js';
import type { Schema } from '../schema.js';
import { timestamp, type RepoContext } from './context.js';

/** A catalog entry's stored fields ('' where not given). */
export interface CatalogEntryRecord {
  readonly id: number;
  readonly unitCode: string;
  readonly archivalCode: string;
  readonly fonds: string;
  readonly category: string;
  readonly year: number | null;
  readonly itemNumber: string;
  readonly title: string;
  readonly responsible: string;
  readonly date: string;
  readonly documentNumber: string;
  readonly orgOrIssue: string;
  readonly retention: string;
  readonly classification: string;
  readonly pages: number | null;
  readonly keywords: string;
  readonly notes: string;
  readonly openStatus: 'open' | 'controlled';
  readonly regno: string | null;
  readonly filePath: string | null;
  readonly source: 'import' | 'deposit' | 'peer';
  /** The center that holds the record: '' for this one, else a partner's center id (a catalog center's holdings). */
  readonly holder: string;
  /** The entry's id at its holder (for entries a partner shared). */
  readonly holderEntryId: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type NewCatalogEntry = Omit<CatalogEntryRecord, 'id' | 'createdAt' | 'updatedAt' | 'holder' | 'holderEntryId'>;

/**
 * The four weighted parts of the search index. Title weighs most, then the
 * codes (档号, 文号), then the parties and descriptors, then the full text.
 */
export type SearchColumn = 'title' | 'code' | 'party' | 'body';
export const SEARCH_COLUMNS: readonly SearchColumn[] = ['title', 'code', 'party', 'body'];

/** An entry's index tokens per column, in text order (catalog/analyze.ts makes them). */
export type IndexTokens = Readonly<Record<SearchColumn, readonly string[]>>;

/**
 * What to match, already cut into index tokens (catalog/query.ts builds it):
 * - phrase: the tokens consecutive (the last one as a prefix when `prefix`);
 * - near: two phrases with exactly `gap` tokens between them, left first — a
 *   fragment with one wrong character (SQLite can only say "within `gap`");
 * - all / any: conjunction / disjunction.
 */
export type SearchExpr =
  | {
      readonly kind: 'phrase';
      readonly tokens: readonly string[];
      readonly prefix?: boolean;
      readonly column?: SearchColumn;
    }
  | {
      readonly kind: 'near';
      readonly left: readonly string[];
      readonly right: readonly string[];
      readonly gap: number;
      readonly column?: SearchColumn;
    }
  | { readonly kind: 'all' | 'any'; readonly parts: readonly SearchExpr[] };

/** Who is looking: everything, open entries only (the public), or open ones plus one unit's own. */
export type CatalogAccess =
  { readonly kind: 'all' } | { readonly kind: 'open' } | { readonly kind: 'open-or-unit'; readonly unitCode: string };

export interface CatalogFilters {
  readonly unitCode?: string;
  readonly fonds?: string;
  readonly category?: string;
  readonly yearFrom?: number;
  readonly yearTo?: number;
  readonly retention?: string;
  readonly classification?: string;
  readonly openStatus?: 'open' | 'controlled';
  /** Entries linked to this registration. */
  readonly regno?: string;
}

export const FACET_FIELDS = ['fonds', 'category', 'year', 'retention', 'openStatus', 'unitCode'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];
export type Facets = Readonly<Record<FacetField, ReadonlyArray<{ value: string; count: number }>>>;

export interface CatalogQuery {
  /** Undefined: no text query, entries in 档号 order. */
  readonly match?: SearchExpr;
  readonly filters: CatalogFilters;
  readonly access: CatalogAccess;
}

export interface CatalogUpsert {
  readonly entry: NewCatalogEntry;
  readonly index: IndexTokens;
  /** Extracted text to store with it (bulk loads); its tokens must be in `index.body`. */
  readonly text?: { readonly text: string; readonly method: 'text' | 'ocr' };
  /**
   * When this updates an existing entry, keep its open status: the row did not state one (a deposit's
   * catalog without an 开放/控制 column must not close what an archivist opened).
   */
  readonly keepOpenStatus?: boolean;
}

export interface CatalogRepository {
  /**
   * Add entries, or update the entry with the same unit and 档号, with their
   * index; one transaction when called inside one. Returns the ids in input order.
   */
  upsert(
    rows: readonly CatalogUpsert[],
  ): Promise<{ ids: number[]; inserted: number; updated: number; updatedIds: number[] }>;
  /**
   * Entries a partner center shares (it holds the records): add them, or update the ones with the same
   * holder and id there, with their index; one transaction. Returns how many were new.
   */
  upsertShared(
    holder: string,
    rows: ReadonlyArray<{
      readonly holderEntryId: number;
      readonly entry: NewCatalogEntry;
      readonly index: IndexTokens;
    }>,
  ): Promise<{ inserted: number; updated: number }>;
  /** Remove entries a partner no longer shares (with their text, index and access grants). Returns how many went. */
  withdrawShared(holder: string, holderEntryIds: readonly number[]): Promise<number>;
  /** This center's own entries changed after `after` (by updated_at, then id), oldest first: an incremental push. */
  changedSince(after: { readonly at: string; readonly id: number }, limit: number): Promise<CatalogEntryRecord[]>;
  /** Replace the index of existing entries (after a re-import of their fields, or to rebuild it). */
  putIndex(rows: ReadonlyArray<{ id: number; index: IndexTokens }>): Promise<void>;
  /** Store an entry's extracted text and its new index (the whole entry's tokens, body included). */
  putText(entryId: number, text: string, method: 'text' | 'ocr', index: IndexTokens): Promise<void>;
  getByIds(ids: readonly number[]): Promise<CatalogEntryRecord[]>;
  texts(ids: readonly number[]): Promise<Map<number, string>>;
  /** Matching entry ids, best first, with a score (higher is better), and how many match in all. */
  search(
    query: CatalogQuery,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; hits: Array<{ id: number; score: number }>; rankedWithin?: number }>;
  /**
   * Counts of the matches by fonds, class, year, retention, open status and
   * unit; estimated from about FACET_SAMPLE of them (`approximate`) when there
   * are more. `total`: the number of matches, when the caller knows it.
   */
  facets(query: CatalogQuery, limit: number, total?: number): Promise<{ facets: Facets; approximate: boolean }>;
  /** Entries in id order after `afterId`, for export and reindexing (keyset paging). */
  list(filters: CatalogFilters, access: CatalogAccess, afterId: number, limit: number): Promise<CatalogEntryRecord[]>;
  count(): Promise<number>;
}

const BATCH = 200;
/** Matches read to count facets; above this the counts are estimated from a sample this size. */
const FACET_SAMPLE = 2000;
/**
 * Scoring costs about 2 µs a match, so a two-character word matching half of a million entries
 * took a second to rank. Above this many matches, hits are ranked among the newest this many
 * (highest ids: the latest catalogued) and the result says so; the count and the facets still
 * cover every match. Pages end there (search.ts allows offsets up to 10,000 anyway).
 */
export const RANK_WINDOW = 10_000;
/** ts_rank weights {D, C, B, A}: body, party, code, title (PostgreSQL §12.3.3). */
const PG_WEIGHTS = '{0.1, 0.3, 0.8, 1.0}';
/** bm25 column weights title, code, party, body, tags (SQLite FTS5 §5.1.1); tags never score. */
const FTS5_WEIGHTS = sql`10.0, 8.0, 3.0, 1.0, 0.0`;
/** The searchable columns of catalog_fts: a query never reaches the tags column by accident. */
const FTS5_TEXT_COLUMNS = '{title code party body}';

/**
 * The `tags` column of catalog_fts (migration 012): the fields the access rule and the filters
 * test, as tokens, so a search with them is answered by the index alone — joining each match to
 * its entry cost 0.8 µs a match, a third of a second for a common word at a million entries.
 * Values are hex so any text is one token; `zo1`/`zo0`: open or controlled; `zyn`: no year.
 */
const FTS5_TAGS = sql`'zo' || (e.open_status = 'open') || ' zu' || lower(hex(e.unit_code)) || ' zf' || lower(hex(e.fonds))
  || ' zc' || lower(hex(e.category)) || ' zr' || lower(hex(e.retention)) || ' zk' || lower(hex(e.classification))
  || ' zy' || coalesce(e.year, 'n')`;
/** Widest year range written as tags; a wider one (or an open-ended one) is tested on the entries. */
const MAX_TAG_YEARS = 200;

const tag = (prefix: string, value: string): string => `"${prefix}${Buffer.from(value, 'utf8').toString('hex')}"`;

/** The access rule and filters as a match on the tags column; undefined when one cannot be (regno, an open year range). */
export function toFts5Tags(filters: CatalogFilters, access: CatalogAccess): string | undefined {
  const parts: string[] = [];
  if (access.kind === 'open') parts.push('"zo1"');
  if (access.kind === 'open-or-unit') parts.push(`("zo1" OR ${tag('zu', access.unitCode)})`);
  if (filters.unitCode !== undefined) parts.push(tag('zu', filters.unitCode));
  if (filters.fonds !== undefined) parts.push(tag('zf', filters.fonds));
  if (filters.category !== undefined) parts.push(tag('zc', filters.category));
  if (filters.retention !== undefined) parts.push(tag('zr', filters.retention));
  if (filters.classification !== undefined) parts.push(tag('zk', filters.classification));
  if (filters.openStatus !== undefined) parts.push(filters.openStatus === 'open' ? '"zo1"' : '"zo0"');
  if (filters.regno !== undefined) return undefined;
  const { yearFrom: from, yearTo: to } = filters;
  if (from !== undefined || to !== undefined) {
    if (from === undefined || to === undefined || to < from || to - from >= MAX_TAG_YEARS) return undefined;
    parts.push(`(${Array.from({ length: to - from + 1 }, (_, i) => `"zy${from + i}"`).join(' OR ')})`);
  }
  return parts.length === 0 ? '' : `tags : (${parts.join(' AND ')})`;
}
const PG_LABEL: Record<SearchColumn, string> = { title: 'A', code: 'B', party: 'C', body: 'D' };
/** PostgreSQL keeps positions up to 16383 (§8.11.1); columns start apart so no phrase spans two. */
const PG_MAX_POSITION = 16383;
const PG_COLUMN_GAP = 64;
const TOKEN = /^[\p{L}\p{N}]+$/u;

function requireToken(t: string): string {
  if (!TOKEN.test(t)) {
    throw new InvalidInputError({ zh: `检索词元无效："${t}"`, en: `invalid search token "${t}"` });
  }
  return t;
}

/** FTS5 query syntax (§3): tokens are letters and digits only, so quoting them needs no escapes. */
export function toFts5(e: SearchExpr): string {
  const phrase = (tokens: readonly string[]): string => `"${tokens.map(requireToken).join(' ')}"`;
  const scoped = (column: SearchColumn | undefined, body: string): string =>
    column === undefined ? body : `${column} : ${body}`;
  switch (e.kind) {
    case 'phrase':
      return scoped(e.column, phrase(e.tokens) + (e.prefix === true ? ' *' : ''));
    case 'near':
      return scoped(e.column, `NEAR(${phrase(e.left)} ${phrase(e.right)}, ${e.gap})`);
    case 'all':
    case 'any':
      return `(${e.parts.map(toFts5).join(e.kind === 'all' ? ' AND ' : ' OR ')})`;
  }
}

/** A tsquery literal (PostgreSQL §8.11.2), cast rather than parsed so no text search parser or locale is involved. */
export function toTsquery(e: SearchExpr): string {
  const lexeme = (t: string, column: SearchColumn | undefined, prefix: boolean): string =>
    `'${requireToken(t)}'${prefix || column !== undefined ? ':' : ''}${prefix ? '*' : ''}${column === undefined ? '' : PG_LABEL[column]}`;
  const phrase = (tokens: readonly string[], column: SearchColumn | undefined, prefix = false): string =>
    `(${tokens.map((t, i) => lexeme(t, column, prefix && i === tokens.length - 1)).join(' <-> ')})`;
  switch (e.kind) {
    case 'phrase':
      return phrase(e.tokens, e.column, e.prefix === true);
    case 'near':
      // <N>: the right phrase starts N positions after the left one ends.
      return `(${phrase(e.left, e.column)} <${e.gap + 1}> ${phrase(e.right, e.column)})`;
    case 'all':
    case 'any':
      return `(${e.parts.map(toTsquery).join(e.kind === 'all' ? ' & ' : ' | ')})`;
  }
}

/** A tsvector literal: each column's tokens with positions and its weight label. */
export function toTsvector(index: IndexTokens): string {
  const positions = new Map<string, string[]>();
  let base = 0;
  for (const column of SEARCH_COLUMNS) {
    const tokens = index[column];
    tokens.forEach((t, i) => {
      const at = Math.min(PG_MAX_POSITION, base + i + 1);
      const list = positions.get(requireToken(t)) ?? [];
      // A lexeme keeps at most 256 positions (§8.11.1); the rest add nothing to matching.
      if (list.length < 256) list.push(`${at}${PG_LABEL[column]}`);
      positions.set(t, list);
    });
    base += tokens.length + PG_COLUMN_GAP;
  }
  return [...positions].map(([t, at]) => `'${t}':${at.join(',')}`).join(' ');
}

type Row = Schema['catalog_entries'];

function toRecord(r: Omit<Row, 'id'> & { id: number }): CatalogEntryRecord {
  return {
    id: Number(r.id),
    unitCode: r.unit_code,
    archivalCode: r.archival_code,
    fonds: r.fonds,
    category: r.category,
    year: r.year === null ? null : Number(r.year),
    itemNumber: r.item_number,
    title: r.title,
    responsible: r.responsible,
    date: r.date,
    documentNumber: r.document_number,
    orgOrIssue: r.org_or_issue,
    retention: r.retention,
    classification: r.classification,
    pages: r.pages === null ? null : Number(r.pages),
    keywords: r.keywords,
    notes: r.notes,
    openStatus: r.open_status === 'controlled' ? 'controlled' : 'open',
    regno: r.regno,
    filePath: r.file_path,
    source: r.source as CatalogEntryRecord['source'],
    holder: r.holder,
    holderEntryId: r.holder_entry_id === null ? null : Number(r.holder_entry_id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(
  e: NewCatalogEntry,
  at: string,
  held: { holder: string; holderEntryId: number | null } = { holder: '', holderEntryId: null },
): Omit<Row, 'id'> {
  return {
    holder: held.holder,
    holder_entry_id: held.holderEntryId,
    unit_code: e.unitCode,
    archival_code: e.archivalCode,
    fonds: e.fonds,
    category: e.category,
    year: e.year,
    item_number: e.itemNumber,
    title: e.title,
    responsible: e.responsible,
    date: e.date,
    document_number: e.documentNumber,
    org_or_issue: e.orgOrIssue,
    retention: e.retention,
    classification: e.classification,
    pages: e.pages,
    keywords: e.keywords,
    notes: e.notes,
    open_status: e.openStatus,
    regno: e.regno,
    file_path: e.filePath,
    source: e.source,
    created_at: at,
    updated_at: at,
  };
}

const FACET_COLUMN: Record<FacetField, keyof Row> = {
  fonds: 'fonds',
  category: 'category',
  year: 'year',
  retention: 'retention',
  openStatus: 'open_status',
  unitCode: 'unit_code',
};

type EntryEb = ExpressionBuilder<Schema & { e: Row }, 'e'>;

/** The filters and the access rule as one condition on the entry `e`. */
function conditions(eb: EntryEb, filters: CatalogFilters, access: CatalogAccess): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (access.kind === 'open') parts.push(eb('e.open_status', '=', 'open'));
  if (access.kind === 'open-or-unit') {
    parts.push(eb.or([eb('e.open_status', '=', 'open'), eb('e.unit_code', '=', access.unitCode)]));
  }
  if (filters.unitCode !== undefined) parts.push(eb('e.unit_code', '=', filters.unitCode));
  if (filters.fonds !== undefined) parts.push(eb('e.fonds', '=', filters.fonds));
  if (filters.category !== undefined) parts.push(eb('e.category', '=', filters.category));
  if (filters.yearFrom !== undefined) parts.push(eb('e.year', '>=', filters.yearFrom));
  if (filters.yearTo !== undefined) parts.push(eb('e.year', '<=', filters.yearTo));
  if (filters.retention !== undefined) parts.push(eb('e.retention', '=', filters.retention));
  if (filters.classification !== undefined) parts.push(eb('e.classification', '=', filters.classification));
  if (filters.openStatus !== undefined) parts.push(eb('e.open_status', '=', filters.openStatus));
  if (filters.regno !== undefined) parts.push(eb('e.regno', '=', filters.regno));
  return eb.and(parts);
}

export function catalogRepository(ctx: RepoContext): CatalogRepository {
  const sqlite = ctx.dialect === 'sqlite';

  /**
   * Replace the index of the given entries (they exist; an earlier index of theirs goes). `fresh`:
   * entries inserted in this transaction, which have none — deleting from a contentless FTS5 table
   * costs as much for a row it lacks, and skipping it made bulk imports much faster.
   */
  const writeIndex = async (
    db: Kysely<Schema>,
    rows: ReadonlyArray<{ id: number; index: IndexTokens }>,
    fresh: ReadonlySet<number> = new Set(),
  ): Promise<void> => {
    if (rows.length === 0) return;
    if (sqlite) {
      const ids = rows.map((r) => r.id).filter((id) => !fresh.has(id));
      if (ids.length > 0) await sql`delete from catalog_fts where rowid in (${sql.join(ids)})`.execute(db);
      const values = rows.map(
        (r) =>
          sql`(${r.id}, ${r.index.title.join(' ')}, ${r.index.code.join(' ')}, ${r.index.party.join(' ')}, ${r.index.body.join(' ')})`,
      );
      // The tags come from the entry as stored, in the same transaction (FTS5_TAGS).
      await sql`insert into catalog_fts (rowid, title, code, party, body, tags)
        select v.column1, v.column2, v.column3, v.column4, v.column5, ${FTS5_TAGS}
        from (values ${sql.join(values)}) v join catalog_entries e on e.id = v.column1`.execute(db);
    } else {
      await db
        .insertInto('catalog_vectors')
        .values(rows.map((r) => ({ entry_id: r.id, vector: sql<string>`${toTsvector(r.index)}::tsvector` })))
        .onConflict((oc) => oc.column('entry_id').doUpdateSet({ vector: (eb) => eb.ref('excluded.vector') }))
        .execute();
    }
  };

  /** FROM the entries `e` joined with the index where the match holds. */
  const matched = (query: CatalogQuery) => {
    const base = ctx.db.selectFrom('catalog_entries as e');
    if (query.match === undefined) return base;
    if (sqlite) {
      return base
        .innerJoin(sql<{ rowid: number }>`catalog_fts`.as('f'), (j) => j.onRef(sql.ref('f.rowid'), '=', 'e.id'))
        .where(sql<SqlBool>`catalog_fts match ${`${FTS5_TEXT_COLUMNS} : (${toFts5(query.match)})`}`);
    }
    return base
      .innerJoin('catalog_vectors as v', 'v.entry_id', 'e.id')
      .where(sql<SqlBool>`v.vector @@ ${toTsquery(query.match)}::tsquery`);
  };

  /** The whole query as one FTS5 match, text and tags, when the index alone can answer it (SQLite). */
  const indexOnly = (query: CatalogQuery): string | undefined => {
    if (!sqlite || query.match === undefined) return undefined;
    const tags = toFts5Tags(query.filters, query.access);
    if (tags === undefined) return undefined;
    return `${FTS5_TEXT_COLUMNS} : (${toFts5(query.match)})${tags === '' ? '' : ` AND ${tags}`}`;
  };

  const countMatches = async (query: CatalogQuery): Promise<number> => {
    const fts = indexOnly(query);
    if (fts !== undefined) {
      const counted = await sql<{
        n: number;
      }>`select count(*) as n from catalog_fts where catalog_fts match ${fts}`.execute(ctx.db);
      return Number(counted.rows[0]?.n ?? 0);
    }
    const where = (eb: EntryEb): Expression<SqlBool> => conditions(eb, query.filters, query.access);
    const row = await matched(query)
      .where(where as never)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  const score = (query: CatalogQuery) => {
    if (query.match === undefined) return sql<number>`0`;
    return sqlite
      ? sql<number>`-bm25(catalog_fts, ${FTS5_WEIGHTS})`
      : sql<number>`ts_rank(${PG_WEIGHTS}::float4[], v.vector, ${toTsquery(query.match)}::tsquery)`;
  };

  return {
    upsert: (rows) =>
      guarded({ zh: '保存目录条目', en: 'save catalog entries' }, async () => {
        const at = timestamp(ctx);
        const ids: number[] = [];
        const updatedIds: number[] = [];
        // One transaction for the call (one commit, one fsync), statements of BATCH rows inside it.
        await ctx.atomic(async (db) => {
          for (let i = 0; i < rows.length; i += BATCH) {
            const batch = rows.slice(i, i + BATCH);
            const batchIds = await (async () => {
              const out = new Array<number>(batch.length);
              // Entries with a 档号: update the unit's entry of that code, else insert.
              const coded = batch.map((r, j) => ({ r, j })).filter(({ r }) => r.entry.archivalCode !== '');
              const uncoded = batch.map((r, j) => ({ r, j })).filter(({ r }) => r.entry.archivalCode === '');
              if (coded.length > 0) {
                const key = (unit: string, code: string): string => `${unit}\u0000${code}`;
                const existing = new Map<string, number>();
                const conds = coded.map(({ r }) => sql`(${r.entry.unitCode}, ${r.entry.archivalCode})`);
                const found = await sql<{ id: number; unit_code: string; archival_code: string }>`
                select id, unit_code, archival_code from catalog_entries
                where archival_code <> '' and holder = '' and (unit_code, archival_code) in (values ${sql.join(conds)})`.execute(
                  db,
                );
                for (const f of found.rows) existing.set(key(f.unit_code, f.archival_code), Number(f.id));
                for (const { r, j } of coded) {
                  const id = existing.get(key(r.entry.unitCode, r.entry.archivalCode));
                  if (id === undefined) continue;
                  const { created_at: _created, open_status: openStatus, ...all } = toRow(r.entry, at);
                  // A row that links no file (a re-imported sheet) keeps the link a deposit made.
                  const { regno: _regno, file_path: _path, source: _source, ...unlinked } = all;
                  const fields = r.entry.regno === null ? unlinked : all;
                  await db
                    .updateTable('catalog_entries')
                    .set(r.keepOpenStatus === true ? fields : { ...fields, open_status: openStatus })
                    .where('id', '=', id)
                    .execute();
                  out[j] = id;
                  updatedIds.push(id);
                }
              }
              const fresh = [...coded, ...uncoded].filter(({ j }) => out[j] === undefined).sort((a, b) => a.j - b.j);
              const freshIds = new Set<number>();
              if (fresh.length > 0) {
                const inserted = await db
                  .insertInto('catalog_entries')
                  .values(fresh.map(({ r }) => toRow(r.entry, at)))
                  .returning('id')
                  .execute();
                // Ids are handed out in VALUES order within one statement: sorted, they line up with `fresh`.
                const newIds = inserted.map((x) => Number(x.id)).sort((a, b) => a - b);
                fresh.forEach(({ j }, k) => (out[j] = newIds[k]!));
                for (const id of newIds) freshIds.add(id);
              }
              const texts = batch.flatMap((r, k) =>
                r.text === undefined
                  ? []
                  : [{ entry_id: out[k]!, text: r.text.text, method: r.text.method, extracted_at: at }],
              );
              if (texts.length > 0) {
                await db
                  .insertInto('catalog_texts')
                  .values(texts)
                  .onConflict((oc) =>
                    oc.column('entry_id').doUpdateSet({
                      text: (eb) => eb.ref('excluded.text'),
                      method: (eb) => eb.ref('excluded.method'),
                      extracted_at: (eb) => eb.ref('excluded.extracted_at'),
                    }),
                  )
                  .execute();
              }
              // In the same transaction: an entry is never visible without its index.
              await writeIndex(
                db,
                batch.map((r, k) => ({ id: out[k]!, index: r.index })),
                freshIds,
              );
              return out;
            })();
            ids.push(...batchIds);
          }
        });
        return { ids, inserted: rows.length - updatedIds.length, updated: updatedIds.length, updatedIds };
      }),

    upsertShared: (holder, rows) =>
      guarded({ zh: `保存 ${holder} 共享的目录`, en: `save the catalog ${holder} shares` }, async () => {
        const at = timestamp(ctx);
        let inserted = 0;
        await ctx.atomic(async (db) => {
          for (let i = 0; i < rows.length; i += BATCH) {
            const batch = rows.slice(i, i + BATCH);
            const found = await db
              .selectFrom('catalog_entries')
              .select(['id', 'holder_entry_id'])
              .where('holder', '=', holder)
              .where(
                'holder_entry_id',
                'in',
                batch.map((r) => r.holderEntryId),
              )
              .execute();
            const existing = new Map(found.map((f) => [Number(f.holder_entry_id), Number(f.id)]));
            const indexed: Array<{ id: number; index: IndexTokens }> = [];
            const freshIds = new Set<number>();
            for (const r of batch) {
              const row = toRow(r.entry, at, { holder, holderEntryId: r.holderEntryId });
              let id = existing.get(r.holderEntryId);
              if (id === undefined) {
                const added = await db
                  .insertInto('catalog_entries')
                  .values(row)
                  .returning('id')
                  .executeTakeFirstOrThrow();
                id = Number(added.id);
                freshIds.add(id);
                inserted++;
              } else {
                const { created_at: _created, ...fields } = row;
                await db.updateTable('catalog_entries').set(fields).where('id', '=', id).execute();
              }
              indexed.push({ id, index: r.index });
            }
            await writeIndex(db, indexed, freshIds);
          }
        });
        return { inserted, updated: rows.length - inserted };
      }),

    withdrawShared: (holder, holderEntryIds) =>
      guarded({ zh: `撤下 ${holder} 不再共享的目录`, en: `withdraw entries ${holder} no longer shares` }, async () => {
        if (holderEntryIds.length === 0) return 0;
        let removed = 0;
        await ctx.atomic(async (db) => {
          for (let i = 0; i < holderEntryIds.length; i += BATCH) {
            const ids = (
              await db
                .selectFrom('catalog_entries')
                .select('id')
                .where('holder', '=', holder)
                .where('holder_entry_id', 'in', holderEntryIds.slice(i, i + BATCH))
                .execute()
            ).map((r) => Number(r.id));
            if (ids.length === 0) continue;
            await db.deleteFrom('access_grants').where('entry_id', 'in', ids).execute();
            await db.deleteFrom('catalog_texts').where('entry_id', 'in', ids).execute();
            if (sqlite) await sql`delete from catalog_fts where rowid in (${sql.join(ids)})`.execute(db);
            else await db.deleteFrom('catalog_vectors').where('entry_id', 'in', ids).execute();
            await db.deleteFrom('catalog_entries').where('id', 'in', ids).execute();
            removed += ids.length;
          }
        });
        return removed;
      }),

    changedSince: (after, limit) =>
      guarded({ zh: '读取变更的目录条目', en: 'read changed catalog entries' }, async () => {
        const rows = await ctx.db
          .selectFrom('catalog_entries as e')
          .selectAll('e')
          .where('e.holder', '=', '')
          .where((eb) =>
            eb.or([
              eb('e.updated_at', '>', after.at),
              eb.and([eb('e.updated_at', '=', after.at), eb('e.id', '>', after.id)]),
            ]),
          )
          .orderBy('e.updated_at')
          .orderBy('e.id')
          .limit(limit)
          .execute();
        return rows.map(toRecord);
      }),

    putIndex: (rows) =>
      guarded({ zh: '更新检索索引', en: 'update the search index' }, async () => {
        for (let i = 0; i < rows.length; i += BATCH) {
          await ctx.atomic((db) => writeIndex(db, rows.slice(i, i + BATCH)));
        }
      }),

    putText: (entryId, text, method, index) =>
      guarded({ zh: '保存全文', en: 'save extracted text' }, async () => {
        const at = timestamp(ctx);
        await ctx.atomic(async (db) => {
          await db
            .insertInto('catalog_texts')
            .values({ entry_id: entryId, text, method, extracted_at: at })
            .onConflict((oc) => oc.column('entry_id').doUpdateSet({ text, method, extracted_at: at }))
            .execute();
          await writeIndex(db, [{ id: entryId, index }]);
        });
      }),

    getByIds: (ids) =>
      guarded({ zh: '读取目录条目', en: 'read catalog entries' }, async () => {
        if (ids.length === 0) return [];
        const rows = await ctx.db
          .selectFrom('catalog_entries')
          .selectAll()
          .where('id', 'in', [...ids])
          .execute();
        const byId = new Map(rows.map((r) => [Number(r.id), toRecord(r)]));
        return ids.flatMap((id) => byId.get(id) ?? []);
      }),

    texts: (ids) =>
      guarded({ zh: '读取全文', en: 'read extracted text' }, async () => {
        if (ids.length === 0) return new Map();
        const rows = await ctx.db
          .selectFrom('catalog_texts')
          .select(['entry_id', 'text'])
          .where('entry_id', 'in', [...ids])
          .execute();
        return new Map(rows.map((r) => [Number(r.entry_id), r.text]));
      }),

    search: (query, page) =>
      guarded({ zh: '检索目录', en: 'search the catalog' }, async () => {
        // The same window for every page, so paging through a large result neither repeats nor skips.
        const window = RANK_WINDOW;
        const fts = indexOnly(query);
        const total = await countMatches(query);
        if (fts !== undefined) {
          let floor = 0;
          if (total > window) {
            const edge = await sql<{ id: number }>`select rowid as id from catalog_fts where catalog_fts match ${fts}
              order by rowid desc limit 1 offset ${window - 1}`.execute(ctx.db);
            floor = Number(edge.rows[0]?.id ?? 0);
          }
          const rows = await sql<{
            id: number;
            score: number;
          }>`select rowid as id, -bm25(catalog_fts, ${FTS5_WEIGHTS}) as score
            from catalog_fts where catalog_fts match ${fts} and rowid >= ${floor}
            order by score desc, rowid limit ${page.limit} offset ${page.offset}`.execute(ctx.db);
          return {
            total,
            hits: rows.rows.map((r) => ({ id: Number(r.id), score: Number(r.score) })),
            ...(total > window ? { rankedWithin: window } : {}),
          };
        }
        const where = (eb: EntryEb): Expression<SqlBool> => conditions(eb, query.filters, query.access);
        const ranked = query.match !== undefined && total > window;
        let floor = 0;
        if (ranked) {
          const edge = await matched(query)
            .where(where as never)
            .select('e.id')
            .orderBy('e.id', 'desc')
            .limit(1)
            .offset(window - 1)
            .executeTakeFirst();
          floor = Number(edge?.id ?? 0);
        }
        let q = matched(query)
          .where(where as never)
          .select(['e.id', score(query).as('score')]);
        if (ranked) q = q.where('e.id', '>=', floor);
        q =
          query.match === undefined
            ? q.orderBy('e.archival_code').orderBy('e.id')
            : q.orderBy('score', 'desc').orderBy('e.id');
        const rows = await q.limit(page.limit).offset(page.offset).execute();
        return {
          total,
          hits: rows.map((r) => ({ id: Number(r.id), score: Number(r.score) })),
          ...(ranked ? { rankedWithin: window } : {}),
        };
      }),

    facets: (query, limit, known) =>
      guarded({ zh: '统计分面', en: 'count facets' }, async () => {
        const where = (eb: EntryEb): Expression<SqlBool> => conditions(eb, query.filters, query.access);
        // One read of the matches, not a GROUP BY per facet: a two-character word can match half a
        // million entries. Above FACET_SAMPLE matches, every k-th entry by id stands for k of them
        // (ids spread over every fonds and year, so the estimate is not skewed the way "the first
        // 5,000" would be by a catalog imported in 档号 order).
        const total = known ?? (await countMatches(query));
        const approximate = total > FACET_SAMPLE;
        const every = approximate ? Math.ceil(total / FACET_SAMPLE) : 1;
        const columns = ['e.fonds', 'e.category', 'e.year', 'e.retention', 'e.open_status', 'e.unit_code'] as const;
        const fts = indexOnly(query);
        let sample: Array<Pick<Row, 'fonds' | 'category' | 'year' | 'retention' | 'open_status' | 'unit_code'>>;
        if (fts !== undefined) {
          // The index picks the sample; only the sampled entries are read.
          let q = ctx.db
            .selectFrom(sql<{ rowid: number }>`catalog_fts`.as('f'))
            .innerJoin('catalog_entries as e', (j) => j.onRef('e.id', '=', sql.ref('f.rowid')))
            .where(sql<SqlBool>`catalog_fts match ${fts}`)
            .select(columns);
          if (approximate) q = q.where(sql<SqlBool>`f.rowid % ${every} = 0`);
          sample = await q.execute();
        } else {
          let q = matched(query)
            .where(where as never)
            .select(columns);
          if (approximate) q = q.where(sql<SqlBool>`e.id % ${every} = 0`);
          sample = await q.execute();
        }
        const scale = sample.length === 0 ? 0 : total / sample.length;
        const out: Partial<Record<FacetField, Array<{ value: string; count: number }>>> = {};
        for (const field of FACET_FIELDS) {
          const column = FACET_COLUMN[field] as keyof (typeof sample)[number];
          const counts = new Map<string, number>();
          for (const r of sample) {
            const v = r[column];
            if (v === null || v === '') continue;
            counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
          }
          out[field] = [...counts]
            .map(([value, n]) => ({ value, count: approximate ? Math.round(n * scale) : n }))
            .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
            .slice(0, limit);
        }
        return { facets: out as Facets, approximate };
      }),

    list: (filters, access, afterId, limit) =>
      guarded({ zh: '列出目录条目', en: 'list catalog entries' }, async () => {
        const rows = await ctx.db
          .selectFrom('catalog_entries as e')
          .selectAll('e')
          .where((eb) => conditions(eb as unknown as EntryEb, filters, access))
          .where('e.id', '>', afterId)
          .orderBy('e.id')
          .limit(limit)
          .execute();
        return rows.map(toRecord);
      }),

    count: () =>
      guarded({ zh: '统计目录条目', en: 'count catalog entries' }, async () =>
        Number(
          (
            await ctx.db
              .selectFrom('catalog_entries')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ),
  };
}
