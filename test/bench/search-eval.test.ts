/**
 * The search evaluation set (bench/search-eval): the catalog and the queries
 * are reproducible from the seed, and every label is what its rule says. The
 * rules are recomputed here independently (own normalisation, own searchable
 * text, plain loops), so a slip in queries.ts cannot hide behind itself.
 */
import { createHash } from 'node:crypto';
import { Converter } from 'opencc-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCatalog, type GeneratedEntry } from '../../bench/search-eval/catalog-generator.js';
import { evaluate } from '../../bench/search-eval/evaluate.js';
import {
  generateQueries,
  QUERY_KINDS,
  TRADITIONAL,
  type LabelledQuery,
  type QueryFilters,
} from '../../bench/search-eval/queries.js';

const SEED = 20261207;
const COUNT = 20_000;

/**
 * OpenCC as an independent oracle for the traditional queries. opencc-js's
 * typings import './core' without an extension, which NodeNext cannot
 * resolve, so the converter's type is pinned here.
 */
type Convert = (text: string) => string;
const simplifiedToTaiwan: Convert = Converter({ from: 'cn', to: 'tw' });
const taiwanToSimplified: Convert = Converter({ from: 'tw', to: 'cn' });

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

// --- The relevance rules, written again from the brief -----------------------------------------

const norm = (s: string) => s.normalize('NFKC').toLowerCase();

/** The searchable fields of an entry, normalised (computed once per entry: the rules run 20,000 × 275 times). */
const searchableCache = new WeakMap<GeneratedEntry, string[]>();
function searchable(e: GeneratedEntry): string[] {
  let fields = searchableCache.get(e);
  if (!fields) {
    fields = [e.title, e.archivalCode, e.responsible, e.documentNumber, e.keywords, e.orgOrIssue, e.notes, e.text].map(
      (f) => norm(f ?? ''),
    );
    searchableCache.set(e, fields);
  }
  return fields;
}

/** Whether any searchable field contains `needle`, which is already normalised. */
const contains = (e: GeneratedEntry, needle: string) => searchable(e).some((f) => f.includes(needle));

function filtersHold(e: GeneratedEntry, f: QueryFilters): boolean {
  if (f.fonds !== undefined && e.fonds !== f.fonds) return false;
  if (f.yearFrom !== undefined && e.year! < f.yearFrom) return false;
  if (f.yearTo !== undefined && e.year! > f.yearTo) return false;
  if (f.retention !== undefined && e.retention !== f.retention) return false;
  if (f.category !== undefined && e.category !== f.category) return false;
  if (f.openStatus !== undefined && e.openStatus !== f.openStatus) return false;
  return true;
}

/** A value the query's note records ("words=a+b", "original=…", "simplified=…"). */
function noted(q: LabelledQuery, name: string): string {
  const value = new RegExp(`${name}=([^;\\s]+)`).exec(q.note)?.[1];
  if (!value) throw new Error(`${q.id}: no ${name}= in note "${q.note}"`);
  return value;
}

/** The relevance rule of each kind, as a predicate on one entry. */
function rule(q: LabelledQuery): (e: GeneratedEntry) => boolean {
  const nq = norm(q.query);
  switch (q.kind) {
    case 'title-exact':
      return (e) => norm(e.title) === nq || contains(e, nq);
    case 'title-partial':
    case 'responsible':
    case 'doc-number':
    case 'full-text':
      return (e) => contains(e, nq);
    case 'title-words': {
      const words = noted(q, 'words').split('+').map(norm);
      return (e) => words.every((w) => contains(e, w));
    }
    case 'typo': {
      const original = norm(noted(q, 'original'));
      return (e) => contains(e, original);
    }
    case 'traditional': {
      const simplified = norm(noted(q, 'simplified'));
      return (e) => contains(e, simplified);
    }
    case 'code-fragment':
      return (e) => (e.archivalCode ?? '').toLowerCase().includes(q.query.toLowerCase());
    case 'field': {
      const [, name = '', value = ''] = /^(题名|责任者):(.+)$/.exec(q.query) ?? [];
      const needle = norm(value);
      if (name === '题名') return (e) => norm(e.title).includes(needle);
      if (name === '责任者') return (e) => norm(e.responsible ?? '').includes(needle);
      throw new Error(`${q.id}: field query without a known field: ${q.query}`);
    }
    case 'filtered':
      return (e) => contains(e, nq) && filtersHold(e, q.filters ?? {});
  }
}

