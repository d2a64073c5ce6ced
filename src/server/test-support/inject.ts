import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestAccount } from '../../auth/test-support/accounts.js';

export type Inject = (options: InjectOptions) => Promise<LightMyRequestResponse>;

/** app.inject as `account` (its bearer token added to the request's headers). */
export function injectAs(app: FastifyInstance, account: TestAccount | undefined): Inject {
  return (options) => app.inject({ ...options, headers: { ...(account?.headers ?? {}), ...(options.headers ?? {}) } });
}
