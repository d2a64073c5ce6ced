import { administratorsExist, bootstrapAdministrators, createSetupCode, type BootstrapInput } from '../auth/index.js';
import { isYinjiError } from '../core/index.js';
import { recordAudit } from './audit-log.js';
import type { Center } from './center.js';

export interface BootstrappedAdministrators {
  readonly system: string;
  readonly security: string;
  readonly auditor: string;
}

/**
 * First run: create the three administrators (三员) with the one-time setup
 * code `yinji init` printed — never a default password. Both a success and a
 * refused attempt go into the security audit log.
 */
export async function bootstrapCenter(
  center: Center,
  code: string,
  input: BootstrapInput,
): Promise<BootstrappedAdministrators> {
  const target = [input.system.username, input.security.username, input.auditor.username].join(',');
  try {
    const created = await bootstrapAdministrators({ db: center.db, clock: center.clock }, code, input);
    await recordAudit(center, {
      actor: 'setup-code',
      role: 'system',
      action: 'permission-change',
      target,
      outcome: 'success',
      detail: { event: 'bootstrap', roles: ['system-admin', 'security-admin', 'security-auditor'] },
    });
    return { system: created.system.username, security: created.security.username, auditor: created.auditor.username };
  } catch (e) {
    await recordAudit(center, {
      actor: 'setup-code',
      role: 'system',
      action: 'permission-change',
      target,
      outcome: 'failure',
      detail: { event: 'bootstrap', error: isYinjiError(e) ? e.code : 'E_INTERNAL' },
    });
    throw e;
  }
}

/** Whether the three administrators are still to be created (the console then offers the setup form). */
export async function bootstrapNeeded(center: Center): Promise<boolean> {
  return !(await administratorsExist({ db: center.db, clock: center.clock }));
}

/**
 * A one-time setup code for a center started without `yinji init` (`npm
 * start`): made while the three administrators do not exist and no code is
 * waiting to be used (the one `yinji init` printed stays valid). Undefined
 * otherwise.
 */
export async function setupCodeIfUnbootstrapped(center: Center): Promise<string | undefined> {
  const ctx = { db: center.db, clock: center.clock };
  if ((await administratorsExist(ctx)) || (await center.db.setupCodes.hasUnused())) return undefined;
  return createSetupCode(ctx);
}
