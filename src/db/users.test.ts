import { expect, it } from 'vitest';
import { ConflictError } from '../core/index.js';
import { describeEachDialect, T0 } from './database.suite.js';

describeEachDialect('users, roles, tokens and setup codes', (t) => {
  it('registers a unit with its credit code, type and domain; a credit code is unique when given', async () => {
    const db = t.db();
    const unit = await db.units.create({
      code: '91440300708461136T',
      name: '深圳市腾讯计算机系统有限公司',
      creditCode: '91440300708461136T',
      unitType: 'private-firm',
      domain: '',
    });
    expect(unit).toMatchObject({ creditCode: '91440300708461136T', unitType: 'private-firm', createdAt: T0 });
    // Units made by deposits before 006 have no credit code; any number of them may.
    const a = await db.units.getOrCreateByCode({ code: 'A', name: '甲' });
    await db.units.getOrCreateByCode({ code: 'B', name: '乙' });
    expect(a).toMatchObject({ creditCode: null, unitType: '', domain: '' });
    await expect(db.units.updateProfile(a.id, { creditCode: '91440300708461136T' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(db.units.create({ code: 'C', name: '丙', creditCode: '91440300708461136T' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await db.units.updateProfile(a.id, { domain: 'social-security', unitType: 'agency' })).toMatchObject({
      code: 'A',
      domain: 'social-security',
      unitType: 'agency',
    });
    expect(await db.units.updateProfile(999_999, { domain: 'x' })).toBeUndefined();
  });

  it('stores users with roles; usernames are unique; lists center staff and unit users apart', async () => {
    const db = t.db();
    const unit = await db.units.getOrCreateByCode({ code: 'U', name: '单位' });
    const staff = await db.users.create({
      username: 'op',
      displayName: '审核员',
      unitId: null,
      passwordHash: '$argon2id$x',
      clearance: 'internal',
    });
    const member = await db.users.create({
      username: 'dep',
      displayName: '档案员',
      unitId: unit.id,
      passwordHash: null,
      clearance: 'open',
    });
    await expect(
      db.users.create({ username: 'op', displayName: 'x', unitId: null, passwordHash: null, clearance: 'open' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await db.users.addRole(staff.id, 'operator', 'boot');
    await db.users.addRole(staff.id, 'operator', 'boot'); // idempotent
    await db.users.addRole(member.id, 'unit-manager', 'boot');
    await db.users.addRole(member.id, 'depositor', 'boot');
    expect(await db.users.getByUsername('dep')).toMatchObject({
      unitId: unit.id,
      roles: ['depositor', 'unit-manager'],
      disabled: false,
      createdAt: T0,
    });
    expect((await db.users.list({ unitId: null })).map((u) => u.username)).toEqual(['op']);
    expect((await db.users.list({ unitId: unit.id })).map((u) => u.username)).toEqual(['dep']);
    expect((await db.users.list()).map((u) => [u.username, u.roles])).toEqual([
      ['dep', ['depositor', 'unit-manager']],
      ['op', ['operator']],
    ]);
    expect(await db.users.removeRole(member.id, 'unit-manager')).toBe(true);
    expect(await db.users.removeRole(member.id, 'unit-manager')).toBe(false);
    await db.users.setDisabled(member.id, true);
    await db.users.setPasswordHash(member.id, '$argon2id$y');
    expect(await db.users.getById(member.id)).toMatchObject({ disabled: true, passwordHash: '$argon2id$y' });
    expect(await db.users.getById(999_999)).toBeUndefined();
    expect(await db.users.countWithRoles(['operator', 'depositor'])).toBe(2);
  });

  it('refuses a second administrator role on one account in the database itself, even when grants race', async () => {
    const db = t.db();
    const u = await db.users.create({
      username: 'a',
      displayName: 'a',
      unitId: null,
      passwordHash: null,
      clearance: 'open',
    });
    const results = await Promise.allSettled([
      db.users.addRole(u.id, 'system-admin', 'x'),
      db.users.addRole(u.id, 'security-admin', 'x'),
      db.users.addRole(u.id, 'security-auditor', 'x'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect((await db.users.getById(u.id))?.roles).toHaveLength(1);
    expect(await db.users.countWithRoles(['system-admin', 'security-admin', 'security-auditor'])).toBe(1);
  });

  it('stores API tokens by hash and revokes them once', async () => {
    const db = t.db();
    const u = await db.users.create({
      username: 'm',
      displayName: 'm',
      unitId: null,
      passwordHash: null,
      clearance: 'open',
    });
    const tok = await db.apiTokens.create({
      userId: u.id,
      name: 'cli',
      tokenHash: 'ab'.repeat(32),
      scopes: ['deposit', 'registration.list'],
      expiresAt: '2026-04-01T00:00:00Z',
    });
    expect(tok).toMatchObject({
      userId: u.id,
      scopes: ['deposit', 'registration.list'],
      createdAt: T0,
      expiresAt: '2026-04-01T00:00:00.000Z',
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(await db.apiTokens.getByHash('ab'.repeat(32))).toEqual(tok);
    expect(await db.apiTokens.getByHash('cd'.repeat(32))).toBeUndefined();
    await db.apiTokens.touch(tok.id);
    expect((await db.apiTokens.getById(tok.id))?.lastUsedAt).toBe(T0);
    expect((await db.apiTokens.revoke(tok.id))?.revokedAt).toBe(T0);
    expect(await db.apiTokens.revoke(999_999)).toBeUndefined();
    expect(await db.apiTokens.listByUser(u.id)).toHaveLength(1);
  });

  it('uses a setup code exactly once, even when two uses race', async () => {
    const db = t.db();
    await db.setupCodes.replace('11'.repeat(32));
    await db.setupCodes.replace('22'.repeat(32)); // the first, unused, is discarded
    expect(await db.setupCodes.consume('11'.repeat(32))).toBe(false);
    const results = await Promise.all([db.setupCodes.consume('22'.repeat(32)), db.setupCodes.consume('22'.repeat(32))]);
    expect(results.sort()).toEqual([false, true]);
    expect(await db.setupCodes.consume('22'.repeat(32))).toBe(false);
  });
});
