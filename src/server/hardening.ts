import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Center } from '../center/index.js';
import { YinjiError } from '../core/index.js';

/**
 * Signing in (sessions and tokens share one count): per client address, so
 * guessing passwords is slow (and every failure is audited).
 */
export const LOGIN_RATE_LIMIT = { max: 10, timeWindow: '1 minute' } as const;
/** Open endpoints (verification, the time-stamp authority): generous for people, a brake on scrapers. */
export const PUBLIC_RATE_LIMIT = { max: 300, timeWindow: '1 minute' } as const;

/**
 * Security headers on every response (OWASP Secure Headers): nothing is
 * sniffed, framed or cached when it was asked for with credentials; the API
 * serves no scripts, so its content policy allows none (the check report's
 * HTML uses inline styles only); the console's pages set their own (console.ts).
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
};

/** Rate limits and security headers (issue 5 item 6); the not-found answer is console.ts's. */
export async function registerHardening(app: FastifyInstance, center: Center): Promise<void> {
  // Limits apply to the routes that ask for one (config.rateLimit), not globally.
  await app.register(rateLimit, {
    global: false,
    // The builder's value is thrown: a YinjiError, so errors.ts answers it in the usual shape.
    errorResponseBuilder: (_request, context) =>
      new YinjiError(
        'E_RATE_LIMITED',
        { zh: `请求过于频繁，请在 ${context.after} 后重试`, en: `too many requests: try again in ${context.after}` },
        { details: { limit: context.max } },
      ),
  });
  app.addHook('onSend', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!reply.hasHeader(name)) void reply.header(name, value);
    }
    if (center.config.httpsOnly) void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    if (request.actor.kind === 'user' && !reply.hasHeader('cache-control'))
      void reply.header('cache-control', 'no-store');
  });
}
