/**
 * The units' annual status reports (年度报送, DOMAIN.md §3 last paragraph):
 * each year a unit reports the state of its archive management on one fixed
 * form — a draft its unit manager edits, then submitted for good; the center
 * sees which units have reported and which have not.
 */
import { ForbiddenError, requirePermission, unitScope, type UserActor } from '../auth/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/index.js';
import type { AnnualReport } from '../db/index.js';
import { auditActor, recordAudit } from './audit-log.js';
import type { Center } from './center.js';
import { CARRIER_TYPES, type CarrierType } from './submission-states.js';

export interface AnnualReportForm {
  /** 馆（室）藏档案总件数. */
  readonly archivesTotalItems?: number;
  /** 电子档案件数. */
  readonly electronicRecordsItems?: number;
  /** 电子档案数据量, GB to three decimals. */
  readonly electronicRecordsGB?: number;
  /** 数字化成果数据量, GB to three decimals. */
  readonly digitizedGB?: number;
  /** 本年度备份次数. */
  readonly backupsThisYear?: number;
  /** 备份载体 by type. */
  readonly carriers?: readonly { readonly type: CarrierType; readonly count: number }[];
  /** 档案管理系统. */
  readonly recordsSystem?: string;
  readonly responsiblePerson?: string;
  readonly contactPhone?: string;
  /** At most 2000 characters. */
  readonly remarks?: string;
}

export type AnnualReportStatus = 'draft' | 'submitted' | 'missing';

export interface AnnualReportOverviewRow {
  readonly unitId: number;
  readonly unitCode: string;
  readonly unitName: string;
  readonly status: AnnualReportStatus;
  readonly updatedAt: string | null;
  readonly submittedAt: string | null;
}

const INTEGERS = ['archivesTotalItems', 'electronicRecordsItems', 'backupsThisYear'] as const;
const GIGABYTES = ['electronicRecordsGB', 'digitizedGB'] as const;
const TEXTS = { recordsSystem: 200, responsiblePerson: 100, contactPhone: 50, remarks: 2000 } as const;
const FIELDS = [...INTEGERS, ...GIGABYTES, 'carriers', ...Object.keys(TEXTS)];
/** What a submitted report must have; remarks may stay empty. */
const REQUIRED = FIELDS.filter((f) => f !== 'remarks');
const PHONE = /^[0-9+\-() 转]{3,50}$/;

function invalid(field: string, zh: string, en: string): InvalidInputError {
  return new InvalidInputError({ zh, en }, { details: { field } });
}

function wholeNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The form checked field by field; an unknown field is refused by name. */
export function checkAnnualReportForm(form: unknown): AnnualReportForm {
  if (typeof form !== 'object' || form === null || Array.isArray(form)) {
    throw invalid('form', '年度报送表应为对象', 'the annual report form must be an object');
  }
  const given = form as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!FIELDS.includes(key)) {
      throw invalid(key, `年度报送表中没有字段“${key}”`, `unknown field "${key}" in the annual report form`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of INTEGERS) {
    const v = given[key];
    if (v === undefined) continue;
    if (!wholeNumber(v)) throw invalid(key, `${key} 应为非负整数`, `${key} must be a whole number ≥ 0`);
    out[key] = v;
  }
  for (const key of GIGABYTES) {
    const v = given[key];
    if (v === undefined) continue;
    // At most three decimals, as on the forms (DOMAIN.md §3: "data volume in GB to three decimals").
    if (typeof v !== 'number' || !(v >= 0 && v <= 1e12) || !/^\d+(\.\d{1,3})?$/.test(String(v))) {
      throw invalid(
        key,
        `${key} 应为非负数，至多三位小数（GB）`,
        `${key} must be a number ≥ 0 with at most three decimals (GB)`,
      );
    }
    out[key] = v;
  }
  if (given.carriers !== undefined) out.carriers = checkCarriers(given.carriers);
  for (const [key, max] of Object.entries(TEXTS)) {
    const v = given[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > max) {
      throw invalid(key, `${key} 应为至多 ${max} 个字符的文字`, `${key} must be text of at most ${max} characters`);
    }
    const text = v.trim();
    if (key === 'contactPhone' && text !== '' && !PHONE.test(text)) {
      throw invalid(key, `联系电话“${text}”无效`, `invalid contact phone "${text}"`);
    }
    out[key] = text;
  }
  return out;
}

