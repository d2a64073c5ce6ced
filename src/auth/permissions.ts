/**
 * The permission matrix: every action the center has or will have, who may
 * do it, and over what. One table, checked in one function (`authorize`), so
 * routes and commands ask rather than decide; an action added to ACTIONS
 * without a row here does not compile, and permissions.test.ts pins each
 * administrator's exact set so a new row granting one of them fails a test.
 *
 * Scopes:
 * - public: anyone, signed in or not (verification, open catalog, log proofs);
 * - self:   any signed-in account, about itself (own password, own tokens);
 * - unit:   a unit's holdings. Unit roles reach their own unit only, and a
 *           request for another unit's resource is answered "not found"
 *           (NotFoundError), never "forbidden", so its existence is not
 *           revealed; center roles with the action reach every unit.
 *           Records above the actor's clearance are hidden the same way;
 * - center: center-wide operations with no unit.
 */
import { NotFoundError } from '../core/index.js';
import { AuthenticationError, ForbiddenError } from './errors.js';
import { clearanceCovers, ROLE_NAMES, type AssignableRole, type Classification, type Role } from './roles.js';

export const ACTIONS = [
  // public
  'verify',
  'timestamp',
  'open-catalog',
  'read-transparency-log',
  // self
  'show-own-account',
  'change-own-password',
  'manage-own-tokens',
  'access.request',
  // a unit's deposits and holdings
  'upload',
  'deposit',
  'self-check',
  'submit',
  'registration.status',
  'registration.list',
  'registration.show',
  'registration.search',
  'registration.restore',
  'registration.export',
  'registration.receipt',
  'registration.certificate',
  'unit.show',
  'unit.update-profile',
  'unit.list-users',
  'annual-report.submit',
  'annual-report.read',
  // center operations (业务)
  'review.queue',
  'review.decide',
  'accept-check-warning',
  'receive-carrier',
  'access.decide',
  // security administrator
  'manage-units',
  'list-users',
  'manage-users',
  'assign-roles',
  'revoke-tokens',
  // system administrator
  'read-config',
  'change-config',
  'run-jobs',
  'migrate',
  'manage-storage',
  'manage-peers',
  'manage-keys',
  'read-metrics',
  // operators and the system administrator: the console's dashboard (counts, no record content)
  'read-statistics',
  // security auditor
  'read-audit-log',
  'verify-audit-log',
] as const;

export type Action = (typeof ACTIONS)[number];
export type ActionScope = 'public' | 'self' | 'unit' | 'center';

export interface ActionRule {
  readonly scope: ActionScope;
  /** Who may; ['public'] for public actions, [] for self actions (every signed-in account). */
  readonly roles: readonly Role[];
}

const UNIT_USERS = ['depositor', 'unit-manager'] as const;
const HOLDINGS = [...UNIT_USERS, 'operator'] as const;

export const PERMISSIONS: Readonly<Record<Action, ActionRule>> = {
  verify: { scope: 'public', roles: ['public'] },
  timestamp: { scope: 'public', roles: ['public'] },
  'open-catalog': { scope: 'public', roles: ['public'] },
  'read-transparency-log': { scope: 'public', roles: ['public'] },

  'show-own-account': { scope: 'self', roles: [] },
  'change-own-password': { scope: 'self', roles: [] },
  'manage-own-tokens': { scope: 'self', roles: [] },
  // 利用申请: any account may ask to use controlled records; an operator decides.
  'access.request': { scope: 'self', roles: [] },

  // Operators too: a package that arrives on a carrier is uploaded and registered by the center.
  upload: { scope: 'unit', roles: HOLDINGS },
  deposit: { scope: 'unit', roles: HOLDINGS },
  'self-check': { scope: 'unit', roles: HOLDINGS },
  submit: { scope: 'unit', roles: UNIT_USERS },
  'registration.status': { scope: 'unit', roles: HOLDINGS },
  'registration.list': { scope: 'unit', roles: HOLDINGS },
  'registration.show': { scope: 'unit', roles: HOLDINGS },
  'registration.search': { scope: 'unit', roles: HOLDINGS },
  'registration.restore': { scope: 'unit', roles: HOLDINGS },
  'registration.export': { scope: 'unit', roles: HOLDINGS },
  'registration.receipt': { scope: 'unit', roles: HOLDINGS },
  'registration.certificate': { scope: 'unit', roles: HOLDINGS },
  'unit.show': { scope: 'unit', roles: HOLDINGS },
  'unit.update-profile': { scope: 'unit', roles: ['unit-manager'] },
  'unit.list-users': { scope: 'unit', roles: ['unit-manager'] },
  'annual-report.submit': { scope: 'unit', roles: ['unit-manager'] },
  'annual-report.read': { scope: 'unit', roles: ['unit-manager', 'operator'] },

  'review.queue': { scope: 'center', roles: ['operator'] },
  'review.decide': { scope: 'center', roles: ['operator'] },
  'accept-check-warning': { scope: 'center', roles: ['operator'] },
  'receive-carrier': { scope: 'center', roles: ['operator'] },
  'access.decide': { scope: 'center', roles: ['operator'] },

  'manage-units': { scope: 'center', roles: ['security-admin'] },
  'list-users': { scope: 'center', roles: ['security-admin'] },
  'manage-users': { scope: 'center', roles: ['security-admin'] },
  'assign-roles': { scope: 'center', roles: ['security-admin'] },
  'revoke-tokens': { scope: 'center', roles: ['security-admin'] },

  'read-config': { scope: 'center', roles: ['system-admin'] },
  'change-config': { scope: 'center', roles: ['system-admin'] },
  'run-jobs': { scope: 'center', roles: ['system-admin'] },
  migrate: { scope: 'center', roles: ['system-admin'] },
  'manage-storage': { scope: 'center', roles: ['system-admin'] },
  'manage-peers': { scope: 'center', roles: ['system-admin'] },
  'manage-keys': { scope: 'center', roles: ['system-admin'] },
  'read-metrics': { scope: 'center', roles: ['system-admin'] },
  'read-statistics': { scope: 'center', roles: ['operator', 'system-admin'] },

  'read-audit-log': { scope: 'center', roles: ['security-auditor'] },
  'verify-audit-log': { scope: 'center', roles: ['security-auditor'] },
};

