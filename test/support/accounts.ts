/**
 * Accounts for end-to-end tests against a data directory: open the center the
 * way `yinji` would, register the unit, create the account with an API token,
 * close. The token goes to CLI children as YINJI_TOKEN and to fetch as a
 * bearer header.
 */
import { testAccount, testUnit } from '../../src/auth/test-support/accounts.js';
import type { AssignableRole, Classification } from '../../src/auth/index.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { Center, type CenterConfig } from '../../src/center/index.js';

export interface ProvisionedAccount {
  readonly token: string;
  readonly headers: { readonly authorization: string };
  /** Environment for a CLI child: YINJI_TOKEN, and no stored credentials of the machine's user. */
  readonly env: NodeJS.ProcessEnv;
}

export async function provisionAccount(
  dataDir: string,
  input: {
    username: string;
    roles: readonly AssignableRole[];
    /** The account's unit (created if missing); omit for center staff. */
    unit?: string;
    /** Units to register besides (an operator deposits for them). */
    units?: readonly string[];
    clearance?: Classification;
    /** A password to sign in with (`yinji login`, POST /api/v1/session); omit for token-only accounts. */
    password?: string;
  },
  config: Partial<CenterConfig> = {},
): Promise<ProvisionedAccount> {
  const center = await Center.open({ dataDir, config });
  try {
    for (const code of input.units ?? []) await testUnit(center.db, code);
    const unit = input.unit === undefined ? undefined : await testUnit(center.db, input.unit);
    const { password, ...rest } = input;
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    const account = await testAccount(center, { ...rest, unit, passwordHash });
    return {
      token: account.token,
      headers: account.headers,
      env: { YINJI_TOKEN: account.token, YINJI_CREDENTIALS: '/nonexistent/yinji-credentials.json' },
    };
  } finally {
    await center.close();
  }
}
