import { ForbiddenError, canSee, requirePermission, type Actor, type UserActor } from '../auth/index.js';
import { InvalidInputError, NotFoundError } from '../core/index.js';
import type { AccessRequest, CatalogEntryRecord } from '../db/index.js';
import { auditActor, recordAudit } from './audit-log.js';
import { catalogAccessOf } from './catalog.js';
import type { Center } from './center.js';
import { classificationOf } from './queries.js';

/** Longest approval an operator may give (a year); the default is 30 days. */
const MAX_DAYS = 365;
const DEFAULT_DAYS = 30;
const MAX_ENTRIES = 500;

/**
 * 利用申请: an account asks to use controlled records, naming them and the
 * purpose (档案法 §28; DOMAIN.md "access"). Open records need no request.
 */
export async function fileAccessRequest(
  center: Center,
  actor: UserActor,
  input: { entryIds: readonly number[]; purpose: string },
): Promise<AccessRequest> {
  requirePermission(actor, 'access.request');
  const purpose = input.purpose.trim();
  if (purpose.length < 2 || purpose.length > 500) {
    throw new InvalidInputError({
      zh: '请写明利用目的（2–500 字）',
      en: 'state the purpose of use (2–500 characters)',
    });
  }
  const ids = [...new Set(input.entryIds)];
  if (ids.length === 0 || ids.length > MAX_ENTRIES || !ids.every((id) => Number.isInteger(id) && id > 0)) {
    throw new InvalidInputError({
      zh: `请列出要利用的目录条目（1–${MAX_ENTRIES} 条）`,
      en: `list the catalog entries to use (1–${MAX_ENTRIES})`,
    });
  }
  const found = await center.db.catalog.getByIds(ids);
  if (found.length !== ids.length) {
    const missing = ids.filter((id) => !found.some((e) => e.id === id));
    throw new NotFoundError({
      zh: `目录条目 ${missing.join('、')} 不存在`,
      en: `no catalog entries ${missing.join(', ')}`,
    });
  }
  const request = await center.db.accessRequests.create({ userId: actor.userId, purpose, entryIds: ids });
  await recordAudit(center, {
    ...auditActor(actor),
    action: 'access-request',
    target: `access-request:${request.id}`,
    outcome: 'success',
    detail: { entries: ids, purpose },
  });
  return request;
}

/** An operator approves (for `days`) or refuses a pending request; both are recorded. */
export async function decideAccessRequest(
  center: Center,
  actor: UserActor,
  id: number,
  decision: { approve: boolean; days?: number; note?: string },
): Promise<AccessRequest> {
  requirePermission(actor, 'access.decide');
  const days = decision.days ?? DEFAULT_DAYS;
  if (decision.approve && (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)) {
    throw new InvalidInputError({ zh: `利用期限应为 1–${MAX_DAYS} 天`, en: `the period must be 1–${MAX_DAYS} days` });
  }
  const expiresAt = decision.approve ? new Date(center.clock.now().getTime() + days * 86_400_000).toISOString() : null;
  const decided = await center.db.accessRequests.decide(id, {
    status: decision.approve ? 'approved' : 'rejected',
    by: actor.userId,
    note: decision.note ?? '',
    expiresAt,
  });
  if (decided === undefined) {
    const existing = await center.db.accessRequests.get(id);
    if (existing === undefined) throw new NotFoundError({ zh: `利用申请 ${id} 不存在`, en: `no access request ${id}` });
    throw new InvalidInputError({
      zh: `利用申请 ${id} 已处理（${existing.status}），不能再次审批`,
      en: `access request ${id} was already decided (${existing.status})`,
    });
  }
  await recordAudit(center, {
    ...auditActor(actor),
    action: 'access-decision',
    target: `access-request:${id}`,
    outcome: 'success',
    detail: { approved: decision.approve, expiresAt, note: decision.note ?? '' },
  });
  return decided;
}

/** A requester's own requests; an operator's view of all (optionally pending only). */
export async function listAccessRequests(
  center: Center,
  actor: UserActor,
  filter: { pendingOnly?: boolean } = {},
): Promise<AccessRequest[]> {
  requirePermission(actor, 'access.request');
  const all = actor.roles.includes('operator');
  return center.db.accessRequests.list({
    ...(all ? {} : { userId: actor.userId }),
    ...(filter.pendingOnly === true ? { status: 'pending' as const } : {}),
  });
}

export interface EntryView {
  readonly entry: CatalogEntryRecord;
  /** The extracted full text, when there is one and the reader may see it. */
  readonly text?: string;
  readonly basis: AccessBasis;
}

/** Why a reader may use an entry: open, their own unit's, center staff, or an approved request (its id and end). */
export type AccessBasis = 'open' | 'own-unit' | 'staff' | { readonly request: number; readonly until: string };

/**
 * One catalog entry with its full text, as `actor` may see it. A controlled
 * entry is shown to center staff, to its own unit, and to an account with
 * an approved request that has not expired; each such use is recorded. To
 * anyone else it does not exist (as in search), except that an account whose
 * approval has run out is told so.
 */
export async function readCatalogEntry(center: Center, actor: Actor, id: number): Promise<EntryView> {
  const { entry, basis } = await entryForUse(center, actor, id, 'access-use');
  // The full text is read only once the reader is known to be allowed it.
  const text = (await center.db.catalog.texts([id])).get(id);
  return { entry, ...(text === undefined ? {} : { text }), basis };
}

/**
 * The entry and why `actor` may use it, or NotFound / Forbidden as
 * readCatalogEntry describes; a use under an access request is recorded in
 * the security audit log as `action`.
 */
export async function entryForUse(
  center: Center,
  actor: Actor,
  id: number,
  action: 'access-use' | 'access-download',
): Promise<{ entry: CatalogEntryRecord; basis: AccessBasis }> {
  const [entry] = await center.db.catalog.getByIds([id]);
  const notFound = new NotFoundError({ zh: `目录条目 ${id} 不存在`, en: `no catalog entry ${id}` });
  if (entry === undefined) throw notFound;
  // The record's 密级 binds whatever the entry says: nobody reads through an entry what their clearance
  // would not let them read as a registration (registration routes: getRegistrationAs).
  if (entry.regno !== null) {
    const reg = await center.db.registrations.getByRegno(entry.regno);
    if (reg === undefined || !canSee(actor, classificationOf(reg))) throw notFound;
  }
  if (entry.openStatus === 'open') return { entry, basis: 'open' };
  const access = await catalogAccessOf(center, actor);
  if (access.kind === 'all') return { entry, basis: 'staff' };
  if (access.kind === 'open-or-unit' && access.unitCode === entry.unitCode) return { entry, basis: 'own-unit' };
  if (actor.kind !== 'user') throw notFound;
  const grant = await center.db.accessRequests.latestGrant(actor.userId, id);
  if (grant === undefined) throw notFound;
  if (grant.expiresAt! <= center.clock.now().toISOString()) {
    throw new ForbiddenError({
      zh: `您对目录条目 ${id} 的利用许可已到期，请重新提交利用申请`,
      en: `your permission to use catalog entry ${id} has expired; file a new access request`,
    });
  }
  await recordAudit(center, {
    ...auditActor(actor),
    action,
    target: `catalog-entry:${id}`,
    outcome: 'success',
    detail: { request: grant.id, archivalCode: entry.archivalCode },
  });
  return { entry, basis: { request: grant.id, until: grant.expiresAt! } };
}
