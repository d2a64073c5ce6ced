/**
 * The search index's own languages, written from the analyser's tokens: the
 * FTS5 query syntax and PostgreSQL's tsquery and tsvector literals, and the
 * tag tokens that carry the access rule and the filters into the index, so
 * a search can be answered without reading the entries.
 */
import { sql } from 'kysely';
import { InvalidInputError } from '../../core/index.js';
import { SEARCH_COLUMNS } from './catalog-model.js';
import type { CatalogAccess, CatalogFilters, IndexTokens, SearchColumn, SearchExpr } from './catalog-model.js';

/** ts_rank weights {D, C, B, A}: body, party, code, title (PostgreSQL §12.3.3). */
export const PG_WEIGHTS = '{0.1, 0.3, 0.8, 1.0}';
/** bm25 column weights title, code, party, body, tags (SQLite FTS5 §5.1.1); tags never score. */
export const FTS5_WEIGHTS = sql`10.0, 8.0, 3.0, 1.0, 0.0`;
/** The searchable columns of catalog_fts: a query never reaches the tags column by accident. */
const FTS5_TEXT_COLUMNS = '{title code party body}';

/*
 * Tags: the fields the access rule and the filters test, as tokens of the
 * index, so a search with them is answered by the index alone — joining each
 * match to its entry cost 0.8 µs a match on SQLite, a third of a second for a
 * common word at a million entries, and more on PostgreSQL. Values are hex, so
 * any text is one token; `zo1`/`zo0`: open or controlled; `zyn`: no year.
 * Written from the entry as stored, in the transaction that stores it.
 */

/** The tags as the `tags` column of catalog_fts (SQLite, migration 012). */
export const FTS5_TAGS = sql`'zo' || (e.open_status = 'open') || ' zu' || lower(hex(e.unit_code)) || ' zf' || lower(hex(e.fonds))
  || ' zc' || lower(hex(e.category)) || ' zr' || lower(hex(e.retention)) || ' zk' || lower(hex(e.classification))
  || ' zy' || coalesce(e.year, 'n')`;

/**
 * The tags as unpositioned lexemes added to catalog_vectors.vector (PostgreSQL, migration 013).
 * Unpositioned lexemes match a query of any weight, so they start with '#', which no query
 * token can hold (requireToken): a search for "zo1" finds no tag.
 */
export const PG_TAGS = sql`array_to_tsvector(array[
  case when e.open_status = 'open' then '#zo1' else '#zo0' end,
  '#zu' || encode(convert_to(e.unit_code, 'UTF8'), 'hex'), '#zf' || encode(convert_to(e.fonds, 'UTF8'), 'hex'),
  '#zc' || encode(convert_to(e.category, 'UTF8'), 'hex'), '#zr' || encode(convert_to(e.retention, 'UTF8'), 'hex'),
  '#zk' || encode(convert_to(e.classification, 'UTF8'), 'hex'), '#zy' || coalesce(e.year::text, 'n')])`;

/** Widest year range written as tags; a wider one (or an open-ended one) is tested on the entries. */
const MAX_TAG_YEARS = 200;

const hex = (value: string): string => Buffer.from(value, 'utf8').toString('hex');

/**
 * The access rule and the filters as tags: every clause must hold, each by any of its tokens.
 * Undefined when tags cannot say them (a registration, an open-ended year range).
 */
function tagClauses(filters: CatalogFilters, access: CatalogAccess): string[][] | undefined {
  const clauses: string[][] = [];
  if (access.kind === 'open') clauses.push(['zo1']);
  if (access.kind === 'open-or-unit') clauses.push(['zo1', `zu${hex(access.unitCode)}`]);
  if (filters.unitCode !== undefined) clauses.push([`zu${hex(filters.unitCode)}`]);
  if (filters.fonds !== undefined) clauses.push([`zf${hex(filters.fonds)}`]);
  if (filters.category !== undefined) clauses.push([`zc${hex(filters.category)}`]);
  if (filters.retention !== undefined) clauses.push([`zr${hex(filters.retention)}`]);
  if (filters.classification !== undefined) clauses.push([`zk${hex(filters.classification)}`]);
  if (filters.openStatus !== undefined) clauses.push([filters.openStatus === 'open' ? 'zo1' : 'zo0']);
  if (filters.regno !== undefined) return undefined;
  const { yearFrom: from, yearTo: to } = filters;
  if (from !== undefined || to !== undefined) {
    if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to)) return undefined;
    if (to < from || to - from >= MAX_TAG_YEARS) return undefined;
    clauses.push(Array.from({ length: to - from + 1 }, (_, i) => `zy${from + i}`));
  }
  return clauses;
}

/** The tags as an FTS5 match on the tags column; '' when nothing is asked, undefined when tags cannot say it. */
export function toFts5Tags(filters: CatalogFilters, access: CatalogAccess): string | undefined {
  const clauses = tagClauses(filters, access);
  if (clauses === undefined) return undefined;
  const any = (c: string[]): string => (c.length === 1 ? `"${c[0]}"` : `(${c.map((t) => `"${t}"`).join(' OR ')})`);
  return clauses.length === 0 ? '' : `tags : (${clauses.map(any).join(' AND ')})`;
}

/** The tags as a tsquery; '' when nothing is asked, undefined when tags cannot say it. */
export function toTsqueryTags(filters: CatalogFilters, access: CatalogAccess): string | undefined {
  const clauses = tagClauses(filters, access);
  if (clauses === undefined) return undefined;
  const any = (c: string[]): string => (c.length === 1 ? `'#${c[0]}'` : `(${c.map((t) => `'#${t}'`).join(' | ')})`);
  return clauses.map(any).join(' & ');
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

/** The text part of an FTS5 match, kept to the searchable columns. */
export function toFts5Text(e: SearchExpr): string {
  return `${FTS5_TEXT_COLUMNS} : (${toFts5(e)})`;
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
