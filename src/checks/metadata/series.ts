/**
 * Record-set rules over a catalog: which 件号 series a record belongs to,
 * gaps and repeats in a series, duplicate records.
 */
import type { CatalogRecord } from '../types.js';
import {
  archivalCodeSeries,
  parseArchivalCode,
  type ArchivalCode,
  type ArchivalCodeGrammar,
  type ArchivalCodeResult,
} from '../../core/archival-code/index.js';
import { OBSOLETE_RETENTION_VALUES, RETENTION_VALUES } from './fields.js';

const value = (r: CatalogRecord, field: string): string => r.fields[field] ?? '';

/**
 * Parses by grammar and record, so the several items that read a record's
 * 档号 parse it once (records and grammars are immutable; entries go with them).
 */
const parsed = new WeakMap<ArchivalCodeGrammar, WeakMap<CatalogRecord, ArchivalCodeResult | undefined>>();

/** The record's 档号 parsed with `grammar`; undefined when it has none. */
export function parseRecordCode(r: CatalogRecord, grammar: ArchivalCodeGrammar): ArchivalCodeResult | undefined {
  let byRecord = parsed.get(grammar);
  if (byRecord === undefined) parsed.set(grammar, (byRecord = new WeakMap()));
  if (byRecord.has(r)) return byRecord.get(r);
  const raw = value(r, '档号');
  const result = raw === '' ? undefined : parseArchivalCode(raw, grammar);
  byRecord.set(r, result);
  return result;
}

/** The record's 档号 as parsed: cleanly, or the best reading of a code with problems; undefined when unreadable. */
export function codeOf(r: CatalogRecord, grammar: ArchivalCodeGrammar): ArchivalCode | undefined {
  return parseRecordCode(r, grammar)?.code;
}

export interface SeriesMember {
  readonly record: CatalogRecord;
  /** 件号 as a number. */
  readonly number: number;
  /** 件号 as written (for its width). */
  readonly written: string;
}

/**
 * Records grouped by the series their 件号 counts in (DA/T 22-2015: 件号 is
 * numbered within 全宗·门类·年度·保管期限·机构（问题）, and in a volume within
 * the volume): from the 档号 where it reads, else — for a catalog without
 * 档号 — from the 全宗号, 门类代码, 年度, 保管期限, 机构或问题 and 件号 columns.
 * A record whose 档号 does not parse is left out (item 1-7 reports it).
 */
export function seriesOf(records: readonly CatalogRecord[], grammar: ArchivalCodeGrammar): Map<string, SeriesMember[]> {
  const series = new Map<string, SeriesMember[]>();
  const add = (key: string, member: SeriesMember) => {
    const list = series.get(key);
    if (list === undefined) series.set(key, [member]);
    else list.push(member);
  };
  for (const record of records) {
    const raw = value(record, '档号');
    if (raw !== '') {
      const code = codeOf(record, grammar);
      if (code !== undefined) add(archivalCodeSeries(code), { record, number: code.itemNumber, written: code.item });
      continue;
    }
    const item = value(record, '件号');
    if (!/^\d+$/u.test(item)) continue;
    const retention = value(record, '保管期限');
    const parts = [
      value(record, '门类代码'),
      value(record, '年度'),
      RETENTION_VALUES[retention] ?? OBSOLETE_RETENTION_VALUES[retention] ?? retention,
      value(record, '机构或问题'),
    ];
    add(`${value(record, '全宗号')}-${parts.filter((p) => p !== '').join('·')}`, {
      record,
      number: Number(item),
      written: item,
    });
  }
  return series;
}

export interface Gap {
  readonly from: number;
  readonly to: number;
  /** The first record after the gap (the one an archivist looks at). */
  readonly before: CatalogRecord;
}

/** Gaps in a series' numbers counted from 1, and numbers used more than once. */
export function gapsAndRepeats(members: readonly SeriesMember[]): {
  gaps: Gap[];
  repeats: { number: number; records: CatalogRecord[] }[];
} {
  const sorted = [...members].sort((a, b) => a.number - b.number);
  const gaps: Gap[] = [];
  const repeats: { number: number; records: CatalogRecord[] }[] = [];
  let expected = 1;
  for (let i = 0; i < sorted.length; i++) {
    const m = sorted[i];
    if (m === undefined) continue;
    if (m.number > expected) gaps.push({ from: expected, to: m.number - 1, before: m.record });
    const same = [m];
    while (sorted[i + 1]?.number === m.number) same.push(sorted[++i] as SeriesMember);
    if (same.length > 1) repeats.push({ number: m.number, records: same.map((s) => s.record) });
    expected = Math.max(expected, m.number + 1);
  }
  return { gaps, repeats };
}

/** Records sharing a key, in catalog order, for every key used more than once. */
export function duplicatesBy(
  records: readonly CatalogRecord[],
  keyOf: (r: CatalogRecord) => string | undefined,
): CatalogRecord[][] {
  const groups = new Map<string, CatalogRecord[]>();
  for (const r of records) {
    const key = keyOf(r);
    if (key === undefined) continue;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [r]);
    else list.push(r);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}
