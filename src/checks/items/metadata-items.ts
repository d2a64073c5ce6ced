/**
 * Items about the catalog metadata a package carries (DA/T 70-2018 1-2 … 1-8,
 * 2-3, 2-4, 2-6, 3-2, 4-4): small pure functions of `view.catalog` and
 * `view.settings`. Without a catalog they do not apply. Readers live in
 * ../metadata/ (catalog.ts, archival-code.ts); the rules each item applies
 * are explained where they are defined.
 */
import { systemClock, type Clock } from '../../core/index.js';
import { RECORD_CLASSES, parseArchivalCode, type ArchivalCodeGrammar } from '../../core/archival-code/index.js';
import { canonicalField, classifiedLevel } from '../metadata/fields.js';
import { checkCodeAgreement, checkReasonable, latestDate } from '../metadata/consistency-checks.js';
import {
  checkDomain,
  checkIllegalCharacters,
  checkLength,
  checkType,
  recordFinding,
} from '../metadata/value-checks.js';
import { codeOf, duplicatesBy, gapsAndRepeats, parseRecordCode, seriesOf } from '../metadata/series.js';
import type { CatalogRecord, CheckItem, DepositView, Finding, ItemVerdict } from '../types.js';

export { DEFAULT_MANDATORY_FIELDS, FIELD_MAX_LENGTHS } from '../metadata/fields.js';

const ALL = ['GD', 'YJ', 'BC'] as const;

export interface MetadataItemOptions {
  /** "Now" for dates in the future and the latest plausible year. Default the system clock. */
  readonly clock?: Clock;
  /** The center's 档号 grammar (levels, department part, classes …). Default DA/T 13-2022 as in archival-code.ts. */
  readonly grammar?: ArchivalCodeGrammar;
  /** Longest value per field; default FIELD_MAX_LENGTHS. */
  readonly maxLengths?: Readonly<Record<string, number>>;
}

const NO_CATALOG: ItemVerdict = {
  notApplicable: { zh: '登记包中没有目录文件', en: 'the package has no catalog file' },
};

const value = (r: CatalogRecord, field: string): string => r.fields[field] ?? '';

/** An item over the catalog's records; not applicable when the package has none. */
function catalogItem(
  def: Omit<CheckItem, 'run' | 'stages'> & { stages?: CheckItem['stages'] },
  run: (records: readonly CatalogRecord[], view: DepositView) => Finding[] | ItemVerdict,
): CheckItem {
  return {
    ...def,
    stages: def.stages ?? ALL,
    run: (view) => {
      if (view.catalog.sources.length === 0) return NO_CATALOG;
      const out = run(view.catalog.records, view);
      return Array.isArray(out) ? { findings: out } : out;
    },
  };
}

