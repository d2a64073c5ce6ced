import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import type { SearchColumn, SearchExpr } from '../db/index.js';
import { hanBigrams, normalizeText, runTokens, textRuns, type TextRun } from './analyze.js';

/**
 * A search query as people type it: words run together without spaces,
 * clauses separated by spaces (all must match), `"…"` (or “…”) for an exact
 * phrase, and `字段:词` to look in one field (题名:社保, 档号:WS·2020).
 *
 * It is tried in up to three stages, the first that finds anything wins, so
 * a precise query is never diluted by looser readings of it:
 *   1. exact: each clause as a contiguous fragment (a phrase of bigrams);
 *   2. words: each clause cut into words (jieba), all words anywhere in the
 *      field, in any order — "临安区医疗保险办法" finds "临安区…医疗保险实施办法";
 *   3. one wrong character: a fragment of 4+ characters with any one
 *      character replaced — the two bigrams holding it are skipped and the
 *      parts on either side must stand that far apart.
 */

export interface QueryClause {
  readonly column?: SearchColumn;
  /** Normalised text of the clause. */
  readonly text: string;
  /** Quoted: stage 1 only. */
  readonly exact: boolean;
}

export type Stage = 'exact' | 'words' | 'typo';

export interface QueryPlan {
  readonly clauses: readonly QueryClause[];
  /** The stages worth trying, in order, each with what to highlight in hits. */
  readonly stages: ReadonlyArray<{ stage: Stage; match: SearchExpr; highlight: readonly string[] }>;
}

const FIELDS: Readonly<Record<string, SearchColumn>> = {
  题名: 'title',
  标题: 'title',
  title: 'title',
  档号: 'code',
  文号: 'code',
  code: 'code',
  责任者: 'party',
  关键词: 'party',
  主题词: 'party',
  机构: 'party',
  附注: 'party',
  responsible: 'party',
  keywords: 'party',
  全文: 'body',
  正文: 'body',
  text: 'body',
};

/** The longest Han run read with one wrong character (a long title fragment pasted whole). */
const MAX_TYPO_RUN = 40;

let jieba: Jieba | undefined;
/** The segmenter, loaded on first use (~250 ms): only queries that reach stage 2 need it. */
function segmenter(): Jieba {
  return (jieba ??= Jieba.withDict(dict));
}

