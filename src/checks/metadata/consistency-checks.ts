/**
 * Checks of one record's values against each other and against the clock:
 * reasonable values (1-5) and the 档号 agreeing with the columns that repeat
 * its parts (1-7).
 */
import type { CatalogRecord, Finding } from '../types.js';
import { RECORD_CLASSES, type ArchivalCodeGrammar } from '../../core/archival-code/index.js';
import { OBSOLETE_RETENTION_VALUES, RETENTION_VALUES, parseDateValue } from './fields.js';
import { codeOf } from './series.js';
import { recordFinding } from './value-checks.js';

const value = (r: CatalogRecord, field: string): string => r.fields[field] ?? '';

/**
 * The latest date a record may carry: today, with a day's grace because
 * "today" in Beijing (UTC+8) is tomorrow in UTC for eight hours a day and
 * the center's clock may run in either.
 */
export function latestDate(now: Date): string {
  return new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
}

/** 1-5: dates between 1900 and today (a day's grace for time zones), 年度 = year of 日期 = year in the 档号, 页数 > 0. */
export function checkReasonable(r: CatalogRecord, now: Date, grammar: ArchivalCodeGrammar): Finding[] {
  const out: Finding[] = [];
  const latest = latestDate(now);
  const thisYear = Number(latest.slice(0, 4));
  const dateText = value(r, '日期');
  const date = parseDateValue(dateText);
  if (date !== undefined) {
    const iso = `${date.year}-${String(date.month ?? 1).padStart(2, '0')}-${String(date.day ?? 1).padStart(2, '0')}`;
    if (iso > latest || date.year < 1900) {
      const future = iso > latest;
      out.push(
        recordFinding(
          r,
          future
            ? { zh: `日期 ${dateText} 晚于今天`, en: `日期 (date) ${dateText} is in the future` }
            : { zh: `日期 ${dateText} 早于 1900 年`, en: `日期 (date) ${dateText} is before 1900` },
          { field: '日期', value: dateText },
        ),
      );
    }
  }
  const yearText = value(r, '年度');
  const year = /^\d{4}$/u.test(yearText) ? Number(yearText) : undefined;
  if (year !== undefined && (year < 1900 || year > thisYear)) {
    out.push(
      recordFinding(
        r,
        { zh: `年度 ${year} 不在 1900–${thisYear} 之间`, en: `年度 (year) ${year} is outside 1900–${thisYear}` },
        { field: '年度', value: yearText },
      ),
    );
  }
  const codeYear = codeOf(r, grammar)?.year;
  const pairs: [string, number | undefined, string, number | undefined][] = [
    ['年度', year, '日期', date?.year],
    ['年度', year, '档号', codeYear],
  ];
  if (year === undefined) pairs.push(['日期', date?.year, '档号', codeYear]);
  for (const [a, x, b, y] of pairs) {
    if (x !== undefined && y !== undefined && x !== y) {
      out.push(
        recordFinding(
          r,
          { zh: `${a}（${x}）与${b}中的年份（${y}）不一致`, en: `${a} (${x}) and the year in ${b} (${y}) differ` },
          { fields: [a, b], values: [x, y] },
        ),
      );
    }
  }
  if (/^0+$/u.test(value(r, '页数'))) {
    out.push(
      recordFinding(r, { zh: '页数为 0', en: '页数 (page count) is 0' }, { field: '页数', value: value(r, '页数') }),
    );
  }
  return out;
}

/** 1-7 (second half): the 档号's parts agree with the 全宗号, 年度, 保管期限, 门类代码, 案卷号 and 件号 columns. */
export function checkCodeAgreement(r: CatalogRecord, grammar: ArchivalCodeGrammar): Finding[] {
  const code = codeOf(r, grammar);
  if (code === undefined) return [];
  const retention = value(r, '保管期限');
  const cls = value(r, '门类代码');
  const checks: [string, string, boolean][] = [
    ['全宗号', code.fonds, value(r, '全宗号') === '' || value(r, '全宗号') === code.fonds],
    ['年度', String(code.year), !/^\d{4}$/u.test(value(r, '年度')) || value(r, '年度') === String(code.year)],
    // A 保管期限 outside the domain is item 1-4's; compared here only when it names a period.
    [
      '保管期限',
      code.retention,
      (RETENTION_VALUES[retention] ?? OBSOLETE_RETENTION_VALUES[retention] ?? code.retention) === code.retention,
    ],
    ['门类代码', code.recordClass, cls === '' || cls === code.recordClass || cls === RECORD_CLASSES[code.recordClass]],
    ['件号', code.item, !/^\d+$/u.test(value(r, '件号')) || Number(value(r, '件号')) === code.itemNumber],
    [
      '案卷号',
      code.volume ?? '',
      !/^\d+$/u.test(value(r, '案卷号')) || Number(value(r, '案卷号')) === code.volumeNumber,
    ],
  ];
  return checks
    .filter(([, , agrees]) => !agrees)
    .map(([field, inCode]) =>
      recordFinding(
        r,
        {
          zh: `${field}列为 “${value(r, field)}”，档号中为 “${inCode}”`,
          en: `the ${field} column says "${value(r, field)}" but the 档号 says "${inCode}"`,
        },
        { field, column: value(r, field), code: inCode },
      ),
    );
}