/** Canonical names of the catalog's columns (or, for metadata without headings, of the fields records carry). */
function columnsOf(view: DepositView): Set<string> {
  if (view.catalog.columns.length > 0) return new Set(view.catalog.columns.map(canonicalField));
  return new Set(view.catalog.records.flatMap((r) => Object.keys(r.fields)));
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function makeMetadataItems(options: MetadataItemOptions = {}): readonly CheckItem[] {
  const clock = options.clock ?? systemClock;
  // One grammar object per year, so parsed codes are shared between items (series.ts parseRecordCode).
  let current: { year: number; grammar: ArchivalCodeGrammar } | undefined;
  // "Now" is when the check runs (view.checkedAt), so the items stay pure; the clock serves hand-built views.
  const nowOf = (view: DepositView): Date => (view.checkedAt !== undefined ? new Date(view.checkedAt) : clock.now());
  const grammarNow = (now: Date): ArchivalCodeGrammar => {
    const year = Number(latestDate(now).slice(0, 4));
    if (current?.year !== year) current = { year, grammar: Object.freeze({ maxYear: year, ...options.grammar }) };
    return current.grammar;
  };
  const classes = options.grammar?.recordClasses ?? Object.keys(RECORD_CLASSES);
  return [
    catalogItem(
      {
        key: 'field-length',
        property: 1,
        number: 2,
        title: { zh: '元数据项长度符合要求', en: 'metadata field lengths within limits' },
      },
      (records) => records.flatMap((r) => checkLength(r, options.maxLengths)),
    ),
    catalogItem(
      {
        key: 'field-type',
        property: 1,
        number: 3,
        title: { zh: '元数据项数据类型与格式正确', en: 'metadata data types and formats' },
      },
      (records) => records.flatMap(checkType),
    ),
    catalogItem(
      {
        key: 'field-domain',
        property: 1,
        number: 4,
        title: { zh: '元数据项值域符合要求', en: 'metadata values within their domain' },
      },
      (records) => records.flatMap((r) => checkDomain(r, classes)),
    ),
    catalogItem(
      {
        key: 'field-reasonable',
        property: 1,
        number: 5,
        title: { zh: '元数据项值合理', en: 'metadata values reasonable' },
      },
      (records, view) => {
        const now = nowOf(view);
        const grammar = grammarNow(now);
        return records.flatMap((r) => checkReasonable(r, now, grammar));
      },
    ),
    catalogItem(
      {
        key: 'illegal-characters',
        property: 1,
        number: 6,
        title: { zh: '元数据项无非法字符', en: 'no illegal characters in metadata' },
      },
      (records) => records.flatMap(checkIllegalCharacters),
    ),
    catalogItem(
      {
        key: 'archival-code',
        property: 1,
        number: 7,
        title: { zh: '档号规范', en: 'archival code (档号) well formed' },
      },
      (records, view) => {
        if (!columnsOf(view).has('档号')) {
          return { notApplicable: { zh: '目录中没有档号列', en: 'the catalog has no 档号 column' } };
        }
        const grammar = grammarNow(nowOf(view));
        return records.flatMap((r) => {
          const raw = value(r, '档号');
          if (raw === '') return []; // a missing 档号 is item 2-4's
          const result = parseRecordCode(r, grammar) ?? parseArchivalCode(raw, grammar);
          const parse = result.ok
            ? []
            : [
                recordFinding(
                  r,
                  {
                    zh: `档号 “${raw}” 不规范：${result.problems.map((p) => p.zh).join('；')}`,
                    en: `archival code "${raw}" is not well formed: ${result.problems.map((p) => p.en).join('; ')}`,
                  },
                  { problems: result.problems.map((p) => p.kind) },
                ),
              ];
          return [...parse, ...checkCodeAgreement(r, grammar)];
        });
      },
    ),
    catalogItem(
      { key: 'no-duplicates', property: 1, number: 8, title: { zh: '元数据无重复', en: 'no duplicate records' } },
      (records, view) => {
        const grammar = grammarNow(nowOf(view));
        const codeKey = (r: CatalogRecord) =>
          value(r, '档号') === '' ? undefined : (codeOf(r, grammar)?.normalized ?? value(r, '档号'));
        const byCode = duplicatesBy(records, codeKey).map((group) =>
          recordFinding(
            group[0] as CatalogRecord,
            {
              zh: `档号 “${value(group[0] as CatalogRecord, '档号')}” 重复出现 ${group.length} 次（${group.map((g) => g.source).join('、')}）`,
              en: `archival code "${value(group[0] as CatalogRecord, '档号')}" appears ${group.length} times (${group.map((g) => g.source).join(', ')})`,
            },
            { rows: group.map((g) => g.source) },
          ),
        );
        const docKey = (r: CatalogRecord) =>
          value(r, '文号') === '' || value(r, '题名') === ''
            ? undefined
            : `${value(r, '文号')}\u0000${value(r, '题名')}`;
        const byDoc = duplicatesBy(records, docKey)
          .filter((group) => new Set(group.map((g) => codeKey(g) ?? g.source)).size > 1) // same 档号: reported above
          .map((group) => {
            const first = group[0] as CatalogRecord;
            return recordFinding(
              first,
              {
                zh: `文号 “${value(first, '文号')}”、题名 “${value(first, '题名')}” 相同的记录有 ${group.length} 条（${group.map((g) => g.source).join('、')}）`,
                en: `${group.length} records share 文号 "${value(first, '文号')}" and 题名 "${value(first, '题名')}" (${group.map((g) => g.source).join(', ')})`,
              },
              { rows: group.map((g) => g.source) },
            );
          });
        return [...byCode, ...byDoc];
      },
    ),
    catalogItem(
      {
        key: 'metadata-elements',
        property: 2,
        number: 3,
        title: { zh: '元数据项完整', en: 'metadata elements complete' },
      },
      (_records, view) => {
        const columns = columnsOf(view);
        if (columns.size === 0 && view.catalog.problems.length > 0) {
          return {
            notApplicable: {
              zh: '目录无法读取（见目录数据可读检测）',
              en: 'the catalog could not be read (see catalog-readable)',
            },
          };
        }
        const ref = view.catalog.sources.join(', ');
        return view.settings.mandatoryFields
          .filter((f) => !columns.has(f))
          .map((field) => ({
            object: { kind: 'file', ref },
            reason: {
              zh: `目录缺少必备著录项 “${field}”`,
              en: `the catalog has no column for the mandatory field ${field}`,
            },
            details: { field },
          }));
      },
    ),
    catalogItem(
      {
        key: 'mandatory-fields',
        property: 2,
        number: 4,
        title: { zh: '必填著录项已填写', en: 'mandatory fields filled' },
      },
      (records, view) => {
        // A column missing altogether is item 2-3's finding, not one per record here.
        const columns = columnsOf(view);
        const mandatory = view.settings.mandatoryFields.filter((f) => columns.has(f));
        return records.flatMap((r) => {
          const missing = mandatory.filter((f) => value(r, f) === '');
          if (missing.length === 0) return [];
          return [
            recordFinding(
              r,
              { zh: `必填项未填写：${missing.join('、')}`, en: `mandatory fields left empty: ${missing.join(', ')}` },
              { missing },
            ),
          ];
        });
      },
    ),
    catalogItem(
      {
        key: 'item-sequence',
        property: 2,
        number: 6,
        title: { zh: '件号连续、起始正确', en: 'item numbers continuous from 1' },
      },
      (records, view) => {
        const out: Finding[] = [];
        for (const [series, members] of seriesOf(records, grammarNow(nowOf(view)))) {
          const width = Math.max(4, ...members.map((m) => m.written.length));
          const { gaps, repeats } = gapsAndRepeats(members);
          for (const g of gaps) {
            const range = g.from === g.to ? pad(g.from, width) : `${pad(g.from, width)}–${pad(g.to, width)}`;
            const start = g.from === 1;
            out.push(
              recordFinding(
                g.before,
                start
                  ? {
                      zh: `${series} 的件号不是从 ${pad(1, width)} 编起：缺 ${range}`,
                      en: `item numbers of ${series} do not start at ${pad(1, width)}: ${range} missing`,
                    }
                  : {
                      zh: `${series} 的件号不连续：缺 ${range}`,
                      en: `item numbers of ${series} have a gap: ${range} missing`,
                    },
                { series, missingFrom: g.from, missingTo: g.to },
              ),
            );
          }
          for (const rep of repeats) {
            out.push(
              recordFinding(
                rep.records[1] as CatalogRecord,
                {
                  zh: `${series} 的件号 ${pad(rep.number, width)} 出现 ${rep.records.length} 次（${rep.records.map((r) => r.source).join('、')}）`,
                  en: `item number ${pad(rep.number, width)} of ${series} is used ${rep.records.length} times (${rep.records.map((r) => r.source).join(', ')})`,
                },
                { series, repeated: rep.number, rows: rep.records.map((r) => r.source) },
              ),
            );
          }
        }
        return out;
      },
    ),
    catalogItem(
      { key: 'catalog-readable', property: 3, number: 2, title: { zh: '目录数据可读', en: 'catalog data readable' } },
      // Problems of the package itself (a malformed EEP, a bag manifest) are item 3-1's, not the catalog's.
      (_records, view) => view.catalog.problems.filter((p) => p.object.kind !== 'package'),
    ),
    catalogItem(
      {
        key: 'classification',
        property: 4,
        number: 4,
        stages: ['GD', 'YJ'],
        title: { zh: '涉密档案不进入非涉密系统', en: 'no classified records in a non-classified system' },
      },
      (records, view) => {
        if (view.settings.classifiedSystem) return [];
        return records.flatMap((r) => {
          const level = classifiedLevel(value(r, '密级'));
          if (level === undefined) return [];
          return [
            recordFinding(
              r,
              {
                zh: `密级为 “${value(r, '密级')}”：涉密档案只能在经审批的涉密信息系统中登记和保存，本中心不得接收`,
                en: `marked "${value(r, '密级')}", a state-secret level: classified records belong in an accredited classified system; this center must not receive them`,
              },
              { field: '密级', value: value(r, '密级'), level },
            ),
          ];
        });
      },
    ),
  ];
}

/** The metadata items with the default grammar and the system clock. */
export const METADATA_ITEMS: readonly CheckItem[] = makeMetadataItems();