const ARCHIVAL_CODE = /^J\d{3}-(WS|KJ|KU|SX)·(\d{4})-(Y|D30|D10)-[A-Z]{3}-(\d{4})$/;
const RETENTION = { Y: '永久', D30: '定期30年', D10: '定期10年' } as const;

// -----------------------------------------------------------------------------------------------

let entries: GeneratedEntry[];
let queries: LabelledQuery[];
let byKey: Map<string, GeneratedEntry>;

beforeAll(() => {
  entries = generateCatalog({ count: COUNT, seed: SEED });
  queries = generateQueries(entries, { seed: SEED });
  byKey = new Map(entries.map((e) => [e.key, e]));
});

describe('catalog generator', () => {
  it('generates 20,000 entries with stable keys', () => {
    expect(entries).toHaveLength(COUNT);
    expect(entries[0]!.key).toBe('E000001');
    expect(entries[COUNT - 1]!.key).toBe('E020000');
    expect(new Set(entries.map((e) => e.key)).size).toBe(COUNT);
  });

  it('is reproducible from the seed, and another seed gives another catalog', () => {
    expect(digest(generateCatalog({ count: COUNT, seed: SEED }))).toBe(digest(entries));
    expect(digest(generateCatalog({ count: COUNT, seed: SEED + 1 }))).not.toBe(digest(entries));
  });

  it('writes archival codes in the DA/T 13-2022 pattern, unique and consistent with the other fields', () => {
    // Problems are collected and compared with [] at the end: 20,000 × 10 expect() calls would be slow.
    const problems: string[] = [];
    for (const e of entries) {
      const m = ARCHIVAL_CODE.exec(e.archivalCode ?? '');
      if (!m) {
        problems.push(`${e.key}: ${e.archivalCode} does not match`);
        continue;
      }
      const [, category, year, retention, item] = m;
      const consistent =
        e.archivalCode!.startsWith(`${e.fonds}-`) &&
        category === e.category &&
        Number(year) === e.year &&
        e.retention === RETENTION[retention as keyof typeof RETENTION] &&
        item === e.itemNumber &&
        e.date!.startsWith(`${e.year}-`) &&
        e.year >= 1995 &&
        e.year <= 2025;
      if (!consistent) problems.push(`${e.key}: ${e.archivalCode} disagrees with its fields`);
    }
    expect(problems).toEqual([]);
    expect(new Set(entries.map((e) => e.archivalCode)).size).toBe(COUNT);
  });

  it('fills the other fields realistically', () => {
    const open = entries.filter((e) => e.openStatus === 'open');
    expect(open.length / COUNT).toBeGreaterThan(0.7);
    expect(open.length / COUNT).toBeLessThan(0.8);
    expect(open.every((e) => e.classification === '公开')).toBe(true);
    const controlled = entries.filter((e) => e.openStatus === 'controlled');
    expect(controlled.filter((e) => e.classification === '内部').length / controlled.length).toBeGreaterThan(0.8);
    expect(new Set(entries.map((e) => e.fonds)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(entries.map((e) => e.title)).size / COUNT).toBeGreaterThan(0.8);
    const problems = entries
      .filter((e) => {
        const keywords = e.keywords!.split('；').length;
        return (
          e.pages! < 1 ||
          e.pages! > 60 ||
          keywords < 2 ||
          keywords > 4 ||
          !/^\d{9}$/.test(e.unitCode) ||
          e.text.length < 20 ||
          /\s/.test(e.title)
        );
      })
      .map((e) => e.key);
    expect(problems).toEqual([]);
    expect(entries.filter((e) => e.category === 'WS').length / COUNT).toBeGreaterThan(0.7);
    expect(new Set(entries.map((e) => e.category))).toEqual(new Set(['WS', 'KJ', 'KU', 'SX']));
    expect(entries.some((e) => (e.responsible ?? '').includes('；'))).toBe(true);
  });
});

describe('labelled queries', () => {
  it('has every kind, at least 20 each and 200 in all, with unique ids and queries', () => {
    for (const kind of QUERY_KINDS) {
      expect(queries.filter((q) => q.kind === kind).length, kind).toBeGreaterThanOrEqual(20);
    }
    expect(queries.length).toBeGreaterThanOrEqual(200);
    expect(new Set(queries.map((q) => q.id)).size).toBe(queries.length);
    expect(queries[0]!.id).toBe('Q001');
    const keys = queries.map((q) => `${norm(q.query)}|${JSON.stringify(q.filters ?? {})}`);
    expect(new Set(keys).size).toBe(queries.length);
  });

  it('every query is typed text of 2+ characters with 1–10 relevant entries that exist', () => {
    for (const q of queries) {
      expect(q.query.length, q.id).toBeGreaterThanOrEqual(2);
      expect(q.query, q.id).not.toMatch(/\s/);
      expect(q.relevant.length, q.id).toBeGreaterThanOrEqual(1);
      expect(q.relevant.length, q.id).toBeLessThanOrEqual(10);
      expect(new Set(q.relevant).size, q.id).toBe(q.relevant.length);
      for (const key of q.relevant) expect(byKey.has(key), `${q.id} ${key}`).toBe(true);
    }
  });

  it('labels equal the brute-force result of the stated rule, recomputed independently', () => {
    for (const q of queries) {
      const matches = rule(q);
      const expected = entries.filter((e) => matches(e)).map((e) => e.key);
      expect([...q.relevant].sort(), `${q.id} ${q.kind} ${q.query}`).toEqual(expected.sort());
    }
  });

  it('is reproducible from the seed, and another seed gives other queries', () => {
    expect(digest(generateQueries(entries, { seed: SEED }))).toBe(digest(queries));
    expect(digest(generateQueries(entries, { seed: SEED + 1, perKind: 5 }))).not.toBe(
      digest(generateQueries(entries, { seed: SEED, perKind: 5 })),
    );
  });

  it('title-words queries join words of one title that are not contiguous in it', () => {
    for (const q of queries.filter((x) => x.kind === 'title-words')) {
      const words = noted(q, 'words').split('+');
      const source = byKey.get(/E\d{6}/.exec(q.note)![0])!;
      expect(words.length).toBeGreaterThanOrEqual(2);
      expect(words.length).toBeLessThanOrEqual(3);
      expect(words.join('')).toBe(q.query);
      for (const w of words) expect(source.title).toContain(w);
      expect(source.title).not.toContain(q.query);
    }
  });

  it('typo queries change one inner character and occur in no entry', () => {
    const texts = entries.map((e) => searchable(e).join('\u0001'));
    for (const q of queries.filter((x) => x.kind === 'typo')) {
      const original = [...noted(q, 'original')];
      const typed = [...q.query];
      expect(typed.length).toBe(original.length);
      const changed = typed.map((ch, i) => i).filter((i) => typed[i] !== original[i]);
      expect(changed, q.id).toHaveLength(1);
      expect(changed[0]).toBeGreaterThan(0);
      expect(changed[0]).toBeLessThan(typed.length - 1);
      const needle = norm(q.query);
      expect(
        texts.some((t) => t.includes(needle)),
        q.id,
      ).toBe(false);
    }
  });

  it('traditional queries are the traditional form of their simplified source, with 2+ changed characters', () => {
    for (const q of queries.filter((x) => x.kind === 'traditional')) {
      const simplified = noted(q, 'simplified');
      expect(q.query).not.toBe(simplified);
      const changed = [...q.query].filter((ch, i) => ch !== [...simplified][i]);
      expect(changed.length, q.id).toBeGreaterThanOrEqual(2);
      // The hand-written table agrees with OpenCC both ways.
      expect(simplifiedToTaiwan(simplified), q.id).toBe(q.query);
      expect(taiwanToSimplified(q.query), q.id).toBe(simplified);
    }
  });

  it('the simplified→traditional table has 150+ pairs, each as OpenCC converts the character', () => {
    expect(TRADITIONAL.size).toBeGreaterThanOrEqual(150);
    for (const [s, t] of TRADITIONAL) expect(simplifiedToTaiwan(s), s).toBe(t);
  });

  it('code fragments start at a segment boundary and are 8–16 characters', () => {
    for (const q of queries.filter((x) => x.kind === 'code-fragment')) {
      expect(q.query.length).toBeGreaterThanOrEqual(8);
      expect(q.query.length).toBeLessThanOrEqual(16);
      const code = /of (\S+)$/.exec(q.note)![1]!;
      const at = code.indexOf(q.query);
      expect(at, q.id).toBeGreaterThanOrEqual(0);
      expect(at === 0 || '-·'.includes(code[at - 1]!), q.id).toBe(true);
    }
  });

  it('filtered queries use a common word that the filters cut to 1–10', () => {
    for (const q of queries.filter((x) => x.kind === 'filtered')) {
      expect(q.filters, q.id).toBeDefined();
      const unfiltered = entries.filter((e) => contains(e, norm(q.query))).length;
      expect(unfiltered, q.id).toBeGreaterThanOrEqual(11);
      expect(unfiltered, q.id).toBeLessThanOrEqual(200);
      const f = q.filters!;
      if (f.yearFrom !== undefined) expect(f.yearTo! - f.yearFrom + 1).toBeLessThanOrEqual(3);
    }
  });
});

describe('evaluate', () => {
  it('gives 1/1 for a perfect search and no failures', async () => {
    const result = await evaluate(queries, async (q) => q.relevant);
    expect(result.queries).toBe(queries.length);
    expect(result.precisionAt10).toBe(1);
    expect(result.recallAt10).toBe(1);
    expect(result.failures).toEqual([]);
    for (const kind of QUERY_KINDS) expect(result.byKind[kind]).toMatchObject({ precisionAt10: 1, recallAt10: 1 });
  });

  it('gives 0/0 for a search that returns nothing', async () => {
    const result = await evaluate(queries, async () => []);
    expect(result.precisionAt10).toBe(0);
    expect(result.recallAt10).toBe(0);
    expect(result.failures).toHaveLength(queries.length);
  });

  it('gives the fractions worked out by hand for a mixed search', async () => {
    const q = (id: string, kind: LabelledQuery['kind'], relevant: string[]): LabelledQuery => ({
      id,
      kind,
      query: id,
      relevant,
      note: '',
    });
    const twelve = Array.from({ length: 12 }, (_, i) => `K${i + 1}`);
    const hand = [
      q('Q1', 'title-partial', ['A', 'B', 'C', 'D']),
      q('Q2', 'title-partial', ['E']),
      q('Q3', 'filtered', twelve),
    ];
    const answers: Record<string, string[]> = {
      // 2 of 4 returned are relevant; 2 of the 4 relevant found: P = 2/4, R = 2/4.
      Q1: ['A', 'X', 'B', 'Y'],
      // 1 of 4 returned is relevant; the only relevant found: P = 1/4, R = 1/1.
      Q2: ['E', 'F', 'G', 'H'],
      // Only the first 10 count (K10 is 11th): 9 of 10 relevant; R = 9 / min(12, 10).
      Q3: [...twelve.slice(0, 9), 'X', 'K10'],
    };
    const result = await evaluate(hand, async (x) => answers[x.id]!);
    expect(result.precisionAt10).toBeCloseTo((0.5 + 0.25 + 0.9) / 3, 12); // 0.55
    expect(result.recallAt10).toBeCloseTo((0.5 + 1 + 0.9) / 3, 12); // 0.8
    expect(result.byKind['title-partial']!.precisionAt10).toBeCloseTo(0.375, 12);
    expect(result.byKind['title-partial']!.recallAt10).toBeCloseTo(0.75, 12);
    expect(result.byKind.filtered).toEqual({ queries: 1, precisionAt10: 0.9, recallAt10: 0.9 });
    expect(result.failures.map((f) => f.id)).toEqual(['Q1', 'Q2', 'Q3']);
    expect(result.failures[0]).toEqual({
      id: 'Q1',
      kind: 'title-partial',
      query: 'Q1',
      precision: 0.5,
      recall: 0.5,
      missing: ['C', 'D'],
      extra: ['X', 'Y'],
    });
  });

  it('counts a key returned twice once, at the cost of precision', async () => {
    const result = await evaluate(
      [{ id: 'Q1', kind: 'responsible', query: '张伟', relevant: ['A', 'B'], note: '' }],
      async () => ['A', 'A'],
    );
    expect(result.precisionAt10).toBe(0.5);
    expect(result.recallAt10).toBe(0.5);
  });
});
