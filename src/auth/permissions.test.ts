import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/index.js';
import { AuthenticationError, ForbiddenError } from './errors.js';
import {
  ACTIONS,
  ANONYMOUS,
  authorize,
  canSee,
  PERMISSIONS,
  requirePermission,
  unitScope,
  type Action,
  type UserActor,
} from './permissions.js';
import { ADMIN_ROLES, type AdminRole, type AssignableRole } from './roles.js';

const user = (roles: AssignableRole[], unitId: number | null, extra: Partial<UserActor> = {}): UserActor => ({
  kind: 'user',
  userId: 1,
  username: 'u',
  unitId,
  roles,
  clearance: 'internal',
  ...extra,
});

/**
 * What each administrator may do beyond what everyone may (public and
 * self-service actions), written out here and not derived from the matrix:
 * a new action that grants one of them something fails this test until it is
 * added here on purpose.
 */
const ADMIN_ACTIONS: Record<AdminRole, readonly Action[]> = {
  'system-admin': [
    'read-config',
    'change-config',
    'run-jobs',
    'migrate',
    'manage-storage',
    'manage-peers',
    'manage-keys',
    'read-metrics',
    'read-statistics',
  ],
  'security-admin': ['manage-units', 'list-users', 'manage-users', 'assign-roles', 'revoke-tokens'],
  'security-auditor': ['read-audit-log', 'verify-audit-log'],
};
const EVERYONE: readonly Action[] = ['verify', 'timestamp', 'open-catalog', 'read-transparency-log'];
const SELF: readonly Action[] = ['show-own-account', 'change-own-password', 'manage-own-tokens', 'access.request'];

describe('the permission matrix', () => {
  it('has exactly one rule per action, and the public and self-service actions are the listed ones', () => {
    expect(Object.keys(PERMISSIONS).sort()).toEqual([...ACTIONS].sort());
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
    expect(ACTIONS.filter((a) => PERMISSIONS[a].scope === 'public')).toEqual(EVERYONE);
    expect(ACTIONS.filter((a) => PERMISSIONS[a].scope === 'self')).toEqual(SELF);
  });

  describe.each(ADMIN_ROLES)('%s', (role) => {
    const actor = user([role], null, { clearance: 'top-secret' });
    const allowed = new Set([...ADMIN_ACTIONS[role], ...EVERYONE, ...SELF]);
    it.each(ACTIONS.map((a) => [a, allowed.has(a)] as const))('%s → %s', (action, expected) => {
      // With a resource too: an administrator reaches no unit's holdings whatever the unit.
      expect(authorize(actor, action)).toBe(expected);
      expect(authorize(actor, action, { unitId: 7, classification: 'open' })).toBe(expected);
      if (expected) requirePermission(actor, action);
      else expect(() => requirePermission(actor, action)).toThrow(ForbiddenError);
    });
  });

  it('gives no administrator any record content, user, configuration or audit power of another', () => {
    for (const action of ACTIONS) {
      const holders = PERMISSIONS[action].roles.filter((r): r is AdminRole =>
        (ADMIN_ROLES as readonly string[]).includes(r),
      );
      if (PERMISSIONS[action].scope === 'unit') expect(holders, action).toEqual([]);
      expect(holders.length, action).toBeLessThanOrEqual(1);
    }
  });

  it('lets anyone verify and read the open catalog, and nothing else without signing in', () => {
    for (const action of ACTIONS) expect(authorize(ANONYMOUS, action), action).toBe(EVERYONE.includes(action));
    expect(() => requirePermission(ANONYMOUS, 'deposit')).toThrow(AuthenticationError);
  });
});

describe('unit isolation', () => {
  const UNIT_A = 1;
  const UNIT_B = 2;
  const unitActions = ACTIONS.filter((a) => PERMISSIONS[a].scope === 'unit');

  describe.each(['depositor', 'unit-manager'] as const)('a %s of unit A', (role) => {
    const actor = user([role], UNIT_A);
    const granted = unitActions.filter((a) => PERMISSIONS[a].roles.includes(role));

    it.each(granted)('gets "not found", not "forbidden", for %s on unit B', (action) => {
      expect(authorize(actor, action, { unitId: UNIT_A })).toBe(true);
      expect(() => authorize(actor, action, { unitId: UNIT_B })).toThrow(NotFoundError);
      expect(() => requirePermission(actor, action, { unitId: UNIT_B })).toThrow(NotFoundError);
    });

    it('is refused the center’s actions', () => {
      for (const a of ACTIONS.filter((x) => PERMISSIONS[x].scope === 'center'))
        expect(authorize(actor, a), a).toBe(false);
    });
  });

  it('covers every action on a unit’s registrations (list, show, restore, export, receipt, certificate, search)', () => {
    const registrationActions = ACTIONS.filter((a) => a.startsWith('registration.'));
    expect(registrationActions).toEqual(
      expect.arrayContaining([
        'registration.list',
        'registration.show',
        'registration.restore',
        'registration.export',
        'registration.receipt',
        'registration.certificate',
        'registration.search',
      ]),
    );
    for (const a of registrationActions) expect(PERMISSIONS[a].scope).toBe('unit');
  });

  it('lets a center operator reach every unit, and narrows listings for unit users', () => {
    const operator = user(['operator'], null);
    expect(authorize(operator, 'registration.show', { unitId: UNIT_B })).toBe(true);
    // An operator registers what arrives at the counter (a carrier) for any unit, but manages no accounts.
    expect(authorize(operator, 'deposit', { unitId: UNIT_B })).toBe(true);
    expect(authorize(operator, 'manage-users')).toBe(false);
    expect(unitScope(operator)).toBe('all');
    expect(unitScope(user(['depositor'], UNIT_A))).toEqual({ unitId: UNIT_A });
  });

  it('hides records above the clearance as "not found"', () => {
    const actor = user(['depositor'], UNIT_A, { clearance: 'internal' });
    expect(authorize(actor, 'registration.show', { unitId: UNIT_A, classification: 'internal' })).toBe(true);
    expect(() => authorize(actor, 'registration.show', { unitId: UNIT_A, classification: 'secret' })).toThrow(
      NotFoundError,
    );
    expect(canSee(actor, 'internal')).toBe(true);
    expect(canSee(actor, 'secret')).toBe(false);
    expect(canSee(ANONYMOUS, 'open')).toBe(true);
    expect(canSee(ANONYMOUS, 'internal')).toBe(false);
  });

  it('limits a token to its scopes, never beyond the roles', () => {
    const actor = user(['depositor'], UNIT_A, { scopes: ['deposit', 'review.decide'] });
    expect(authorize(actor, 'deposit', { unitId: UNIT_A })).toBe(true);
    expect(authorize(actor, 'registration.list')).toBe(false);
    expect(authorize(actor, 'review.decide')).toBe(false);
    expect(authorize(actor, 'verify')).toBe(true);
  });
});
