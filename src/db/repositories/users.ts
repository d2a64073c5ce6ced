import type { Selectable } from 'kysely';
import type { NewUser, UserRecord } from '../records.js';
import type { UsersTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { compareText, timestamp, type RepoContext } from './context.js';

/**
 * User accounts and their roles (006_auth). Storage only: which roles may be
 * combined, and who may grant them, is the auth module's rule (auth/users.ts).
 */
export interface UserRepository {
  /** ConflictError if the username is taken. */
  create(user: NewUser): Promise<UserRecord>;
  getById(id: number): Promise<UserRecord | undefined>;
  getByUsername(username: string): Promise<UserRecord | undefined>;
  /** Users by username; `unitId` null lists center staff, a number that unit's users. */
  list(options?: { readonly unitId?: number | null }): Promise<readonly UserRecord[]>;
  setDisabled(id: number, disabled: boolean): Promise<void>;
  setPasswordHash(id: number, passwordHash: string | null): Promise<void>;
  /**
   * Grant a role (nothing if already held). ConflictError if the database's own
   * 三员 rule refuses it (a second administrator role on one account).
   */
  addRole(userId: number, role: string, grantedBy: string): Promise<void>;
  /** True if the user held the role. */
  removeRole(userId: number, role: string): Promise<boolean>;
  /**
   * Inside a transaction: hold the user's row until commit, so concurrent role
   * changes of one user run one after the other (PostgreSQL `FOR UPDATE`;
   * SQLite has one writer already).
   */
  lock(id: number): Promise<void>;
  /** How many accounts hold any of `roles`. */
  countWithRoles(roles: readonly string[]): Promise<number>;
}

function toUser(row: Selectable<UsersTable>, roles: readonly string[]): UserRecord {
  return {
    id: Number(row.id),
    username: row.username,
    displayName: row.display_name,
    unitId: row.unit_id === null ? null : Number(row.unit_id),
    passwordHash: row.password_hash,
    clearance: row.clearance,
    disabled: Number(row.disabled) === 1,
    createdAt: row.created_at,
    roles: [...roles].sort(compareText),
  };
}

export function userRepository(ctx: RepoContext): UserRepository {
  const rolesOf = async (ids: readonly number[]): Promise<Map<number, string[]>> => {
    const out = new Map<number, string[]>();
    if (ids.length === 0) return out;
    const rows = await ctx.db
      .selectFrom('user_roles')
      .select(['user_id', 'role'])
      .where('user_id', 'in', ids)
      .execute();
    for (const r of rows) {
      const list = out.get(Number(r.user_id)) ?? [];
      list.push(r.role);
      out.set(Number(r.user_id), list);
    }
    return out;
  };
  const withRoles = async (rows: readonly Selectable<UsersTable>[]): Promise<UserRecord[]> => {
    const roles = await rolesOf(rows.map((r) => Number(r.id)));
    return rows.map((r) => toUser(r, roles.get(Number(r.id)) ?? []));
  };
  const one = async (row: Selectable<UsersTable> | undefined): Promise<UserRecord | undefined> =>
    row && (await withRoles([row]))[0];

  return {
    create: (u) =>
      guarded(
        { zh: `创建用户 ${u.username}`, en: `create user ${u.username}` },
        async () => {
          const row = await ctx.db
            .insertInto('users')
            .values({
              username: u.username,
              display_name: u.displayName,
              unit_id: u.unitId,
              password_hash: u.passwordHash,
              clearance: u.clearance,
              disabled: 0,
              created_at: timestamp(ctx),
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          return toUser(row, []);
        },
        { zh: `用户名 ${u.username} 已被使用`, en: `username ${u.username} is taken` },
      ),
    getById: (id) =>
      guarded({ zh: `读取用户 ${id}`, en: `read user ${id}` }, async () =>
        one(await ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()),
      ),
    getByUsername: (username) =>
      guarded({ zh: `读取用户 ${username}`, en: `read user ${username}` }, async () =>
        one(await ctx.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst()),
      ),
    list: (options = {}) =>
      guarded({ zh: '列出用户', en: 'list users' }, async () => {
        let q = ctx.db.selectFrom('users').selectAll();
        if (options.unitId === null) q = q.where('unit_id', 'is', null);
        else if (options.unitId !== undefined) q = q.where('unit_id', '=', options.unitId);
        const users = await withRoles(await q.execute());
        return users.sort((a, b) => compareText(a.username, b.username));
      }),
    setDisabled: (id, disabled) =>
      guarded({ zh: `修改用户 ${id}`, en: `update user ${id}` }, async () => {
        await ctx.db
          .updateTable('users')
          .set({ disabled: disabled ? 1 : 0 })
          .where('id', '=', id)
          .execute();
      }),
    setPasswordHash: (id, passwordHash) =>
      guarded({ zh: `修改用户 ${id} 的口令`, en: `update the password of user ${id}` }, async () => {
        await ctx.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
      }),
    addRole: (userId, role, grantedBy) =>
      guarded(
        { zh: `授予用户 ${userId} 角色 ${role}`, en: `grant role ${role} to user ${userId}` },
        async () => {
          await ctx.db
            .insertInto('user_roles')
            .values({ user_id: userId, role, granted_at: timestamp(ctx), granted_by: grantedBy })
            .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
            .execute();
        },
        {
          zh: `用户 ${userId} 已担任另一“三员”角色，不能再担任 ${role}`,
          en: `user ${userId} already holds another of the three administrator roles; cannot also hold ${role}`,
        },
      ),
    removeRole: (userId, role) =>
      guarded({ zh: `撤销用户 ${userId} 的角色 ${role}`, en: `revoke role ${role} of user ${userId}` }, async () => {
        const r = await ctx.db
          .deleteFrom('user_roles')
          .where('user_id', '=', userId)
          .where('role', '=', role)
          .executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),
    lock: (id) =>
      guarded({ zh: `锁定用户 ${id}`, en: `lock user ${id}` }, async () => {
        if (ctx.dialect === 'postgres') {
          await ctx.db.selectFrom('users').select('id').where('id', '=', id).forUpdate().execute();
        }
      }),
    countWithRoles: (roles) =>
      guarded({ zh: '统计角色', en: 'count role holders' }, async () => {
        if (roles.length === 0) return 0;
        const row = await ctx.db
          .selectFrom('user_roles')
          .select((eb) => eb.fn.count<number>('user_id').distinct().as('n'))
          .where('role', 'in', roles)
          .executeTakeFirstOrThrow();
        return Number(row.n);
      }),
  };
}
