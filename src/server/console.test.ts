/**
 * The web console as the server serves it (issue 9 item 1): pages for any
 * console address (a certificate's QR link included), hashed assets cached
 * for good, the API's JSON 404 everywhere else, and a clear answer when the
 * console was never built. Uses dist/web, which `npm test` builds first.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Center } from '../center/index.js';
import { buildApp } from './app.js';
import { CONSOLE_ROOT, registerConsole } from './console.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('the web console, served by the center', () => {
  let tmp: string;
  let center: Center;
  let app: FastifyInstance;

  beforeAll(async () => {
    if (!existsSync(join(CONSOLE_ROOT, 'index.html'))) throw new Error('dist/web is missing: run `npm run build`');
    tmp = await mkdtemp(join(tmpdir(), 'yinji-console-'));
    center = await Center.open({ dataDir: join(tmp, 'data') });
    app = await buildApp(center, { logger: false });
  });

  afterAll(async () => {
    await app?.close();
    await center?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it.each(['/', '/verify?regno=330100-2026-000001&v=1&root=abc', '/search?q=%E9%80%9A%E7%9F%A5', '/sign-in'])(
    'answers the page address %s with the console, under its own content policy',
    async (url) => {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<div id="root"></div>');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['x-frame-options']).toBe('DENY');
    },
  );

  it('serves the built assets with a long cache, and nothing outside them', async () => {
    const [script] = (await readdir(join(CONSOLE_ROOT, 'assets'))).filter((f) => f.endsWith('.js'));
    const res = await app.inject({ url: `/assets/${script}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    for (const url of ['/assets/../index.html', '/assets/%2e%2e/%2e%2e/package.json', '/assets/nope.js']) {
      const miss = await app.inject({ url });
      expect(miss.statusCode, url).toBe(404);
      expect(miss.body, url).not.toContain('"name": "yinji"');
    }
  });

  it('keeps the API: POST /verify is still verification, and an unknown API path is a JSON 404 even from a browser', async () => {
    const verify = await app.inject({ method: 'POST', url: '/verify', payload: { sha256: ['0'.repeat(64)] } });
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toEqual({ results: [{ sha256: '0'.repeat(64), registrations: [] }] });
    for (const url of ['/api/v1/nothing', '/log/nothing']) {
      const res = await app.inject({ url, headers: { ...HTML, 'accept-language': 'en' } });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no such API route', details: {} } });
    }
    // A script asking for JSON gets the API's answer, not a page.
    expect((await app.inject({ url: '/verify' })).statusCode).toBe(404);
  });

  it('says how to build the console when a checkout skipped it', async () => {
    const bare = Fastify();
    await registerConsole(bare, join(tmp, 'no-console-here'));
    const res = await bare.inject({ url: '/', headers: HTML });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    await bare.close();
  });
});
