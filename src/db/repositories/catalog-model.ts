/**
 * The catalog's records and the repository's contract (issue 8): entries,
 * their index tokens, what a search matches, who is looking.
 */
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
  ): Promise<{
    total: number;
    hits: Array<{ id: number; score: number }>;
    rankedWithin?: number;
    /** `total` is estimated from a sample (PostgreSQL, above PG_EXACT_COUNT matches). */
    totalEstimated?: boolean;
  }>;
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
