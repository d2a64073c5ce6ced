import type { Message } from '../core/index.js';
import { itemId, severityOf, type CheckProfile, type Severity } from './profile.js';
import type { CheckItem, CheckOutcome, CheckProperty, CheckStage, DepositView, Finding } from './types.js';

export const REPORT_FORMAT = 'yinji-check-report/1';

export interface ItemReport {
  /** As the profile writes it, e.g. "YJ-1-7". */
  readonly id: string;
  readonly key: string;
  readonly property: CheckProperty;
  readonly title: Message;
  readonly severity: Severity;
  readonly outcome: CheckOutcome;
  /** Why not-applicable / not-run, or a summary of a pass. */
  readonly reason?: Message;
  /** The first MAX_FINDINGS findings; `findingCount` says how many there were in all. */
  readonly findings: readonly Finding[];
  readonly findingCount: number;
}

/**
 * Findings kept per item. A deposit of 100,000 scans that are not PDF/A would
 * otherwise carry 100,000 identical warnings: the count is kept, the list is
 * cut, and re-running the check lists them all again.
 */
export const MAX_FINDINGS = 1000;

export interface CheckSummary {
  readonly pass: number;
  readonly fail: number;
  readonly warn: number;
  readonly notApplicable: number;
  readonly notRun: number;
}

/**
 * The result of checking one deposit at one stage: every item of the catalog
 * with its outcome, the objects it checked and why — including the items that
 * did not apply or could not run, so a report never hides a check.
 */
export interface CheckReport {
  readonly format: typeof REPORT_FORMAT;
  readonly stage: CheckStage;
  readonly profile: string;
  readonly checkedAt: string;
  readonly package: { readonly name: string; readonly kind: string; readonly files: number; readonly bytes: number };
  readonly items: readonly ItemReport[];
  readonly summary: CheckSummary;
  /** Some blocking item failed: the deposit is returned with the reasons. */
  readonly blocked: boolean;
}

export const PROPERTY_NAMES: Readonly<Record<CheckProperty, Message>> = {
  1: { zh: '真实性', en: 'authenticity' },
  2: { zh: '完整性', en: 'integrity' },
  3: { zh: '可用性', en: 'usability' },
  4: { zh: '安全性', en: 'security' },
};

/** Run every item of `catalog` that applies to `stage`, ordered by property and number. */
export function runChecks(
  view: DepositView,
  catalog: readonly CheckItem[],
  options: { stage: CheckStage; profile: CheckProfile; now: Date },
): CheckReport {
  const { stage, profile } = options;
  const items = catalog
    .filter((item) => item.stages.includes(stage))
    .sort((a, b) => a.property - b.property || a.number - b.number || a.key.localeCompare(b.key))
    .map((item) => runItem(view, item, stage, profile));
  const count = (o: CheckOutcome): number => items.filter((i) => i.outcome === o).length;
  return {
    format: REPORT_FORMAT,
    stage,
    profile: profile.name,
    checkedAt: options.now.toISOString(),
    package: {
      name: view.package.name,
      kind: view.package.kind,
      files: view.files.length,
      bytes: view.files.reduce((n, f) => n + f.size, 0),
    },
    items,
    summary: {
      pass: count('pass'),
      fail: count('fail'),
      warn: count('warn'),
      notApplicable: count('not-applicable'),
      notRun: count('not-run'),
    },
    blocked: items.some((i) => i.outcome === 'fail'),
  };
}

function runItem(view: DepositView, item: CheckItem, stage: CheckStage, profile: CheckProfile): ItemReport {
  const base = { id: itemId(profile, item, stage), key: item.key, property: item.property, title: item.title };
  const severity = severityOf(profile, item);
  if (severity === 'off') {
    return {
      ...base,
      severity,
      outcome: 'not-run',
      reason: { zh: `检测方案“${profile.name}”未启用此项`, en: `turned off in profile "${profile.name}"` },
      findings: [],
      findingCount: 0,
    };
  }
  let verdict;
  try {
    verdict = item.run(view);
  } catch (e) {
    // An item that breaks must not pass a deposit silently nor stop the others: it fails, saying why.
    const message = (e as Error).message;
    return {
      ...base,
      severity,
      outcome: 'fail',
      findings: [
        {
          object: { kind: 'environment', ref: item.key },
          reason: { zh: `检测项出错：${message}`, en: `the check itself failed: ${message}` },
        },
      ],
      findingCount: 1,
    };
  }
  const none = { findings: [], findingCount: 0 };
  if ('notApplicable' in verdict)
    return { ...base, severity, outcome: 'not-applicable', reason: verdict.notApplicable, ...none };
  if ('notRun' in verdict) return { ...base, severity, outcome: 'not-run', reason: verdict.notRun, ...none };
  if (verdict.findings.length === 0) return { ...base, severity, outcome: 'pass', ...none };
  return {
    ...base,
    severity,
    outcome: severity === 'block' ? 'fail' : 'warn',
    findings: verdict.findings.slice(0, MAX_FINDINGS),
    findingCount: verdict.findings.length,
  };
}

/** Ids of the items that failed, for messages and tests. */
export function failedItemIds(report: CheckReport): string[] {
  return report.items.filter((i) => i.outcome === 'fail').map((i) => i.id);
}