/** Split a query into clauses: whitespace separates, quotes group, a known `field:` prefix scopes. */
export function parseQuery(query: string): QueryClause[] {
  const clauses: QueryClause[] = [];
  const re = /(?:([\p{L}]+)[:：])?(?:["“”]([^"“”]*)["“”]?|(\S+))/gu;
  for (const m of query.matchAll(re)) {
    const [, field, quoted, bare] = m;
    const column = field === undefined ? undefined : FIELDS[field.toLowerCase()];
    // An unknown prefix is part of the text (a URL, a time like 10:30).
    const raw =
      field !== undefined && column === undefined ? `${field}:${quoted ?? bare ?? ''}` : (quoted ?? bare ?? '');
    const text = normalizeText(raw).trim();
    if (textRuns(text).length === 0) continue;
    clauses.push({ ...(column === undefined ? {} : { column }), text, exact: quoted !== undefined });
  }
  return clauses;
}

const all = (parts: SearchExpr[]): SearchExpr | undefined =>
  parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { kind: 'all', parts };
const any = (parts: SearchExpr[]): SearchExpr | undefined =>
  parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { kind: 'any', parts };

/**
 * A clause as contiguous text. A lone Han character between other runs
 * (区 in "区2019年") has no bigram of its own in the index, so the clause
 * splits there into phrases that must all occur; a clause that is one Han
 * character matches the bigrams it begins.
 */
function exactExpr(clause: QueryClause): SearchExpr | undefined {
  const runs = textRuns(clause.text);
  const first = runs[0];
  if (runs.length === 1 && first?.kind === 'han' && [...first.text].length === 1) {
    return { kind: 'phrase', tokens: [first.text], prefix: true, ...scope(clause) };
  }
  const segments: TextRun[][] = [[]];
  for (const run of runs) {
    if (run.kind === 'han' && [...run.text].length === 1) segments.push([]);
    else segments.at(-1)!.push(run);
  }
  return all(
    segments
      .filter((s) => s.length > 0)
      .map((s) => ({
        kind: 'phrase' as const,
        tokens: s.flatMap(runTokens),
        // A trailing letter/digit run may be cut short: 档号 "RSK-004" finds RSK-0042.
        ...(s.at(-1)!.kind === 'word' && !clause.exact ? { prefix: true } : {}),
        ...scope(clause),
      })),
  );
}

const scope = (clause: QueryClause): { column?: SearchColumn } =>
  clause.column === undefined ? {} : { column: clause.column };

/** The clause's words (jieba), each as a phrase; single Han characters (的, 关, 区) carry too little to require. */
function wordsExpr(clause: QueryClause): { match: SearchExpr; words: string[] } | undefined {
  const words = segmenter()
    .cut(clause.text, false)
    .map((w) => w.trim())
    .filter((w) => {
      const runs = textRuns(w);
      return runs.length > 0 && !(runs.length === 1 && runs[0]!.kind === 'han' && [...runs[0]!.text].length === 1);
    });
  if (words.length < 2) return undefined;
  const match = all(
    words.map((w) => ({ kind: 'phrase' as const, tokens: textRuns(w).flatMap(runTokens), ...scope(clause) })),
  );
  return match === undefined ? undefined : { match, words };
}

/**
 * Readings of a Han run with character i wrong, for each i: the parts on
 * either side, each of two or more characters, with the two bigrams that
 * held character i between them; where one side is shorter, the other side
 * alone if it has three or more characters.
 */
function typoReadings(run: string, clause: QueryClause, oneSided: boolean): { match: SearchExpr; parts: string[] }[] {
  const chars = [...run];
  // Each reading repeats the run: past MAX_TYPO_RUN characters a query of n² tokens buys nothing.
  if (chars.length < 4 || chars.length > MAX_TYPO_RUN) return [];
  const out: { match: SearchExpr; parts: string[] }[] = [];
  for (let i = 0; i < chars.length; i++) {
    const left = chars.slice(0, i).join('');
    const right = chars.slice(i + 1).join('');
    if (i >= 2 && chars.length - i - 1 >= 2) {
      if (oneSided) continue;
      out.push({
        match: { kind: 'near', left: hanBigrams(left), right: hanBigrams(right), gap: 2, ...scope(clause) },
        parts: [left, right],
      });
      continue;
    }
    const rest = i >= 2 ? left : right;
    if (oneSided && [...rest].length >= 3) {
      out.push({ match: { kind: 'phrase', tokens: hanBigrams(rest), ...scope(clause) }, parts: [rest] });
    }
  }
  return out;
}

/** A clause with one wrong character in its longest Han run (4+ characters); the rest as typed. */
function typoExpr(clause: QueryClause, oneSided: boolean): { match: SearchExpr; parts: string[] } | undefined {
  const runs = textRuns(clause.text);
  const longest = runs
    .filter((r) => r.kind === 'han')
    .reduce<TextRun | undefined>(
      (best, r) => (best === undefined || r.text.length > best.text.length ? r : best),
      undefined,
    );
  if (longest === undefined) return undefined;
  const readings = typoReadings(longest.text, clause, oneSided);
  if (readings.length === 0) return undefined;
  const others = runs.filter((r) => r !== longest);
  const rest = others.map((r) => exactExpr({ ...clause, text: r.text })).filter((e) => e !== undefined);
  const match = all([any(readings.map((r) => r.match))!, ...rest]);
  return match === undefined
    ? undefined
    : { match, parts: [...readings.flatMap((r) => r.parts), ...others.map((r) => r.text)] };
}

/** Plan the stages for a query; no stages when it holds no letters, digits or Han characters. */
export function planQuery(query: string): QueryPlan {
  const clauses = parseQuery(query);
  const stages: QueryPlan['stages'][number][] = [];
  const exact = clauses.map(exactExpr);
  const exactMatch = all(exact.filter((e) => e !== undefined));
  if (exactMatch === undefined) return { clauses, stages };
  stages.push({ stage: 'exact', match: exactMatch, highlight: clauses.map((c) => c.text) });
  if (clauses.every((c) => c.exact)) return { clauses, stages };

  const typo = (oneSided: boolean): void => {
    const typos = clauses.map((c) => (c.exact ? undefined : typoExpr(c, oneSided)));
    if (!typos.some((t) => t !== undefined)) return;
    const match = all(clauses.map((c, i) => typos[i]?.match ?? exact[i]!).filter((e) => e !== undefined));
    if (match !== undefined) {
      stages.push({ stage: 'typo', match, highlight: clauses.flatMap((c, i) => typos[i]?.parts ?? [c.text]) });
    }
  };
  // One wrong character with both sides of it in place is a precise reading: tried before the
  // looser word reading. One side alone (an error near an end) is the loosest, and comes last.
  typo(false);
  const words = clauses.map((c) => (c.exact ? undefined : wordsExpr(c)));
  if (words.some((w) => w !== undefined)) {
    const match = all(clauses.map((c, i) => words[i]?.match ?? exact[i]!).filter((e) => e !== undefined));
    if (match !== undefined) {
      stages.push({
        stage: 'words',
        match,
        highlight: clauses.flatMap((c, i) => words[i]?.words ?? [c.text]),
      });
    }
  }
  typo(true);
  return { clauses, stages };
}
