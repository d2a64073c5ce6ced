import type { CatalogAccess, CatalogEntryRecord, CatalogFilters, CatalogRepository, Facets } from '../db/index.js';
import { InvalidInputError } from '../core/index.js';
import { normalizeText } from './analyze.js';
import { planQuery, type Stage } from './query.js';

export interface SearchRequest {
  readonly query: string;
  readonly filters?: CatalogFilters;
  readonly access: CatalogAccess;
  /** Hits per page (1–100, default 10) and the page's first hit (0-based). */
  readonly limit?: number;
  readonly offset?: number;
  /** Count the hits by fonds, category, year, retention, open status and unit (default true). */
  readonly facets?: boolean;
}

export interface SearchHit {
  readonly id: number;
  readonly archivalCode: string;
  readonly title: string;
  readonly unitCode: string;
  readonly year: number | null;
  readonly openStatus: 'open' | 'controlled';
  readonly score: number;
  /** The title with the matched text in <mark>…</mark>, HTML-escaped. */
  readonly titleHtml: string;
  /** Where else the query matched (full text, 责任者, 文号 …), a short HTML-escaped excerpt with <mark>; '' if only the title. */
  readonly snippet: string;
  readonly entry: CatalogEntryRecord;
}

export interface SearchResult {
  readonly query: string;
  readonly total: number;
  /** Which reading of the query found the hits (see query.ts); 'browse' when there was no text to search. */
  readonly stage: Stage | 'browse';
  readonly hits: readonly SearchHit[];
  readonly facets?: Facets;
  /** The facet counts are estimated from a sample of the hits (there are more than 2,000). */
  readonly facetsApproximate?: boolean;
  /**
   * Set when more entries matched than are ranked (db RANK_WINDOW): the hits are the best of the
   * newest this many matches. `total` and the facets still cover every match.
   */
  readonly rankedWithin?: number;
  /** `total` is an estimate from a sample of the index (PostgreSQL, above 20,000 matches): show it as "about". */
  readonly totalEstimated?: boolean;
  readonly limit: number;
  readonly offset: number;
}

const MAX_LIMIT = 100;
/** Longer than any title a person would type; also bounds the size of the readings of query.ts. */
const MAX_QUERY = 200;
/** Deeper than this a person refines the query instead; it also bounds the cost of OFFSET. */
const MAX_OFFSET = 10_000;
const FACET_VALUES = 20;

/**
 * Search the catalog as `access` allows. The access rule is part of the SQL,
 * so an entry the searcher may not see is never read: not in the hits, not
 * in the counts, not in the facets, not in a snippet.
 */
export async function searchCatalog(repo: CatalogRepository, request: SearchRequest): Promise<SearchResult> {
  const limit = request.limit ?? 10;
  const offset = request.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidInputError({ zh: `每页条数应为 1–${MAX_LIMIT}`, en: `limit must be 1–${MAX_LIMIT}` });
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) {
    throw new InvalidInputError({
      zh: `翻页过深（最多第 ${MAX_OFFSET} 条），请增加检索词或筛选条件`,
      en: `offset must be 0–${MAX_OFFSET}; narrow the query instead`,
    });
  }
  if (request.query.length > MAX_QUERY) {
    throw new InvalidInputError({
      zh: `检索词过长（最多 ${MAX_QUERY} 个字符），请缩短后重试`,
      en: `the query is too long (at most ${MAX_QUERY} characters)`,
    });
  }
  const filters = request.filters ?? {};
  const plan = planQuery(request.query);
  let stage: SearchResult['stage'] = 'browse';
  let highlight: readonly string[] = [];
  let query: Parameters<CatalogRepository['search']>[0] = { filters, access: request.access };
  let found: Awaited<ReturnType<CatalogRepository['search']>> = { total: 0, hits: [] };
  if (plan.stages.length === 0) {
    found = await repo.search(query, { limit, offset });
  } else {
    for (const s of plan.stages) {
      query = { match: s.match, filters, access: request.access };
      found = await repo.search(query, { limit, offset });
      stage = s.stage;
      highlight = s.highlight;
      if (found.total > 0) break;
    }
  }
  const ids = found.hits.map((h) => h.id);
  const [entries, texts] = await Promise.all([repo.getByIds(ids), repo.texts(ids)]);
  const byId = new Map(entries.map((e) => [e.id, e]));
  const hits = found.hits.flatMap((h) => {
    const entry = byId.get(h.id);
    if (entry === undefined) return []; // removed between the two reads
    return [
      {
        id: entry.id,
        archivalCode: entry.archivalCode,
        title: entry.title,
        unitCode: entry.unitCode,
        year: entry.year,
        openStatus: entry.openStatus,
        score: h.score,
        titleHtml: highlightHtml(entry.title, highlight),
        snippet: snippetFor(entry, texts.get(entry.id), highlight),
        entry,
      },
    ];
  });
  const facets = request.facets === false ? undefined : await repo.facets(query, FACET_VALUES, found.total);
  return {
    query: request.query,
    total: found.total,
    ...(found.rankedWithin === undefined ? {} : { rankedWithin: found.rankedWithin }),
    ...(found.totalEstimated === true ? { totalEstimated: true } : {}),
    stage,
    hits,
    ...(facets === undefined ? {} : { facets: facets.facets, facetsApproximate: facets.approximate }),
    limit,
    offset,
  };
}

