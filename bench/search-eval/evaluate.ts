/**
 * Precision and recall at k of a search over the labelled queries.
 *
 * For one query, with R = its relevant set and T = the first k keys the
 * search returned:
 *
 *   precision@k = |R ∩ T| / |T|, and 0 when T is empty: returning nothing for
 *                 a query that has answers is a failure, not a free pass;
 *   recall@k    = |R ∩ T| / min(|R|, k): a search cannot be asked to return
 *                 more than k, so finding k of 15 relevant entries is recall 1.
 *
 * A key returned twice occupies two places in T but counts once in R ∩ T, so
 * duplicates cost precision. The reported figures are the means over the
 * queries (overall and per kind; 0 when there are no queries).
 */
import type { LabelledQuery } from './queries.js';

export interface EvalResult {
  readonly queries: number;
  readonly precisionAt10: number; // mean over queries
  readonly recallAt10: number; // mean over queries
  readonly byKind: Readonly<Record<string, { queries: number; precisionAt10: number; recallAt10: number }>>;
  readonly failures: ReadonlyArray<{
    id: string;
    kind: string;
    query: string;
    precision: number;
    recall: number;
    missing: string[];
    extra: string[];
  }>;
}

type Failure = EvalResult['failures'][number];

interface Scored {
  readonly query: LabelledQuery;
  readonly precision: number;
  readonly recall: number;
  readonly missing: string[];
  readonly extra: string[];
}

/** Scores one query's results (see the module comment for the definitions). */
export function scoreQuery(relevant: readonly string[], returned: readonly string[], k = 10): Omit<Scored, 'query'> {
  const r = new Set(relevant);
  const top = returned.slice(0, k);
  const hits = new Set(top.filter((key) => r.has(key)));
  const precision = top.length === 0 ? 0 : hits.size / top.length;
  const recall = r.size === 0 ? 0 : hits.size / Math.min(r.size, k);
  const returnedSet = new Set(top);
  return {
    precision,
    recall,
    missing: relevant.filter((key) => !returnedSet.has(key)),
    extra: [...new Set(top.filter((key) => !r.has(key)))],
  };
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

function summarise(scored: readonly Scored[]): { queries: number; precisionAt10: number; recallAt10: number } {
  return {
    queries: scored.length,
    precisionAt10: mean(scored.map((s) => s.precision)),
    recallAt10: mean(scored.map((s) => s.recall)),
  };
}

/** `search` returns entry keys, best first (it may return more than k; only the first k count). */
export async function evaluate(
  queries: readonly LabelledQuery[],
  search: (q: LabelledQuery) => Promise<readonly string[]>,
  k = 10,
): Promise<EvalResult> {
  const scored: Scored[] = [];
  // One query at a time: a search under test should not have to cope with concurrency to be measured.
  for (const query of queries) {
    scored.push({ query, ...scoreQuery(query.relevant, await search(query), k) });
  }
  const kinds = [...new Set(queries.map((q) => q.kind))];
  const byKind = Object.fromEntries(
    kinds.map((kind) => [kind, summarise(scored.filter((s) => s.query.kind === kind))]),
  );
  const failures: Failure[] = scored
    .filter((s) => s.precision < 1 || s.recall < 1)
    // Worst first: lowest precision + recall, then by id so the order is stable.
    .sort((a, b) => a.precision + a.recall - (b.precision + b.recall) || a.query.id.localeCompare(b.query.id))
    .map((s) => ({
      id: s.query.id,
      kind: s.query.kind,
      query: s.query.query,
      precision: s.precision,
      recall: s.recall,
      missing: s.missing,
      extra: s.extra,
    }));
  const overall = summarise(scored);
  return {
    queries: overall.queries,
    precisionAt10: overall.precisionAt10,
    recallAt10: overall.recallAt10,
    byKind,
    failures,
  };
}
