import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { guarded } from '../db-errors.js';
import type { Schema } from '../schema.js';
import type {
  CatalogAccess,
  CatalogEntryRecord,
  CatalogFilters,
  CatalogQuery,
  CatalogRepository,
  FacetField,
  Facets,
  IndexTokens,
  NewCatalogEntry,
} from './catalog-model.js';
import { FACET_FIELDS } from './catalog-model.js';
import {
  FTS5_TAGS,
  FTS5_WEIGHTS,
  PG_TAGS,
  PG_WEIGHTS,
  toFts5Tags,
  toFts5Text,
  toTsquery,
  toTsqueryTags,
  toTsvector,
} from './catalog-match.js';
import { timestamp, type RepoContext } from './context.js';

export * from './catalog-model.js';
export { toFts5, toFts5Tags, toTsquery, toTsqueryTags, toTsvector } from './catalog-match.js';

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
/**
 * PostgreSQL: above this many matches, the count and the facets are estimated from a sample of
 * the index's pages (TABLESAMPLE SYSTEM, the same pages every time). GIN finds 350,000 matches in
 * 0.1 s, but counting them visits every heap page they are on (GIN has no index-only scans):
 * 0.6 s, and as long again for the facets. SQLite's FTS5 counts from the index and stays exact.
 */