function checkCarriers(v: unknown): AnnualReportForm['carriers'] {
  if (!Array.isArray(v) || v.length > CARRIER_TYPES.length) {
    throw invalid(
      'carriers',
      '备份载体应为列表，每种载体一项',
      'carriers must be a list with one entry per carrier type',
    );
  }
  const seen = new Set<string>();
  return v.map((c: unknown, i) => {
    const field = `carriers[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      throw invalid(field, `${field} 应为 { type, count }`, `${field} must be { type, count }`);
    }
    for (const key of Object.keys(c)) {
      if (key !== 'type' && key !== 'count') {
        throw invalid(`${field}.${key}`, `${field} 中没有字段“${key}”`, `unknown field "${key}" in ${field}`);
      }
    }
    const { type, count } = c as { type?: unknown; count?: unknown };
    if (typeof type !== 'string' || !(CARRIER_TYPES as readonly string[]).includes(type) || seen.has(type)) {
      throw invalid(
        `${field}.type`,
        `${field}.type 应为 ${CARRIER_TYPES.join('、')} 之一，且每种只列一次`,
        `${field}.type must be one of ${CARRIER_TYPES.join(', ')}, each listed once`,
      );
    }
    seen.add(type);
    if (!wholeNumber(count)) {
      throw invalid(`${field}.count`, `${field}.count 应为非负整数`, `${field}.count must be a whole number ≥ 0`);
    }
    return { type: type as CarrierType, count };
  });
}

function checkYear(center: Center, year: unknown): number {
  const current = center.clock.now().getUTCFullYear();
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 2000 || year > current) {
    throw invalid(
      'year',
      `年度应为 2000–${current} 之间的整数`,
      `the year must be a whole number from 2000 to ${current}`,
    );
  }
  return year;
}

/** The one answer for a report out of reach and one that does not exist. */
export function annualReportNotFound(unitId: number, year: number): NotFoundError {
  return new NotFoundError(
    { zh: `没有单位 ${unitId} 的 ${year} 年度报送`, en: `no ${year} annual report of unit ${unitId}` },
    { details: { unitId, year } },
  );
}

function ownUnit(actor: UserActor): number {
  if (actor.unitId === null) {
    throw new ForbiddenError(
      { zh: '年度报送由单位填报', en: 'annual reports are filed by the units' },
      { details: { action: 'annual-report.submit' } },
    );
  }
  return actor.unitId;
}

/** Save the unit's report for `year` as a draft (replacing the form), while not yet submitted. Unit managers. */
export async function saveAnnualReport(
  center: Center,
  actor: UserActor,
  input: { year: number; form: AnnualReportForm },
): Promise<AnnualReport> {
  requirePermission(actor, 'annual-report.submit');
  const unitId = ownUnit(actor);
  const year = checkYear(center, input.year);
  const form = checkAnnualReportForm(input.form);
  const saved = await center.db.annualReports.saveDraft({ unitId, year, form: { ...form }, updatedBy: actor.userId });
  if (saved === undefined) throw alreadySubmitted(year);
  return saved;
}

function alreadySubmitted(year: number): ConflictError {
  return new ConflictError(
    {
      zh: `${year} 年度报送已提交，不能再修改；如需更正请联系中心`,
      en: `the ${year} annual report is already submitted and can no longer change: contact the center to correct it`,
    },
    { details: { year, status: 'submitted' } },
  );
}

/** Submit the unit's draft for `year`; every field but remarks must be filled in. Unit managers. */
export async function submitAnnualReport(center: Center, actor: UserActor, year: number): Promise<AnnualReport> {
  requirePermission(actor, 'annual-report.submit');
  const unitId = ownUnit(actor);
  checkYear(center, year);
  const draft = await center.db.annualReports.get(unitId, year);
  if (draft === undefined) throw annualReportNotFound(unitId, year);
  if (draft.status !== 'draft') throw alreadySubmitted(year);
  const missing = REQUIRED.filter((f) => draft.form[f] === undefined || draft.form[f] === '');
  if (missing.length > 0) {
    throw new InvalidInputError(
      { zh: `年度报送尚未填写：${missing.join('、')}`, en: `the annual report is missing: ${missing.join(', ')}` },
      { details: { field: missing[0], missing } },
    );
  }
  const submitted = await center.db.annualReports.markSubmitted(unitId, year, actor.userId);
  if (submitted === undefined) throw alreadySubmitted(year);
  await recordAudit(center, {
    ...auditActor(actor),
    action: 'annual-report-submit',
    target: `annual-report:${unitId}:${year}`,
    outcome: 'success',
    detail: { unitId, year },
  });
  return submitted;
}

/**
 * One unit's report for `year`: a unit manager's own (unitId defaults to it;
 * another unit's is answered as not found), any unit's for the center.
 */
export async function getAnnualReport(
  center: Center,
  actor: UserActor,
  input: { unitId?: number; year: number },
): Promise<AnnualReport> {
  requirePermission(actor, 'annual-report.read');
  const year = checkYear(center, input.year);
  const unitId = input.unitId ?? actor.unitId;
  if (unitId === null) {
    throw invalid('unitId', '请指明单位（unitId）', 'name the unit (unitId)');
  }
  if (!Number.isSafeInteger(unitId) || unitId < 1) throw annualReportNotFound(unitId, year);
  if (actor.unitId !== null && unitId !== actor.unitId) throw annualReportNotFound(unitId, year);
  const report = await center.db.annualReports.get(unitId, year);
  if (report === undefined) throw annualReportNotFound(unitId, year);
  return report;
}

/**
 * Every unit in reach (all units for the center, its own for a unit manager)
 * with the state of its report for `year` — 'missing' when it has none — by unit code.
 */
export async function annualReportOverview(
  center: Center,
  actor: UserActor,
  year: number,
): Promise<AnnualReportOverviewRow[]> {
  requirePermission(actor, 'annual-report.read');
  checkYear(center, year);
  const scope = unitScope(actor);
  const units = (await center.db.units.list()).filter((u) => scope === 'all' || u.id === scope.unitId);
  const reports = new Map(
    (await center.db.annualReports.list({ year, ...(scope === 'all' ? {} : { unitId: scope.unitId }) })).map((r) => [
      r.unitId,
      r,
    ]),
  );
  return units.map((u) => {
    const r = reports.get(u.id);
    return {
      unitId: u.id,
      unitCode: u.code,
      unitName: u.name,
      status: r === undefined ? 'missing' : r.status === 'submitted' ? 'submitted' : 'draft',
      updatedAt: r?.updatedAt ?? null,
      submittedAt: r?.submittedAt ?? null,
    };
  });
}
