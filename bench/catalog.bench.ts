/**
 * Catalog scale (issue 8 item 7): `npx tsx bench/catalog.bench.ts [--entries N] [--database URL]`.
 *
 * Generates N catalog entries (default 1,000,000; the generator of the search
 * evaluation, catalog fields only), writes them as a CSV with Chinese headings,
 * imports it with `yinji catalog import`'s code into a throwaway SQLite
 * database (or the database given), then times searches as the public search
 * page makes them (10 hits, with facets): common two-character words (large
 * result sets), title fragments, fragments with one wrong character, 档号
 * fragments, and deep pages. Targets: import ≥ 20,000 entries/s; search p95
 * < 100 ms. Results go to bench/results/<date>-catalog-<dialect>.json.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FIELD_HEADINGS, FIELD_ORDER, importCatalog, searchCatalog } from '../src/catalog/index.js';
import { writeCsv } from '../src/packages/table/index.js';
import { openDatabase } from '../src/db/index.js';
import { saveResults } from './results.js';
import { generateCatalog, Rng, type GeneratedEntry } from './search-eval/catalog-generator.js';

const SEED = 20261207;
const { values } = parseArgs({
  options: { entries: { type: 'string', default: '1000000' }, database: { type: 'string' } },
});
const count = Number(values.entries);

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function* rows(entries: readonly GeneratedEntry[]): Generator<string[]> {
  yield FIELD_ORDER.map((f) => FIELD_HEADINGS[f]);
  for (const e of entries) {
    yield FIELD_ORDER.map((f) => {
      if (f === 'openStatus') return e.openStatus === 'open' ? '开放' : '控制';
      const v = e[f];
      return v === undefined ? '' : String(v);
    });
  }
}

/** Query strings of each kind, drawn from the data with a fixed seed. */
function sampleQueries(entries: readonly GeneratedEntry[], rng: Rng): Record<string, string[]> {
  const pick = (): GeneratedEntry => entries[Math.floor(rng.next() * entries.length)]!;
  const han = (s: string): string => s.replace(/[^\p{Script=Han}]/gu, '');
  const fragment = (min: number, max: number): string => {
    for (;;) {
      const t = han(pick().title);
      const n = min + Math.floor(rng.next() * (max - min + 1));
      if (t.length < n + 2) continue;
      const at = 1 + Math.floor(rng.next() * (t.length - n - 1));
      return t.slice(at, at + n);
    }
  };
  const common = ['通知', '工作', '管理', '关于', '报告', '建设', '会议', '实施', '方案', '年度'];
  return {
    'common word': Array.from({ length: 50 }, (_, i) => common[i % common.length]!),
    'title fragment': Array.from({ length: 50 }, () => fragment(4, 8)),
    'one wrong character': Array.from({ length: 50 }, () => {
      const f = [...fragment(6, 8)];
      f[2] = '的' === f[2] ? '地' : '的';
      return f.join('');
    }),
    '档号 fragment': Array.from({ length: 50 }, () => pick().archivalCode!.split('-').slice(1, 3).join('-')),
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'yinji-catalog-bench-'));
  const db = await openDatabase({ url: values.database ?? `sqlite:${join(dir, 'catalog.db')}` });
  try {
    await db.migrate();
    let t0 = performance.now();
    const entries = generateCatalog({ count, seed: SEED });
    log(`generated ${count.toLocaleString('en')} entries in ${round((performance.now() - t0) / 1000)} s`);
    const csv = join(dir, 'catalog.csv');
    const out = createWriteStream(csv);
    await writeCsv(rows(entries), out);
    log(`CSV ${round((await stat(csv)).size / 1e6)} MB`);

    t0 = performance.now();
    const report = await importCatalog(db.catalog, csv, {
      unitCode: 'BENCH',
      onProgress: (n) => {
        if (n % 100_000 === 0) log(`  imported ${n.toLocaleString('en')}`);
      },
    });
    const importSeconds = (performance.now() - t0) / 1000;
    log(
      `import: ${report.imported.toLocaleString('en')} entries (${report.rejected} refused) in ${round(importSeconds)} s = ${Math.round(report.rows / importSeconds).toLocaleString('en')}/s`,
    );

    const queries = sampleQueries(entries, new Rng(SEED));
    const search = async (query: string, offset = 0): Promise<number> => {
      const started = performance.now();
      await searchCatalog(db.catalog, { query, access: { kind: 'open' }, limit: 10, offset });
      return performance.now() - started;
    };
    for (const q of queries['title fragment']!.slice(0, 10)) await search(q); // warm the caches
    const latency: Record<string, { p50: number; p95: number; max: number }> = {};
    const all: number[] = [];
    const kinds: Array<[string, string[], number]> = [
      ...Object.entries(queries).map(([k, qs]) => [k, qs, 0] as [string, string[], number]),
      ['common word, page 101', queries['common word']!, 1000],
    ];
    for (const [kind, qs, offset] of kinds) {
      const times: number[] = [];
      for (const q of qs) times.push(await search(q, offset));
      times.sort((a, b) => a - b);
      all.push(...times);
      latency[kind] = {
        p50: round(percentile(times, 50)),
        p95: round(percentile(times, 95)),
        max: round(times.at(-1)!),
      };
      log(`  ${kind.padEnd(24)} p50 ${latency[kind].p50} ms  p95 ${latency[kind].p95} ms  max ${latency[kind].max} ms`);
    }
    all.sort((a, b) => a - b);
    const result = {
      bench: 'catalog',
      database: db.dialect,
      entries: count,
      import: {
        seconds: round(importSeconds),
        entriesPerSecond: Math.round(report.rows / importSeconds),
        refused: report.rejected,
      },
      search: {
        queries: all.length,
        p50: round(percentile(all, 50)),
        p95: round(percentile(all, 95)),
        byKind: latency,
      },
    };
    console.log(JSON.stringify(result));
    log(`saved ${await saveResults(`catalog-${db.dialect}`, result)}`);
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
