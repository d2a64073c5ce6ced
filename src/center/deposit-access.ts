import { ForbiddenError, requirePermission, type Action, type UserActor } from '../auth/index.js';
import { InvalidInputError, NotFoundError, QuotaExceededError, UploadTooLargeError } from '../core/index.js';
import type { Unit } from '../db/index.js';
import type { Center } from './center.js';

/**
 * The unit a signed-in account deposits (or self-checks, or uploads) for.
 * A unit's users act for their own unit only; center staff name the unit,
 * which must have been registered (by the security administrator) — over the
 * API, units are never created by a deposit.
 */
export async function depositUnitFor(
  center: Center,
  actor: UserActor,
  action: Extract<Action, 'deposit' | 'self-check' | 'upload'>,
  requested: string | undefined,
): Promise<Unit> {
  requirePermission(actor, action);
  if (actor.unitId !== null) {
    const own = await center.db.units.getById(actor.unitId);
    if (own === undefined) throw new NotFoundError({ zh: '您所属的单位不存在', en: 'your unit does not exist' });
    if (requested !== undefined && requested !== own.code) {
      throw new ForbiddenError({
        zh: `您只能为本单位（${own.code}）报送，不能为单位 ${requested} 报送`,
        en: `you deposit for your own unit (${own.code}) only, not for ${requested}`,
      });
    }
    return own;
  }
  if (requested === undefined) {
    throw new InvalidInputError({
      zh: '中心人员报送时须指明单位代码（unit）',
      en: 'center staff must name the unit (unit) they deposit for',
    });
  }
  const unit = await center.db.units.getByCode(requested);
  if (unit === undefined) {
    throw new NotFoundError(
      {
        zh: `单位 ${requested} 尚未登记：请安全管理员先登记该单位`,
        en: `unit ${requested} is not registered: the security administrator registers units first`,
      },
      { details: { unit: requested } },
    );
  }
  return unit;
}

/**
 * Whether `actor` may register without review. Where the center requires
 * review (config `reviewRequired`, the default), a unit's users submit
 * instead (center/submissions.ts) and an operator decides.
 */
export function requireDirectDeposit(center: Center, actor: UserActor): void {
  if (!center.config.reviewRequired || actor.unitId === null) return;
  throw new ForbiddenError({
    zh: '本中心的登记须经审核：请提交登记申请（POST /api/v1/submissions，或 yinji deposit --server 自动提交），由中心审核后登记',
    en: 'this center reviews deposits: submit it (POST /api/v1/submissions, or yinji deposit --server, which submits) and an operator registers it',
  });
}

/**
 * The unit's own limits (issue 5 item 4): the largest package it may deposit
 * and the stored bytes it may hold. Checked when a resumable upload announces
 * its length and again at registration, before a number is reserved, on the
 * package's full size (before deduplication, so the answer does not depend on
 * what else happens to be stored).
 */
export async function checkUnitLimits(center: Center, unit: Unit, bytes: number): Promise<void> {
  if (unit.maxPackageBytes !== null && bytes > unit.maxPackageBytes) {
    throw new UploadTooLargeError(bytes, unit.maxPackageBytes, unit.code);
  }
  if (unit.quotaBytes !== null) {
    const used = await center.db.registrations.unitStoredBytes(unit.id);
    if (used + bytes > unit.quotaBytes) throw new QuotaExceededError(unit.code, used, bytes, unit.quotaBytes);
  }
}
