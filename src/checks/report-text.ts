import type { Lang } from '../core/index.js';
import { PROPERTY_NAMES, type CheckReport, type ItemReport } from './run.js';
import type { CheckOutcome } from './types.js';

export const OUTCOME_NAMES: Readonly<Record<CheckOutcome, { zh: string; en: string }>> = {
  pass: { zh: '通过', en: 'pass' },
  fail: { zh: '不通过', en: 'FAIL' },
  warn: { zh: '警告', en: 'warn' },
  'not-applicable': { zh: '不适用', en: 'n/a' },
  'not-run': { zh: '未检测', en: 'not run' },
};

/** At most this many findings per item in text; the JSON report has them all. */
const FINDINGS_SHOWN = 20;

/** A report as terminal text: one line per item, its findings indented below it. */
export function formatReportText(report: CheckReport, lang: Lang, options: { onlyProblems?: boolean } = {}): string {
  const s = report.summary;
  const lines = [
    lang === 'zh'
      ? `四性检测（${report.stage}，方案 ${report.profile}）：通过 ${s.pass}，不通过 ${s.fail}，警告 ${s.warn}，不适用 ${s.notApplicable}，未检测 ${s.notRun}`
      : `four-properties check (${report.stage}, profile ${report.profile}): ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.notApplicable} n/a, ${s.notRun} not run`,
  ];
  for (const item of report.items) {
    if (options.onlyProblems && item.outcome !== 'fail' && item.outcome !== 'warn') continue;
    lines.push(itemLine(item, lang));
    for (const f of item.findings.slice(0, FINDINGS_SHOWN)) lines.push(`      ${f.object.ref}: ${f.reason[lang]}`);
    if (item.findingCount > FINDINGS_SHOWN) {
      const more = item.findingCount - FINDINGS_SHOWN;
      lines.push(lang === 'zh' ? `      ……另有 ${more} 条` : `      … and ${more} more`);
    }
  }
  return lines.join('\n') + '\n';
}

function itemLine(item: ItemReport, lang: Lang): string {
  const outcome = OUTCOME_NAMES[item.outcome][lang];
  const reason = item.reason ? ` — ${item.reason[lang]}` : '';
  return `  ${item.id.padEnd(8)} ${outcome.padEnd(lang === 'zh' ? 4 : 8)} [${PROPERTY_NAMES[item.property][lang]}] ${item.title[lang]}${reason}`;
}
