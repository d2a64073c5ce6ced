import { expect, it, describe } from 'vitest';
import { ConflictError, fixedClock, InvalidInputError, NotFoundError } from '../core/index.js';
import { describeEachDialect, T0 } from '../db/database.suite.js';
import { bootstrapAdministrators, createSetupCode } from './bootstrap.js';
import { AuthenticationError, ForbiddenError, RoleConflictError } from './errors.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { authorize, type UserActor } from './permissions.js';
import { ADMIN_ROLES, ASSIGNABLE_ROLES, CENTER_ROLES, UNIT_ROLES, type AssignableRole } from './roles.js';
import { authenticateToken, createToken, revokeToken, sha256Hex } from './tokens.js';
import { registerUnit } from './units.js';
import {
  actorOf,
  assignRole,
  authenticatePassword,
  createUser,
  roleConflict,
  setUserDisabled,
  type AuthContext,
} from './users.js';

const clock = fixedClock(T0);
const PASSWORDS = { system: 'sys-pass-0001!', security: 'sec-pass-0001!', auditor: 'aud-pass-0001!' };
const admins = {
  system: { username: 'sysadmin', password: PASSWORDS.system },
  security: { username: 'secadmin', password: PASSWORDS.security },
  auditor: { username: 'auditor', password: PASSWORDS.auditor },
};

describe('role combination rules', () => {
  const pairs = ADMIN_ROLES.flatMap((a) => ADMIN_ROLES.filter((b) => b !== a).map((b) => [a, b] as const));
  it.each(pairs)('an account that is %s cannot also be %s', (held, wanted) => {
    expect(roleConflict({ unitId: null, roles: [held] }, wanted)?.en).toMatch(/separate people/);
  });
  it.each(ADMIN_ROLES)('an administrator (%s) holds no other role, and no operator becomes one', (admin) => {
    expect(roleConflict({ unitId: null, roles: [admin] }, 'operator')).toBeDefined();
    expect(roleConflict({ unitId: null, roles: ['operator'] }, admin)).toBeDefined();
    expect(roleConflict({ unitId: null, roles: [admin] }, admin)).toBeUndefined();
  });
  it.each(CENTER_ROLES)('a user of a unit cannot hold the center role %s', (role) => {
    expect(roleConflict({ unitId: 1, roles: [] }, role)?.en).toMatch(/user of a unit/);
  });
  it.each(UNIT_ROLES)('center staff cannot hold the unit role %s; a unit user can', (role) => {
    expect(roleConflict({ unitId: null, roles: [] }, role)).toBeDefined();
    expect(roleConflict({ unitId: 1, roles: ['depositor', 'unit-manager'] }, role)).toBeUndefined();
  });
});

