import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { langOf } from './errors.js';

/** Where `npm run build` puts the console (web/vite.config.ts); the same place from src/ and from dist/. */
export const CONSOLE_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

/**
 * The console's pages may run the bundled scripts and nothing else; Ant
 * Design writes its styles into <style> elements at run time, hence
 * 'unsafe-inline' for styles only. Files are read in the browser (blob:).
 */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/** Paths that are never console pages: a miss there is an API miss, answered in the API's error format. */
const NOT_PAGES = /^\/(api|log|assets|openapi\.json|healthz|metrics|tsa)(\/|$)/;

/**
 * The web console (issue 9): the files Vite built, served by this same
 * server (no second backend). Hashed assets are cached for good; a page
 * address (/verify?regno=… from a certificate's QR code, /search?q=…) is
 * answered with index.html and the browser's router takes it from there.
 * Any other miss is the API's JSON 404.
 */
export async function registerConsole(app: FastifyInstance, root = CONSOLE_ROOT): Promise<void> {
  const built = existsSync(`${root}/index.html`);
  await app.register(fastifyStatic, { root, serve: false });
  const open = { access: 'none' } as const;
  app.get<{ Params: { '*': string } }>('/assets/*', { config: open, schema: { hide: true } }, async (request, reply) =>
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .sendFile(`assets/${request.params['*']}`, { maxAge: '365d', immutable: true }),
  );
  app.get('/favicon.svg', { config: open, schema: { hide: true } }, async (_request, reply) =>
    reply.sendFile('favicon.svg', { maxAge: '1d' }),
  );
  app.setNotFoundHandler(async (request, reply) => {
    if (isPageRequest(request)) return sendPage(reply, built, langOf(request));
    return reply.status(404).send({
      error: {
        code: 'E_NOT_FOUND',
        message: langOf(request) === 'en' ? 'no such API route' : '没有这个接口',
        details: {},
      },
    });
  });
}

function isPageRequest(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '';
  return !NOT_PAGES.test(path) && /\btext\/html\b/.test(request.headers.accept ?? '');
}

async function sendPage(reply: FastifyReply, built: boolean, lang: 'zh' | 'en'): Promise<FastifyReply> {
  if (!built) {
    // A center run from a checkout that skipped the console build: say how to get it.
    return reply
      .status(503)
      .type('text/plain; charset=utf-8')
      .send(
        lang === 'en'
          ? 'The web console has not been built: run `npm run build`, then restart yinji serve.'
          : '网页控制台尚未构建：请运行 npm run build，然后重新启动 yinji serve。',
      );
  }
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('cache-control', 'no-cache')
    .sendFile('index.html', { cacheControl: false });
}
