/**
 * Accounts: creating users, granting roles under the separation rules,
 * signing in with a password. Every function takes the acting user and asks
 * the permission matrix first; the rules on role combinations live here, in
 * the service, with a unique index in the database (006_auth) as a backstop.
 */
import { ConflictError, InvalidInputError, NotFoundError, type Clock, type Message } from '../core/index.js';
import type { Database, Repositories, UserRecord } from '../db/index.js';
import { auditChange } from './audit-log.js';
import { RoleConflictError } from './errors.js';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { requirePermission, type Action, type UserActor } from './permissions.js';
import {
  isAdminRole,
  isAssignableRole,
  isClassification,
  isUnitRole,
  ROLE_NAMES,
  type AssignableRole,
  type Classification,
} from './roles.js';

export { canSee } from './permissions.js';

/** What the auth services work over. `clock` decides token expiry; use the database's clock. */
export interface AuthContext {
  readonly db: Database;
  readonly clock: Clock;
}

export interface NewUserInput {
  /** 2–64 characters: letters, digits, `.`, `_`, `-`, `@`; compared as given. */
  readonly username: string;
  /** Default the username. */
  readonly displayName?: string;
  /** The unit the user deposits for; omit (or null) for center staff. */
  readonly unitId?: number | null;
  /** Omit for an account that signs in with API tokens only. */
  readonly password?: string;
  /** Default 'open'. */
  readonly clearance?: Classification;
  readonly roles?: readonly AssignableRole[];
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

/** The actor a user record signs in as; `scopes` when through an API token. */
export function actorOf(user: UserRecord, scopes?: readonly Action[]): UserActor {
  return {
    kind: 'user',
    userId: user.id,
    username: user.username,
    unitId: user.unitId,
    roles: user.roles.filter(isAssignableRole),
    // An unknown stored clearance counts as the lowest (fail closed).
    clearance: isClassification(user.clearance) ? user.clearance : 'open',
    ...(scopes === undefined ? {} : { scopes }),
  };
}

/**
 * Why `role` may not be added to an account with `unitId` and `roles`, or
 * undefined if it may: unit users hold unit roles only, center staff center
 * roles only, and an administrator (三员) holds that one role and nothing else.
 */
export function roleConflict(
  account: { readonly unitId: number | null; readonly roles: readonly string[] },
  role: AssignableRole,
): Message | undefined {
  const name = ROLE_NAMES[role];
  if (account.unitId !== null && !isUnitRole(role)) {
    return {
      zh: `单位用户不能担任中心角色“${name.zh}”`,
      en: `a user of a unit cannot hold the center role ${name.en}`,
    };
  }
  if (account.unitId === null && isUnitRole(role)) {
    return {
      zh: `中心人员不属于任何单位，不能担任“${name.zh}”`,
      en: `center staff belong to no unit and cannot hold the role ${name.en}`,
    };
  }
  const others = account.roles.filter((r) => r !== role);
  const admin = others.find(isAdminRole) ?? (isAdminRole(role) ? others[0] : undefined);
  if (admin !== undefined) {
    const held = isAssignableRole(admin) ? ROLE_NAMES[admin] : { zh: admin, en: admin };
    return {
      zh: `“三员”须由不同人员担任：该账号已是“${held.zh}”，不能再担任“${name.zh}”`,
      en: `the three administrators must be separate people: the account is already ${held.en} and cannot also be ${name.en}`,
    };
  }
  return undefined;
}

function checkUsername(username: string): void {
  if (!USERNAME.test(username)) {
    throw new InvalidInputError({
      zh: `用户名 "${username}" 无效：2–64 个字母、数字或 . _ - @，以字母或数字开头`,
      en: `invalid username "${username}": 2–64 letters, digits or . _ - @, starting with a letter or digit`,
    });
  }
}

/** Insert a user and grant its roles inside `tx`, applying the role rules. For createUser and bootstrap. */
export async function insertUser(
  tx: Repositories,
  input: NewUserInput,
  passwordHash: string | null,
  grantedBy: string,
): Promise<UserRecord> {
  checkUsername(input.username);
  const unitId = input.unitId ?? null;
  if (unitId !== null && !(await tx.units.getById(unitId))) {
    throw new NotFoundError({ zh: `单位 ${unitId} 不存在`, en: `no unit ${unitId}` });
  }
  const created = await tx.users.create({
    username: input.username,
    displayName: input.displayName ?? input.username,
    unitId,
    passwordHash,
    clearance: input.clearance ?? 'open',
  });
  const roles: string[] = [];
  for (const role of input.roles ?? []) {
    const conflict = roleConflict({ unitId, roles }, role);
    if (conflict) throw new RoleConflictError(conflict, { details: { username: input.username, role } });
    await tx.users.addRole(created.id, role, grantedBy);
    roles.push(role);
  }
  return { ...created, roles: [...roles].sort() };
}

/** Create an account (security administrator). Hashes the password before the transaction. */
export async function createUser(ctx: AuthContext, actor: UserActor, input: NewUserInput): Promise<UserRecord> {
  requirePermission(actor, 'manage-users');
  if ((input.roles ?? []).length > 0) requirePermission(actor, 'assign-roles');
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  return ctx.db.transaction(async (tx) => {
    const user = await insertUser(tx, input, passwordHash, actor.username);
    await auditChange(tx, actor, 'user-create', `user:${user.username}`, {
      unitId: user.unitId,
      roles: user.roles,
      clearance: user.clearance,
    });
    return user;
  });
}

/**
 * Grant a role (security administrator), refusing a grant that breaks the
 * separation rules (RoleConflictError) and any change to one's own roles.
 */
export async function assignRole(
  ctx: AuthContext,
  actor: UserActor,
  userId: number,
  role: AssignableRole,
): Promise<UserRecord> {
  requirePermission(actor, 'assign-roles');
  if (actor.userId === userId) {
    throw new RoleConflictError({ zh: '不能修改自己的角色', en: 'you cannot change your own roles' });
  }
  return ctx.db.transaction(async (tx) => {
    // Serialise role changes of this user, so two grants cannot both pass the check below.
    await tx.users.lock(userId);
    const user = await tx.users.getById(userId);
    if (!user) throw new NotFoundError({ zh: `用户 ${userId} 不存在`, en: `no user ${userId}` });
    const conflict = roleConflict(user, role);
    if (conflict) throw new RoleConflictError(conflict, { details: { userId, role } });
    await tx.users.addRole(userId, role, actor.username);
    await auditChange(tx, actor, 'role-grant', `user:${user.username}`, { role });
    return { ...user, roles: [...new Set([...user.roles, role])].sort() };
  });
}

export async function revokeRole(
  ctx: AuthContext,
  actor: UserActor,
  userId: number,
  role: AssignableRole,
): Promise<boolean> {
  requirePermission(actor, 'assign-roles');
  if (actor.userId === userId) {
    throw new RoleConflictError({ zh: '不能修改自己的角色', en: 'you cannot change your own roles' });
  }
  return ctx.db.transaction(async (tx) => {
    const user = await tx.users.getById(userId);
    if (!user || !(await tx.users.removeRole(userId, role))) return false;
    await auditChange(tx, actor, 'role-revoke', `user:${user.username}`, { role });
    return true;
  });
}

export async function setUserDisabled(
  ctx: AuthContext,
  actor: UserActor,
  userId: number,
  disabled: boolean,
): Promise<void> {
  requirePermission(actor, 'manage-users');
  if (actor.userId === userId) {
    throw new ConflictError({ zh: '不能停用自己的账号', en: 'you cannot disable your own account' });
  }
  await ctx.db.transaction(async (tx) => {
    const user = await tx.users.getById(userId);
    if (!user) throw new NotFoundError({ zh: `用户 ${userId} 不存在`, en: `no user ${userId}` });
    await tx.users.setDisabled(userId, disabled);
    // A disabled account's sessions and tokens end now: enabling it again must not bring back
    // credentials that may have been the reason for disabling it.
    if (disabled) {
      await tx.sessions.revokeAllOf(userId);
      await tx.apiTokens.revokeAllOf(userId);
    }
    await auditChange(tx, actor, disabled ? 'user-disable' : 'user-enable', `user:${user.username}`);
  });
}

/**
 * Sign in with a password: the actor, or undefined for an unknown user, a
 * wrong password, an account without a password or a disabled account — all
 * alike and taking the same time (a dummy hash is verified for unknown users).
 * A hash made with weaker parameters is upgraded on success.
 */
export async function authenticatePassword(
  ctx: AuthContext,
  username: string,
  password: string,
): Promise<UserActor | undefined> {
  const user = await ctx.db.users.getByUsername(username);
  const stored = user?.passwordHash ?? (await dummyPasswordHash());
  const ok = await verifyPassword(stored, password);
  if (!ok || !user || user.passwordHash === null || user.disabled) return undefined;
  if (needsRehash(user.passwordHash)) {
    // An old password that no longer meets the policy keeps its old hash until the user changes it.
    const upgraded = await hashPassword(password).catch(() => undefined);
    if (upgraded !== undefined) await ctx.db.users.setPasswordHash(user.id, upgraded);
  }
  return actorOf(user);
}

/** Change one's own password, proving the current one. */
export async function changeOwnPassword(
  ctx: AuthContext,
  actor: UserActor,
  current: string,
  next: string,
): Promise<void> {
  requirePermission(actor, 'change-own-password');
  const user = await ctx.db.users.getById(actor.userId);
  if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, current))) {
    throw new InvalidInputError({ zh: '当前口令不正确', en: 'the current password is wrong' });
  }
  const hash = await hashPassword(next);
  await ctx.db.transaction(async (tx) => {
    await tx.users.setPasswordHash(user.id, hash);
    // Whoever may have learnt the old password loses the sessions it opened.
    await tx.sessions.revokeAllOf(user.id);
    await auditChange(tx, actor, 'password-change', `user:${user.username}`);
  });
}