export function isAction(value: string): value is Action {
  return Object.hasOwn(PERMISSIONS, value);
}

/** Someone not signed in. */
export interface AnonymousActor {
  readonly kind: 'anonymous';
}

/** A signed-in account, as authentication established it (auth/users.ts). */
export interface UserActor {
  readonly kind: 'user';
  readonly userId: number;
  readonly username: string;
  /** null: center staff. */
  readonly unitId: number | null;
  readonly roles: readonly AssignableRole[];
  readonly clearance: Classification;
  /** Set when acting through an API token: the token allows only these actions (within the roles' rights). */
  readonly scopes?: readonly Action[];
}

export type Actor = AnonymousActor | UserActor;

export const ANONYMOUS: AnonymousActor = Object.freeze({ kind: 'anonymous' });

/** What a unit-scoped action is about: the unit that holds it, and the record's classification if any. */
export interface UnitResource {
  readonly unitId: number;
  readonly classification?: Classification;
}

function hidden(action: Action): NotFoundError {
  return new NotFoundError(
    { zh: '没有找到该对象', en: 'not found' },
    // No ids in the details: the answer must look the same whether or not the thing exists.
    { details: { action } },
  );
}

/**
 * May `actor` do `action` (on `resource`, for unit-scoped actions)? False when
 * the role does not allow it; throws NotFoundError when the role allows it but
 * the resource is another unit's, or above the actor's clearance. A unit-scoped
 * action without a resource (a listing) is allowed by role alone: narrow the
 * query with `unitScope(actor)`.
 */
export function authorize(actor: Actor, action: Action, resource?: UnitResource): boolean {
  const rule = PERMISSIONS[action];
  if (rule.scope === 'public') return true;
  if (actor.kind !== 'user') return false;
  if (actor.scopes !== undefined && !actor.scopes.includes(action)) return false;
  if (rule.scope === 'self') return true;
  if (!actor.roles.some((r) => rule.roles.includes(r))) return false;
  if (rule.scope === 'unit' && resource !== undefined) {
    if (actor.unitId !== null && resource.unitId !== actor.unitId) throw hidden(action);
    if (resource.classification !== undefined && !canSee(actor, resource.classification)) throw hidden(action);
  }
  return true;
}

/** authorize(), throwing ForbiddenError (AuthenticationError when not signed in) instead of returning false. */
export function requirePermission(actor: Actor, action: Action, resource?: UnitResource): void {
  if (authorize(actor, action, resource)) return;
  if (actor.kind !== 'user') {
    throw new AuthenticationError({ zh: '请先登录', en: 'sign in first' }, { details: { action } });
  }
  const roles = actor.roles.map((r) => ROLE_NAMES[r]);
  throw new ForbiddenError(
    {
      zh: `当前角色（${roles.map((r) => r.zh).join('、') || '无'}）无权执行该操作：${action}`,
      en: `your roles (${roles.map((r) => r.en).join(', ') || 'none'}) do not allow ${action}`,
    },
    { details: { action, ...(actor.scopes ? { tokenScoped: true } : {}) } },
  );
}

/** Which units' holdings a listing may show: the actor's own unit, or every unit for center staff. */
export function unitScope(actor: UserActor): { readonly unitId: number } | 'all' {
  return actor.unitId === null ? 'all' : { unitId: actor.unitId };
}

/** May `actor` see material of this classification (密级)? Anonymous: open material only. */
export function canSee(actor: Actor, classification: Classification): boolean {
  if (actor.kind !== 'user') return classification === 'open';
  return clearanceCovers(actor.clearance, classification);
}
