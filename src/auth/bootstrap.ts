/**
 * First run: there is no default password. `yinji init` prints a one-time
 * setup code (createSetupCode); whoever holds it creates the three
 * administrators (三员) once (bootstrapAdministrators), which uses the code
 * up. After that the security administrator creates every other account.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, InvalidInputError } from '../core/index.js';
import type { UserRecord } from '../db/index.js';
import { AuthenticationError } from './errors.js';
import { hashPassword } from './passwords.js';
import { ADMIN_ROLES } from './roles.js';
import { sha256Hex } from './tokens.js';
import { insertUser, type AuthContext } from './users.js';

/** RFC 4648 base32 alphabet: no 0/1/8/9, so nothing is mistaken for O/I/B/g when typed from a terminal. */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Upper case, without the grouping dashes and spaces a person types. */
function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** Whether the three administrators (三员) have been created. */
export async function administratorsExist(ctx: AuthContext): Promise<boolean> {
  return (await ctx.db.users.countWithRoles(ADMIN_ROLES)) > 0;
}

/**
 * A new one-time setup code (160 random bits as 32 base32 characters in
 * groups of four), replacing any unused earlier one. Only its SHA-256 is
 * stored. ConflictError once the administrators exist.
 */
export async function createSetupCode(ctx: AuthContext): Promise<string> {
  if (await administratorsExist(ctx)) {
    throw new ConflictError({
      zh: '“三员”账号已经建立，不再需要初始化码',
      en: 'the three administrators already exist; no setup code is needed',
    });
  }
  const bytes = randomBytes(20);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let code = '';
  for (let i = 31; i >= 0; i--) code += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  await ctx.db.setupCodes.replace(sha256Hex(code));
  return code.match(/.{4}/g)?.join('-') ?? code;
}

export interface AdministratorInput {
  readonly username: string;
  readonly password: string;
  /** Default the username. */
  readonly displayName?: string;
}

export interface BootstrapInput {
  /** 系统管理员. */
  readonly system: AdministratorInput;
  /** 安全管理员. */
  readonly security: AdministratorInput;
  /** 安全审计员. */
  readonly auditor: AdministratorInput;
}

export interface Administrators {
  readonly system: UserRecord;
  readonly security: UserRecord;
  readonly auditor: UserRecord;
}

/**
 * Create the three administrators with the setup code, all or nothing, and
 * use the code up. A wrong or used code is AuthenticationError; a failed
 * attempt (a bad username) leaves the code usable. Center staff, clearance
 * 'open': administrators see no record content.
 */
export async function bootstrapAdministrators(
  ctx: AuthContext,
  code: string,
  input: BootstrapInput,
): Promise<Administrators> {
  const people = [
    ['system', input.system, 'system-admin'],
    ['security', input.security, 'security-admin'],
    ['auditor', input.auditor, 'security-auditor'],
  ] as const;
  if (new Set(people.map(([, p]) => p.username)).size !== 3) {
    throw new InvalidInputError({
      zh: '“三员”须是三个不同的账号',
      en: 'the three administrators must be three different accounts',
    });
  }
  // Hash outside the transaction: it is slow, and a retried transaction must do only database work.
  const hashes = await Promise.all(people.map(([, p]) => hashPassword(p.password)));
  return ctx.db.transaction(async (tx) => {
    if ((await tx.users.countWithRoles(ADMIN_ROLES)) > 0) {
      throw new ConflictError({ zh: '“三员”账号已经建立', en: 'the three administrators already exist' });
    }
    if (!(await tx.setupCodes.consume(sha256Hex(normaliseCode(code))))) {
      throw new AuthenticationError({
        zh: '初始化码不正确或已被使用；可用 yinji init 重新生成',
        en: 'the setup code is wrong or already used; run yinji init for a new one',
      });
    }
    const created: Partial<Record<'system' | 'security' | 'auditor', UserRecord>> = {};
    for (const [i, [key, person, role]] of people.entries()) {
      created[key] = await insertUser(
        tx,
        {
          username: person.username,
          ...(person.displayName === undefined ? {} : { displayName: person.displayName }),
          roles: [role],
        },
        hashes[i] ?? null,
        'bootstrap',
      );
    }
    const { system, security, auditor } = created;
    if (!system || !security || !auditor) throw new Error('bootstrap created fewer than three administrators');
    return { system, security, auditor };
  });
}
