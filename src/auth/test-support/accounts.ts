/**
 * Accounts for tests: a unit, a user with roles and an API token, made with
 * the repositories directly (as `yinji admin` and the security administrator
 * would through the service), so a test can sign requests in one line.
 */
import type { Clock } from '../../core/index.js';
import type { Database, Unit } from '../../db/index.js';
import { ACTIONS, authorize, PERMISSIONS, type UserActor } from '../permissions.js';
import type { AssignableRole, Classification } from '../roles.js';
import { createToken } from '../tokens.js';
import { actorOf } from '../users.js';

export interface TestAccount {
  readonly actor: UserActor;
  /** An API token secret with every scope the account's roles allow. */
  readonly token: string;
  /** `{ authorization: 'Bearer …' }` for app.inject / fetch. */
  readonly headers: { readonly authorization: string };
}

export async function testUnit(db: Database, code: string, name = `单位 ${code}`): Promise<Unit> {
  return (await db.units.getByCode(code)) ?? db.units.create({ code, name });
}

export async function testAccount(
  ctx: { db: Database; clock: Clock },
  input: {
    username: string;
    roles: readonly AssignableRole[];
    unit?: Unit;
    clearance?: Classification;
    passwordHash?: string;
  },
): Promise<TestAccount> {
  let user = await ctx.db.users.create({
    username: input.username,
    displayName: input.username,
    unitId: input.unit?.id ?? null,
    passwordHash: input.passwordHash ?? null,
    clearance: input.clearance ?? 'internal',
  });
  for (const role of input.roles) await ctx.db.users.addRole(user.id, role, 'test');
  user = (await ctx.db.users.getById(user.id))!;
  const actor = actorOf(user);
  const scopes = ACTIONS.filter((a) => PERMISSIONS[a].scope !== 'public' && authorize(actor, a));
  const { secret } = await createToken(ctx, actor, { name: 'test', scopes });
  return { actor, token: secret, headers: { authorization: `Bearer ${secret}` } };
}
