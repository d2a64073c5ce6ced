/**
 * Registering depositing units (issue 5 item 1): name, validated unified
 * social credit code, type and priority domain. The security administrator
 * manages units, as it manages the accounts that belong to them.
 */
import { InvalidInputError, NotFoundError, type Message } from '../core/index.js';
import type { Unit, UnitLimits } from '../db/index.js';
import { auditChange } from './audit-log.js';
import { requirePermission, type UserActor } from './permissions.js';
import type { AuthContext } from './users.js';
import { validateUscc } from './uscc.js';

export const UNIT_TYPES = [
  'agency',
  'public-institution',
  'state-owned',
  'private-firm',
  'social-organisation',
  'individual',
] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

export const UNIT_TYPE_NAMES: Readonly<Record<UnitType, Message>> = {
  agency: { zh: '机关', en: 'government agency' },
  'public-institution': { zh: '事业单位', en: 'public institution' },
  'state-owned': { zh: '国有企业', en: 'state-owned enterprise' },
  'private-firm': { zh: '非公企业', en: 'private firm' },
  'social-organisation': { zh: '社会组织', en: 'social organisation' },
  individual: { zh: '个体', en: 'individual' },
};

/** Priority domains (重点领域) of records a unit deposits; '' for none. */
export const UNIT_DOMAINS = [
  '',
  'social-security',
  'health',
  'provident-fund',
  'construction-project',
  'other',
] as const;
export type UnitDomain = (typeof UNIT_DOMAINS)[number];

export interface NewUnitInput {
  readonly name: string;
  readonly creditCode: string;
  readonly unitType: UnitType;
  /** Default ''. */
  readonly domain?: UnitDomain;
  /** The unit's code in Yinji; default the credit code. */
  readonly code?: string;
}

export async function registerUnit(ctx: AuthContext, actor: UserActor, input: NewUnitInput): Promise<Unit> {
  requirePermission(actor, 'manage-units');
  const checked = validateUscc(input.creditCode);
  if (!checked.ok) {
    throw new InvalidInputError(
      {
        zh: `统一社会信用代码无效：${checked.problems.map((p) => p.zh).join('；')}`,
        en: `invalid unified social credit code: ${checked.problems.map((p) => p.en).join('; ')}`,
      },
      { details: { problems: checked.problems } },
    );
  }
  if (!(UNIT_TYPES as readonly string[]).includes(input.unitType)) {
    throw new InvalidInputError({
      zh: `单位类型 "${input.unitType}" 无效`,
      en: `invalid unit type "${input.unitType}"`,
    });
  }
  const domain = input.domain ?? '';
  if (!(UNIT_DOMAINS as readonly string[]).includes(domain)) {
    throw new InvalidInputError({ zh: `重点领域 "${domain}" 无效`, en: `invalid domain "${domain}"` });
  }
  const name = input.name.trim();
  if (name === '') throw new InvalidInputError({ zh: '单位名称不能为空', en: 'a unit needs a name' });
  return ctx.db.transaction(async (tx) => {
    const unit = await tx.units.create({
      code: input.code ?? checked.parts.code,
      name,
      type: UNIT_TYPE_NAMES[input.unitType].zh,
      creditCode: checked.parts.code,
      unitType: input.unitType,
      domain,
    });
    await auditChange(tx, actor, 'unit-register', `unit:${unit.code}`, { name, unitType: input.unitType, domain });
    return unit;
  });
}

/**
 * Set a unit's upload limits (largest package, storage quota; null: none of
 * its own). Resource limits are configuration: the system administrator's.
 */
export async function setUnitLimits(
  ctx: AuthContext,
  actor: UserActor,
  unitId: number,
  limits: UnitLimits,
): Promise<Unit> {
  requirePermission(actor, 'change-config');
  for (const [field, value] of Object.entries(limits)) {
    if (value !== null && value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
      throw new InvalidInputError({
        zh: `${field} 应为正整数（字节）或 null`,
        en: `${field} must be a positive whole number of bytes, or null`,
      });
    }
  }
  return ctx.db.transaction(async (tx) => {
    const before = await tx.units.getById(unitId);
    const unit = before && (await tx.units.setLimits(unitId, limits));
    if (!before || !unit) throw new NotFoundError({ zh: `单位 ${unitId} 不存在`, en: `no unit ${unitId}` });
    await auditChange(tx, actor, 'config-change', `unit:${unit.code}`, {
      maxPackageBytes: { from: before.maxPackageBytes, to: unit.maxPackageBytes },
      quotaBytes: { from: before.quotaBytes, to: unit.quotaBytes },
    });
    return unit;
  });
}
