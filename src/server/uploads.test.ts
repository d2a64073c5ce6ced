import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZip } from '../packages/test-support/raw-zip.js';
import { Center, cleanStaging, type CenterConfig } from '../center/index.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import { buildApp } from './app.js';

const zip = buildZip([
  { name: '文书/2026/通知.txt', data: '关于开展断点续传的通知' },
  { name: '照片/合影.jpg', data: Buffer.alloc(4096, 7) },
]);
const sha256 = `sha256:${createHash('sha256').update(zip).digest('hex')}`;

const metadata = (fields: Record<string, string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

async function serve(config: Partial<CenterConfig> = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'yinji-tus-'));
  const center = await Center.open({ dataDir: join(tmp, 'data'), config });
  const app: FastifyInstance = await buildApp(center, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const [unitA, unitB] = [await testUnit(center.db, '330100'), await testUnit(center.db, '330200')];
  await center.db.units.setLimits(unitB.id, { maxPackageBytes: 100 });
  const accounts = {
    op: await testAccount(center, { username: 'op', roles: ['operator'] }),
    a: await testAccount(center, { username: 'a', roles: ['depositor'], unit: unitA }),
    b: await testAccount(center, { username: 'b', roles: ['depositor'], unit: unitB }),
    anonymous: undefined,
  };
  type Who = keyof typeof accounts;
  const auth = (who: Who): Record<string, string> => ({ ...accounts[who]?.headers });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return {
    center,
    base,
    auth,
    tusDir: join(center.config.stagingDir, 'tus'),
    create: async (length: number, fields: Record<string, string> = { unit: '330100' }, who: Who = 'op') =>
      fetch(`${base}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          ...auth(who),
          'tus-resumable': '1.0.0',
          'upload-length': String(length),
          ...(Object.keys(fields).length > 0 ? { 'upload-metadata': metadata(fields) } : {}),
        },
      }),
    patch: async (url: string, offset: number, body: Buffer, who: Who = 'op') =>
      fetch(url, {
        method: 'PATCH',
        headers: {
          ...auth(who),
          'tus-resumable': '1.0.0',
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body,
      }),
    head: async (url: string, who: Who = 'op') =>
      fetch(url, { method: 'HEAD', headers: { ...auth(who), 'tus-resumable': '1.0.0' } }),
    register: async (url: string, who: Who = 'op') =>
      fetch(`${url}/register`, { method: 'POST', headers: { ...auth(who), 'accept-language': 'en' } }),
    close: async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
type Served = Awaited<ReturnType<typeof serve>>;

describe('resumable uploads (tus 1.0)', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(() => s.close());

  it('accepts an upload in two parts, resumes from the HEAD offset, registers it once', async () => {
    const created = await s.create(zip.length, { unit: '330100', title: '续传测试', digest: sha256 });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, s.base).href;
    const half = Math.floor(zip.length / 2);
    expect((await s.patch(url, 0, zip.subarray(0, half))).status).toBe(204);

    // An interrupted client asks where to go on; the start-up clean-up must not touch the upload.
    expect((await s.head(url)).headers.get('upload-offset')).toBe(String(half));
    await cleanStaging(s.center.config.stagingDir);
    expect((await s.head(url)).headers.get('upload-offset')).toBe(String(half));
    const early = await s.register(url);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: { code: 'E_UPLOAD_INCOMPLETE' } });

    const rest = await s.patch(url, half, zip.subarray(half));
    expect(rest.headers.get('upload-offset')).toBe(String(zip.length));
    const first = await s.register(url);
    const result = (await first.json()) as { regno: string; fileCount: number };
    expect(first.status, JSON.stringify(result)).toBe(200);
    expect(result).toMatchObject({ fileCount: 2, byteCount: 4096 + Buffer.byteLength('关于开展断点续传的通知') });
    // Registering again (a client that lost the first answer) returns the same registration.
    const again = (await (await s.register(url)).json()) as { regno: string };
    expect(again.regno).toBe(result.regno);
    expect((await s.head(url)).status).toBe(404);
    expect(await readdir(s.tusDir)).toEqual(['registered']);
  });

  it('refuses a package whose digest differs from the declared one, and drops it', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;
    const created = await s.create(zip.length, { unit: '330100', digest: wrong });
    const url = new URL(created.headers.get('location')!, s.base).href;
    await s.patch(url, 0, zip);
    const res = await s.register(url);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; details: { failed: string[] } } };
    expect(body.error.code).toBe('E_CHECKS_FAILED');
    expect(JSON.stringify(body.error.details)).toContain('package-digest');
    expect((await s.head(url)).status).toBe(404);
  });

  it('refuses unknown metadata and a malformed digest before storing a byte', async () => {
    const unknown = await s.create(10, { unit: '330100', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('colour');
    const bad = await s.create(10, { unit: '330100', digest: 'md5sum' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('E_INVALID_INPUT');
    const owner = await s.create(10, { unit: '330100', owner: 'MQ==' });
    expect(owner.status).toBe(400);
  });

  it("keeps each account's uploads its own: another unit's depositor, or nobody signed in, finds nothing", async () => {
    const created = await s.create(zip.length, { unit: '330100' }, 'a');
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, s.base).href;
    expect((await s.patch(url, 0, zip.subarray(0, 10), 'b')).status).toBe(404);
    expect((await s.head(url, 'b')).status).toBe(404);
    expect((await s.register(url, 'b')).status).toBe(404);
    expect((await s.head(url, 'anonymous')).status).toBe(401);
    expect((await s.create(10, { unit: '330100' }, 'anonymous')).status).toBe(401);
    // A unit's depositor uploads for their own unit only.
    const other = await s.create(10, { unit: '330100' }, 'b');
    expect(other.status).toBe(403);
    expect((await s.head(url, 'a')).headers.get('upload-offset')).toBe('0');
    // No cross-origin reads: the console is served from the same origin.
    const cors = await fetch(url, {
      method: 'HEAD',
      headers: { ...s.auth('a'), 'tus-resumable': '1.0.0', origin: 'https://evil.example' },
    });
    expect(cors.headers.get('access-control-allow-origin')).toBeNull();
    // tus reads the id from the end of the whole URL: a query string could point it at another upload.
    expect((await s.head(`${url}?x=/${'f'.repeat(32)}`, 'a')).status).toBe(400);
    // Where the center reviews deposits, a depositor's upload is self-checked and submitted, not registered.
    await s.patch(url, 0, zip, 'a');
    const submitted = await s.register(url, 'a');
    expect(submitted.status).toBe(202);
    expect(await submitted.json()).toMatchObject({
      submission: { status: 'submitted', title: '上传 upload' },
      checks: { blocked: false },
    });
    expect((await s.head(url, 'a')).status).toBe(404);
  });

  it('answers a streamed direct upload over the limit with 413 on a real connection, not a reset', async () => {
    const chunks = [Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2)];
    const res = await fetch(`${s.base}/api/v1/registrations?unit=330200`, {
      method: 'POST',
      headers: { ...s.auth('op'), 'content-type': 'application/zip' },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(next);
        },
      }),
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'E_UPLOAD_TOO_LARGE', details: { unit: '330200' } } });
  });

  it('keeps a refused self-check in its submission, and tells the unit which one', async () => {
    const created = await s.create(zip.length, { unit: '330100', digest: `sha256:${'0'.repeat(64)}` }, 'a');
    const url = new URL(created.headers.get('location')!, s.base).href;
    await s.patch(url, 0, zip, 'a');
    const refused = await s.register(url, 'a');
    expect(refused.status).toBe(422);
    const body = (await refused.json()) as { error: { code: string; details: { submission: number } } };
    expect(body.error).toMatchObject({ code: 'E_CHECKS_FAILED', details: { submission: expect.any(Number) } });
    // Asking again (a client that lost the answer) finds the submission, waiting for a fixed package.
    const again = await s.register(url, 'a');
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({
      submission: { id: body.error.details.submission, status: 'uploaded' },
      checks: null,
    });
  });

  it("refuses an upload over the unit's own package limit before storing a byte", async () => {
    const res = await s.create(101, {}, 'b');
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      error: { code: 'E_UPLOAD_TOO_LARGE', details: { size: 101, limit: 100, unit: '330200' } },
    });
    expect((await s.create(100, {}, 'b')).status).toBe(201);
  });
});

describe('resumable upload limits', () => {
  let s: Served;
  beforeAll(async () => {
    // Expire after half a second of inactivity: the sweep then runs every 125 ms.
    s = await serve({ maxUploadBytes: 1000, uploadExpiryHours: 0.5 / 3600 });
  });
  afterAll(() => s.close());

  it('refuses an Upload-Length over maxUploadBytes with 413', async () => {
    const res = await s.create(1001);
    expect(res.status).toBe(413);
    expect(JSON.parse(await res.text())).toMatchObject({
      error: { code: 'E_UPLOAD_TOO_LARGE', details: { size: 1001, limit: 1000 } },
    });
    expect((await s.create(1000)).status).toBe(201);
  });

  it('removes an abandoned upload once it expires', async () => {
    const created = await s.create(100);
    const url = new URL(created.headers.get('location')!, s.base).href;
    const id = url.split('/').at(-1)!;
    await s.patch(url, 0, Buffer.alloc(40, 1));
    expect(existsSync(join(s.tusDir, id))).toBe(true);
    const deadline = Date.now() + 5000;
    while (existsSync(join(s.tusDir, id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(s.tusDir, id))).toBe(false);
    expect(existsSync(join(s.tusDir, `${id}.json`))).toBe(false);
    expect((await s.head(url)).status).toBe(404);
  });
});