export const PG_EXACT_COUNT = 20_000;
/** Index rows a PostgreSQL estimate reads: 2% of a million-entry catalog. */
const PG_SAMPLE_ROWS = 20_000;

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
      const values = rows.map((r) => sql`(${r.id}::bigint, ${toTsvector(r.index)})`);
      // The tags come from the entry as stored, in the same transaction (PG_TAGS).
      await sql`insert into catalog_vectors (entry_id, vector)
        select v.id, v.vector::tsvector || ${PG_TAGS}
        from (values ${sql.join(values)}) as v (id, vector) join catalog_entries e on e.id = v.id
        on conflict (entry_id) do update set vector = excluded.vector`.execute(db);
    }
  };

  /** FROM the entries `e` joined with the index where the match holds. */
  const matched = (query: CatalogQuery) => {
    const base = ctx.db.selectFrom('catalog_entries as e');
    if (query.match === undefined) return base;
    if (sqlite) {
      return base
        .innerJoin(sql<{ rowid: number }>`catalog_fts`.as('f'), (j) => j.onRef(sql.ref('f.rowid'), '=', 'e.id'))
        .where(sql<SqlBool>`catalog_fts match ${toFts5Text(query.match)}`);
    }
    return base
      .innerJoin('catalog_vectors as v', 'v.entry_id', 'e.id')
      .where(sql<SqlBool>`v.vector @@ ${toTsquery(query.match)}::tsquery`);
  };

  /**
   * The query asked of the index alone — text and tags (catalog-match.ts), no entry read — when
   * tags can say its access rule and filters. `score` weighs the text (ts_rank is given the text
   * query alone; bm25 is given the tags too: keeping them out with a second FTS5 cursor measured no
   * faster at a million entries, and as a rowid IN list SQLite ran one full-text query per row).
   */
  const indexOnly = (
    query: CatalogQuery,
  ):
    | {
        table: RawBuilder<unknown>;
        where: RawBuilder<SqlBool>;
        score: RawBuilder<number>;
      }
    | undefined => {
    if (query.match === undefined) return undefined;
    if (sqlite) {
      const tags = toFts5Tags(query.filters, query.access);
      if (tags === undefined) return undefined;
      const text = toFts5Text(query.match);
      const all = tags === '' ? text : `${text} AND ${tags}`;
      return {
        table: sql`catalog_fts`,
        where: sql`catalog_fts match ${all}`,
        score: sql<number>`-bm25(catalog_fts, ${FTS5_WEIGHTS})`,
      };
    }
    const tags = toTsqueryTags(query.filters, query.access);
    if (tags === undefined) return undefined;
    const text = toTsquery(query.match);
    const all = tags === '' ? text : `(${text}) & ${tags}`;
    return {
      table: sql`catalog_vectors`,
      where: sql`vector @@ ${all}::tsquery`,
      score: sql<number>`ts_rank(${PG_WEIGHTS}::float4[], vector, ${text}::tsquery)`,
    };
  };
  /** The index's entry id column, qualified. */
  const indexId = sqlite ? sql`catalog_fts.rowid` : sql`catalog_vectors.entry_id`;

  /** The share of PostgreSQL's index pages an estimate reads, in percent (ids are dense enough to size it). */
  const samplePercent = async (): Promise<number> => {
    const r = await sql<{ n: number | null }>`select max(entry_id) as n from catalog_vectors`.execute(ctx.db);
    return Math.min(100, (PG_SAMPLE_ROWS / Math.max(1, Number(r.rows[0]?.n ?? 1))) * 100);
  };
  const pageSample = (percent: number): RawBuilder<unknown> =>
    sql`catalog_vectors tablesample system (${percent}) repeatable (0)`;

  /** How many entries match; `estimated` when PostgreSQL counted a page sample (PG_EXACT_COUNT). */
  const countMatches = async (query: CatalogQuery): Promise<{ total: number; estimated: boolean }> => {
    const index = indexOnly(query);
    if (index !== undefined && sqlite) {
      const counted = await sql<{ n: number }>`select count(*) as n from ${index.table} where ${index.where}`.execute(
        ctx.db,
      );
      return { total: Number(counted.rows[0]?.n ?? 0), estimated: false };
    }
    if (index !== undefined) {
      const capped = await sql<{ n: number }>`select count(*) as n from
        (select 1 from catalog_vectors where ${index.where} limit ${PG_EXACT_COUNT + 1}) as m`.execute(ctx.db);
      const exact = Number(capped.rows[0]?.n ?? 0);
      if (exact <= PG_EXACT_COUNT) return { total: exact, estimated: false };
      const percent = await samplePercent();
      const sampled = await sql<{ n: number }>`select count(*) as n from ${pageSample(percent)}
        where ${index.where}`.execute(ctx.db);
      const estimate = Math.round((Number(sampled.rows[0]?.n ?? 0) * 100) / percent);
      return { total: Math.max(PG_EXACT_COUNT + 1, estimate), estimated: true };
    }
    const where = (eb: EntryEb): Expression<SqlBool> => conditions(eb, query.filters, query.access);
    const row = await matched(query)
      .where(where as never)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { total: Number(row.n), estimated: false };
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
        const index = indexOnly(query);
        const { total, estimated } = await countMatches(query);
        const counted = estimated ? { totalEstimated: true } : {};
        if (index !== undefined) {
          let floor = 0;
          if (total > window) {
            const edge = await sql<{ id: number }>`select ${indexId} as id from ${index.table} where ${index.where}
              order by ${indexId} desc limit 1 offset ${window - 1}`.execute(ctx.db);
            floor = Number(edge.rows[0]?.id ?? 0);
          }
          const rows = await sql<{ id: number; score: number }>`select ${indexId} as id, ${index.score} as score
            from ${index.table} where ${index.where} and ${indexId} >= ${floor}
            order by score desc, ${indexId} limit ${page.limit} offset ${page.offset}`.execute(ctx.db);
          return {
            total,
            hits: rows.rows.map((r) => ({ id: Number(r.id), score: Number(r.score) })),
            ...(total > window ? { rankedWithin: window } : {}),
            ...counted,
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
          ...counted,
        };
      }),

    facets: (query, limit, known) =>
      guarded({ zh: '统计分面', en: 'count facets' }, async () => {
        const where = (eb: EntryEb): Expression<SqlBool> => conditions(eb, query.filters, query.access);
        // One read of the matches, not a GROUP BY per facet: a two-character word can match half a
        // million entries. Above FACET_SAMPLE matches, every k-th entry by id stands for k of them
        // (ids spread over every fonds and year, so the estimate is not skewed the way "the first
        // 5,000" would be by a catalog imported in 档号 order).
        const total = known ?? (await countMatches(query)).total;
        const approximate = total > FACET_SAMPLE;
        const every = approximate ? Math.ceil(total / FACET_SAMPLE) : 1;
        const columns = ['e.fonds', 'e.category', 'e.year', 'e.retention', 'e.open_status', 'e.unit_code'] as const;
        const index = indexOnly(query);
        let sample: Array<Pick<Row, 'fonds' | 'category' | 'year' | 'retention' | 'open_status' | 'unit_code'>>;
        if (index !== undefined) {
          // The index picks the sample; only the sampled entries are read. Where PostgreSQL estimated
          // the count, from the same page sample (reading every match is what is slow).
          const estimated = !sqlite && total > PG_EXACT_COUNT;
          const source = estimated ? pageSample(await samplePercent()) : index.table;
          const stride = approximate && !estimated ? sql`and ${indexId} % ${every} = 0` : sql``;
          const sampled = await sql<(typeof sample)[number]>`select e.fonds, e.category, e.year, e.retention,
            e.open_status, e.unit_code from ${source} join catalog_entries e on e.id = ${indexId}
            where ${index.where} ${stride}`.execute(ctx.db);
          sample = sampled.rows;
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
