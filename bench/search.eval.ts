/**
 * Search quality (issue 8 item 4): `npm run eval:search [-- --entries N] [-- --database URL]`.
 *
 * Generates the labelled evaluation set (bench/search-eval: 20,000 realistic
 * catalog entries with full text and ≥ 250 queries of eleven kinds — exact and
 * partial titles, words out of order, one wrong character, traditional
 * characters, 档号 fragments, names, 文号, field queries, filters, full
 * text — whose relevant entries are computed from the data by brute force),
 * loads it into a throwaway SQLite database (or the database given), and
 * prints precision and recall at 10 overall and per kind, with the failures.
 * Target: both ≥ 0.90. Results go to bench/results/<date>-search-eval.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { entryIndex, searchCatalog, toNewEntry } from '../src/catalog/index.js';
import { openDatabase, type CatalogFilters } from '../src/db/index.js';
import { saveResults } from './results.js';
import { generateCatalog } from './search-eval/catalog-generator.js';
import { evaluate } from './search-eval/evaluate.js';
import { generateQueries, type LabelledQuery } from './search-eval/queries.js';

const SEED = 20261207;

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '20000' }, database: { type: 'string' } },
});
const count = Number(values.entries);

function filtersOf(q: LabelledQuery): CatalogFilters {
  const f = q.filters ?? {};
  return {
    ...(f.fonds === undefined ? {} : { fonds: f.fonds }),
    ...(f.category === undefined ? {} : { category: f.category }),
    ...(f.yearFrom === undefined ? {} : { yearFrom: f.yearFrom }),
    ...(f.yearTo === undefined ? {} : { yearTo: f.yearTo }),
    ...(f.retention === undefined ? {} : { retention: f.retention }),
    ...(f.openStatus === undefined ? {} : { openStatus: f.openStatus }),
  };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  let t0 = performance.now();
  const entries = generateCatalog({ count, seed: SEED });
  const queries = generateQueries(entries, { seed: SEED });
  const generateSeconds = (performance.now() - t0) / 1000;

  const dir = await mkdtemp(join(tmpdir(), 'yinji-search-eval-'));
  const db = await openDatabase({ url: values.database ?? `sqlite:${join(dir, 'eval.db')}` });
  try {
    await db.migrate();
    t0 = performance.now();
    const keyOf = new Map<number, string>();
    const BATCH = 1000;
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH).map(({ key: _key, unitCode, text, ...fields }) => {
        const entry = toNewEntry(fields, unitCode, 'import');
        return { entry, index: entryIndex(entry, text), text: { text, method: 'text' as const } };
      });
      const { ids } = await db.catalog.upsert(batch);
      ids.forEach((id, k) => keyOf.set(id, entries[i + k]!.key));
    }
    const loadSeconds = (performance.now() - t0) / 1000;

    const times: number[] = [];
    const result = await evaluate(queries, async (q) => {
      const started = performance.now();
      const r = await searchCatalog(db.catalog, {
        query: q.query,
        filters: filtersOf(q),
        access: { kind: 'all' },
        limit: 10,
        facets: false,
      });
      times.push(performance.now() - started);
      return r.hits.map((h) => keyOf.get(h.id)!);
    });
    times.sort((a, b) => a - b);
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    const summary = {
      bench: 'search-eval',
      database: db.dialect,
      entries: entries.length,
      queries: result.queries,
      precisionAt10: round(result.precisionAt10),
      recallAt10: round(result.recallAt10),
      byKind: Object.fromEntries(
        Object.entries(result.byKind).map(([k, v]) => [
          k,
          { queries: v.queries, precisionAt10: round(v.precisionAt10), recallAt10: round(v.recallAt10) },
        ]),
      ),
      generateSeconds: round(generateSeconds),
      loadSeconds: round(loadSeconds),
      loadEntriesPerSecond: Math.round(entries.length / loadSeconds),
      queryMs: { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), max: round(times.at(-1) ?? 0) },
      failures: result.failures.slice(0, 20),
    };
    console.log(
      `precision@10 ${summary.precisionAt10}  recall@10 ${summary.recallAt10}  (${summary.queries} queries over ${summary.entries} entries, ${db.dialect})`,
    );
    for (const [k, v] of Object.entries(summary.byKind)) {
      console.log(
        `  ${k.padEnd(14)} ${String(v.queries).padStart(3)}  P ${v.precisionAt10.toFixed(3)}  R ${v.recallAt10.toFixed(3)}`,
      );
    }
    console.log(
      `load ${summary.loadEntriesPerSecond} entries/s; query p50 ${summary.queryMs.p50} ms, p95 ${summary.queryMs.p95} ms`,
    );
    for (const f of summary.failures.slice(0, 10)) {
      console.log(`  miss ${f.id} ${f.kind} "${f.query}" P ${f.precision.toFixed(2)} R ${f.recall.toFixed(2)}`);
    }
    process.stderr.write(`saved ${await saveResults(`search-eval-${db.dialect}`, summary)}\n`);
    if (summary.precisionAt10 < 0.9 || summary.recallAt10 < 0.9) process.exitCode = 1;
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