describe('passwords', () => {
  it('hashes with argon2id at OWASP parameters and verifies', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(needsRehash(h)).toBe(false);
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$abc$def')).toBe(true);
    expect(await verifyPassword(h, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(h, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword('not a hash', 'correct horse battery')).toBe(false);
    await expect(hashPassword('short')).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describeEachDialect('accounts, tokens and first-run bootstrap', (t) => {
  const ctx = (): AuthContext => ({ db: t.db(), clock });
  const boot = async () => {
    const code = await createSetupCode(ctx());
    const made = await bootstrapAdministrators(ctx(), code, admins);
    return { code, ...made, securityActor: actorOf(made.security) };
  };

  it('creates the three administrators once; the code cannot be used again', async () => {
    const code = await createSetupCode(ctx());
    expect(code).toMatch(/^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$/);
    await expect(bootstrapAdministrators(ctx(), 'AAAA-BBBB', admins)).rejects.toBeInstanceOf(AuthenticationError);
    // A failed attempt (two administrators with one name) leaves the code usable.
    await expect(
      bootstrapAdministrators(ctx(), code, { ...admins, auditor: { ...admins.auditor, username: 'sysadmin' } }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    // Typed in lower case without dashes: still the code.
    const made = await bootstrapAdministrators(ctx(), code.toLowerCase().replaceAll('-', ''), admins);
    expect([made.system.roles, made.security.roles, made.auditor.roles]).toEqual([
      ['system-admin'],
      ['security-admin'],
      ['security-auditor'],
    ]);
    expect(made.system.unitId).toBeNull();
    await expect(bootstrapAdministrators(ctx(), code, admins)).rejects.toBeInstanceOf(ConflictError);
    await expect(createSetupCode(ctx())).rejects.toBeInstanceOf(ConflictError);
    // The stored form is the hash, never the code.
    const signedIn = await authenticatePassword(ctx(), 'auditor', PASSWORDS.auditor);
    expect(signedIn?.roles).toEqual(['security-auditor']);
    expect(authorize(signedIn!, 'read-audit-log')).toBe(true);
  });

  it('lets only one of two racing bootstraps with one code succeed', async () => {
    const code = await createSetupCode(ctx());
    const other = await t.reopen();
    const results = await Promise.allSettled([
      bootstrapAdministrators(ctx(), code, admins),
      bootstrapAdministrators({ db: other, clock }, code, {
        system: { username: 's2', password: PASSWORDS.system },
        security: { username: 'x2', password: PASSWORDS.security },
        auditor: { username: 'a2', password: PASSWORDS.auditor },
      }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await t.db().users.countWithRoles(ADMIN_ROLES)).toBe(3);
  });

  it('refuses through assignRole every second administrator role, and center roles for unit users', async () => {
    const { system, security, auditor, securityActor } = await boot();
    // Every pair: each administrator offered each other administrator role.
    for (const [account, held] of [
      [system, 'system-admin'],
      [security, 'security-admin'],
      [auditor, 'security-auditor'],
    ] as const) {
      for (const role of ADMIN_ROLES.filter((r) => r !== held)) {
        // (The security administrator's own roles are refused for a second reason too: no one changes their own.)
        await expect(assignRole(ctx(), securityActor, account.id, role), `${held}+${role}`).rejects.toBeInstanceOf(
          RoleConflictError,
        );
      }
      await expect(assignRole(ctx(), securityActor, account.id, 'operator')).rejects.toBeInstanceOf(RoleConflictError);
    }
    // An operator may not become an administrator, nor an administrator-to-be get a second one.
    const op = await createUser(ctx(), securityActor, {
      username: 'op',
      password: 'operator-pass-1',
      roles: ['operator'],
    });
    await expect(assignRole(ctx(), securityActor, op.id, 'system-admin')).rejects.toBeInstanceOf(RoleConflictError);
    const fresh = await createUser(ctx(), securityActor, { username: 'fresh' });
    await assignRole(ctx(), securityActor, fresh.id, 'security-auditor');
    for (const role of ASSIGNABLE_ROLES.filter((r) => r !== 'security-auditor')) {
      await expect(assignRole(ctx(), securityActor, fresh.id, role), role).rejects.toBeInstanceOf(RoleConflictError);
    }
    // A user of a unit: unit roles yes, center roles never.
    const unit = await t.db().units.getOrCreateByCode({ code: 'A', name: '甲单位' });
    const dep = await createUser(ctx(), securityActor, { username: 'dep', unitId: unit.id, roles: ['depositor'] });
    expect((await assignRole(ctx(), securityActor, dep.id, 'unit-manager')).roles).toEqual([
      'depositor',
      'unit-manager',
    ]);
    for (const role of CENTER_ROLES) {
      await expect(assignRole(ctx(), securityActor, dep.id, role), role).rejects.toBeInstanceOf(RoleConflictError);
    }
    await expect(
      createUser(ctx(), securityActor, { username: 'dep2', unitId: unit.id, roles: ['operator'] }),
    ).rejects.toBeInstanceOf(RoleConflictError);
    expect(await t.db().users.getByUsername('dep2')).toBeUndefined();
    // Only the security administrator grants roles.
    await expect(assignRole(ctx(), actorOf(system), dep.id, 'depositor')).rejects.toBeInstanceOf(ForbiddenError);
    expect((await t.db().users.getById(system.id))?.roles).toEqual(['system-admin']);
  });

  it('refuses two racing grants that would give one account two administrator roles', async () => {
    const { securityActor } = await boot();
    const u = await createUser(ctx(), securityActor, { username: 'racer' });
    const roles: AssignableRole[] = ['system-admin', 'security-auditor', 'operator'];
    const results = await Promise.allSettled(roles.map((r) => assignRole(ctx(), securityActor, u.id, r)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await t.db().users.getById(u.id))?.roles).toHaveLength(1);
  });

  it('signs in with a password; wrong passwords, unknown and disabled users all fail alike', async () => {
    const { securityActor } = await boot();
    const unit = await t.db().units.getOrCreateByCode({ code: 'A', name: '甲单位' });
    const dep = await createUser(ctx(), securityActor, {
      username: 'dep',
      unitId: unit.id,
      password: '档案员的口令很长很长很长很',
      roles: ['depositor'],
      clearance: 'internal',
    });
    expect(dep.passwordHash).toMatch(/^\$argon2id\$/);
    const actor = await authenticatePassword(ctx(), 'dep', '档案员的口令很长很长很长很');
    expect(actor).toEqual({
      kind: 'user',
      userId: dep.id,
      username: 'dep',
      unitId: unit.id,
      roles: ['depositor'],
      clearance: 'internal',
    });
    expect(await authenticatePassword(ctx(), 'dep', '档案员的口令很长很短')).toBeUndefined();
    expect(await authenticatePassword(ctx(), 'nobody', '档案员的口令很长很长很长很')).toBeUndefined();
    await setUserDisabled(ctx(), securityActor, dep.id, true);
    expect(await authenticatePassword(ctx(), 'dep', '档案员的口令很长很长很长很')).toBeUndefined();
  });

  it('creates, authenticates, revokes and expires API tokens; only the hash is stored', async () => {
    const { securityActor, system } = await boot();
    const unit = await t.db().units.getOrCreateByCode({ code: 'A', name: '甲单位' });
    const dep = await createUser(ctx(), securityActor, { username: 'dep', unitId: unit.id, roles: ['depositor'] });
    const depActor = actorOf(dep);
    const { secret, token } = await createToken(ctx(), depActor, {
      name: 'cli',
      scopes: ['deposit', 'registration.list'],
      expiresAt: '2026-03-02T08:00:00Z',
    });
    expect(secret).toMatch(/^yj_[A-Za-z0-9_-]{43}$/);
    expect(token.tokenHash).toBe(sha256Hex(secret));
    expect(JSON.stringify(await t.db().apiTokens.listByUser(dep.id))).not.toContain(secret.slice(3));

    const viaToken = await authenticateToken(ctx(), secret);
    expect(viaToken).toMatchObject({ userId: dep.id, unitId: unit.id, scopes: ['deposit', 'registration.list'] });
    expect(authorize(viaToken!, 'deposit', { unitId: unit.id })).toBe(true);
    expect(authorize(viaToken!, 'registration.restore', { unitId: unit.id })).toBe(false);
    expect((await t.db().apiTokens.getById(token.id))?.lastUsedAt).toBe(T0);

    // Malformed or unknown secrets.
    expect(await authenticateToken(ctx(), 'yj_short')).toBeUndefined();
    expect(await authenticateToken(ctx(), secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    // Scopes beyond the roles, and expiry in the past.
    await expect(createToken(ctx(), depActor, { name: 'x', scopes: ['review.decide'] })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(
      createToken(ctx(), depActor, { name: 'x', scopes: ['deposit'], expiresAt: '2026-01-01T00:00:00Z' }),
    ).rejects.toBeInstanceOf(InvalidInputError);

    // Expired: the same token a day later.
    const later: AuthContext = { db: t.db(), clock: fixedClock('2026-03-02T08:00:00.000Z') };
    expect(await authenticateToken(later, secret)).toBeUndefined();

    // Revoked by its owner; another user's token is "not found" to a non-administrator.
    const second = await createToken(ctx(), depActor, { name: 'ci', scopes: ['deposit'] });
    await expect(revokeToken(ctx(), actorOf(system), second.token.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await revokeToken(ctx(), depActor, second.token.id)).revokedAt).toBe(T0);
    expect(await authenticateToken(ctx(), second.secret)).toBeUndefined();

    // Revoked by the security administrator; a disabled account's tokens stop working.
    const third = await createToken(ctx(), depActor, { name: 'ci2', scopes: ['deposit'] });
    const fourth = await createToken(ctx(), depActor, { name: 'ci3', scopes: ['deposit'] });
    await revokeToken(ctx(), securityActor, third.token.id);
    expect(await authenticateToken(ctx(), third.secret)).toBeUndefined();
    expect(await authenticateToken(ctx(), fourth.secret)).toBeDefined();
    await setUserDisabled(ctx(), securityActor, dep.id, true);
    expect(await authenticateToken(ctx(), fourth.secret)).toBeUndefined();
    // …and stay revoked when it is enabled again: disabling may have been about those very tokens.
    await setUserDisabled(ctx(), securityActor, dep.id, false);
    expect(await authenticateToken(ctx(), fourth.secret)).toBeUndefined();
    const audited = (await t.db().auditLog.list()).map((e) => e.action);
    expect(audited).toEqual(expect.arrayContaining(['user-create', 'user-disable', 'user-enable']));
  });

  it('takes a token scoped below its roles as the ceiling for tokens made with it', async () => {
    const { securityActor } = await boot();
    const unit = await t.db().units.getOrCreateByCode({ code: 'A', name: '甲单位' });
    const dep = await createUser(ctx(), securityActor, { username: 'dep', unitId: unit.id, roles: ['depositor'] });
    const narrow = (await authenticateToken(
      ctx(),
      (await createToken(ctx(), actorOf(dep), { name: 'n', scopes: ['deposit'] })).secret,
    )) as UserActor;
    // It lacks manage-own-tokens itself, so it cannot mint another.
    await expect(createToken(ctx(), narrow, { name: 'm', scopes: ['deposit'] })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describeEachDialect('registering units', (t) => {
  it('registers a unit with a valid credit code, and only the security administrator may', async () => {
    const ctx: AuthContext = { db: t.db(), clock };
    const made = await bootstrapAdministrators(ctx, await createSetupCode(ctx), admins);
    const unit = await registerUnit(ctx, actorOf(made.security), {
      name: '华为技术有限公司',
      creditCode: '914403001922038216',
      unitType: 'private-firm',
      domain: 'social-security',
    });
    expect(unit).toMatchObject({ code: '914403001922038216', creditCode: '914403001922038216', type: '非公企业' });
    await expect(
      registerUnit(ctx, actorOf(made.security), {
        name: '再来一次',
        creditCode: '914403001922038216',
        unitType: 'agency',
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      registerUnit(ctx, actorOf(made.security), {
        name: '抄错了',
        creditCode: '914403001922038217',
        unitType: 'agency',
      }),
    ).rejects.toThrow(/check character/);
    await expect(
      registerUnit(ctx, actorOf(made.system), { name: 'x', creditCode: '91440300708461136T', unitType: 'agency' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