/** Filters as the CLI and the HTTP API name them (`unit` for unitCode), with the absent ones left out. */
export function catalogFilters(given: {
  unit?: string | undefined;
  fonds?: string | undefined;
  category?: string | undefined;
  yearFrom?: number | undefined;
  yearTo?: number | undefined;
  retention?: string | undefined;
  openStatus?: 'open' | 'controlled' | undefined;
}): CatalogFilters {
  // Picked by name: the caller's object may carry other options (paging, output flags).
  const named = {
    unitCode: given.unit,
    fonds: given.fonds,
    category: given.category,
    yearFrom: given.yearFrom,
    yearTo: given.yearTo,
    retention: given.retention,
    openStatus: given.openStatus,
  };
  return Object.fromEntries(Object.entries(named).filter(([, v]) => v !== undefined));
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Text normalised character by character (as the index sees it), with where
 * each normalised character came from, so a match found in normalised text
 * (simplified, half-width, lower case) is marked in the original.
 */
function normalizedWithOrigins(text: string): { norm: string; from: number[] } {
  let norm = '';
  const from: number[] = [];
  let at = 0;
  for (const ch of text) {
    const n = normalizeText(ch);
    for (let k = 0; k < n.length; k++) from.push(at);
    norm += n;
    at += ch.length;
  }
  from.push(at);
  return { norm, from };
}

/** Original-text ranges [start, end) where any of `terms` occurs, merged. */
function matchRanges(text: string, terms: readonly string[]): Array<[number, number]> {
  const { norm, from } = normalizedWithOrigins(text);
  const ranges: Array<[number, number]> = [];
  for (const term of terms) {
    if (term === '') continue;
    for (let i = norm.indexOf(term); i >= 0; i = norm.indexOf(term, i + term.length)) {
      ranges.push([from[i]!, from[i + term.length]!]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

function markRanges(text: string, ranges: ReadonlyArray<[number, number]>, start = 0, end = text.length): string {
  let out = '';
  let at = start;
  for (const [a, b] of ranges) {
    if (b <= start || a >= end) continue;
    out +=
      escapeHtml(text.slice(at, Math.max(at, a))) +
      '<mark>' +
      escapeHtml(text.slice(Math.max(at, a), Math.min(b, end))) +
      '</mark>';
    at = Math.min(b, end);
  }
  return out + escapeHtml(text.slice(at, end));
}

export function highlightHtml(text: string, terms: readonly string[]): string {
  return markRanges(text, matchRanges(text, terms));
}

const SNIPPET_CONTEXT = 30;
/** Full texts can be long: matches are looked for near the start only. */
const SNIPPET_SCAN = 20_000;

/** An excerpt where the query matched outside the title: full text first, then the descriptive fields. */
function snippetFor(entry: CatalogEntryRecord, text: string | undefined, terms: readonly string[]): string {
  const sources = [text?.slice(0, SNIPPET_SCAN), entry.responsible, entry.documentNumber, entry.keywords, entry.notes];
  for (const source of sources) {
    if (source === undefined || source === '') continue;
    const ranges = matchRanges(source, terms);
    const first = ranges[0];
    if (first === undefined) continue;
    const start = Math.max(0, first[0] - SNIPPET_CONTEXT);
    const end = Math.min(source.length, first[1] + SNIPPET_CONTEXT * 2);
    return (start > 0 ? '…' : '') + markRanges(source, ranges, start, end) + (end < source.length ? '…' : '');
  }
  return '';
}
