/** The HTTP client against a real loopback TSA that calls handleTimestampQuery. */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import {
  TIMESTAMP_REPLY_CONTENT_TYPE,
  createTsaIdentity,
  handleTimestampQuery,
  issueTimestamp,
  requestTimestamp,
  verifyTimestamp,
  type TsaIdentity,
} from './index.js';

const clock = fixedClock('2025-06-01T08:30:15Z');
const hash = createHash('sha256').update('远程时间戳').digest();
let identity: TsaIdentity;
let server: Server;
let base: string;
let serial = 100n;
const seen: { contentType: string | undefined }[] = [];

beforeAll(async () => {
  identity = await createTsaIdentity({ name: '外部 TSA', clock: fixedClock('2025-01-01T00:00:00Z') });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ contentType: req.headers['content-type'] });
      const body = Buffer.concat(chunks);
      const reply = (der: Uint8Array) => {
        res.writeHead(200, { 'content-type': TIMESTAMP_REPLY_CONTENT_TYPE }).end(der);
      };
      if (req.url === '/tsa') return reply(handleTimestampQuery(body, { identity, serial: serial++, clock }));
      if (req.url === '/reject')
        return reply(handleTimestampQuery(new Uint8Array([5]), { identity, serial: 1n, clock }));
      if (req.url === '/stale')
        return reply(issueTimestamp({ hash, hashAlgorithm: 'sha256', identity, serial: 1n, clock, nonce: 1n }));
      if (req.url === '/garbage') return reply(Buffer.from('<html>oops</html>'));
      if (req.url === '/slow') return; // never answers
      res.writeHead(503).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('requestTimestamp', () => {
  it('round-trips over HTTP: the token verifies and echoes the nonce', async () => {
    const token = await requestTimestamp(`${base}/tsa`, {
      hash,
      hashAlgorithm: 'sha256',
      nonce: 424242n,
      timeoutMs: 5000,
    });
    expect(seen.at(-1)?.contentType).toBe('application/timestamp-query');
    const r = verifyTimestamp(token, { hash, hashAlgorithm: 'sha256', trustedCaPem: identity.caCertPem });
    expect(r).toMatchObject({ ok: true, nonce: 424242n, tsaName: 'CN=外部 TSA', genTime: clock.now() });
  });

  it('makes up a nonce when none is given (SM3 imprint)', async () => {
    const sm3 = createHash('sm3').update('x').digest();
    const token = await requestTimestamp(`${base}/tsa`, { hash: sm3, hashAlgorithm: 'sm3' });
    const r = verifyTimestamp(token, { hash: sm3, hashAlgorithm: 'sm3', trustedCaPem: identity.caCertPem });
    expect(r.ok && typeof r.nonce).toBe('bigint');
  });

  it('reports a rejection as E_TSA_REJECTED with the failure info', async () => {
    await expect(requestTimestamp(`${base}/reject`, { hash, hashAlgorithm: 'sha256' })).rejects.toMatchObject({
      code: 'E_TSA_REJECTED',
      details: { status: 2, failInfo: ['badDataFormat'] },
    });
  });

  it('refuses a reply for another nonce (a replay) with E_TSA_BAD_RESPONSE', async () => {
    await expect(requestTimestamp(`${base}/stale`, { hash, hashAlgorithm: 'sha256', nonce: 2n })).rejects.toMatchObject(
      {
        code: 'E_TSA_BAD_RESPONSE',
      },
    );
  });

  it('refuses a reply that is not a TimeStampResp', async () => {
    await expect(requestTimestamp(`${base}/garbage`, { hash, hashAlgorithm: 'sha256' })).rejects.toMatchObject({
      code: 'E_TSA_BAD_RESPONSE',
    });
  });

  it('maps HTTP errors, timeouts and refused connections to E_TSA_UNAVAILABLE', async () => {
    await expect(requestTimestamp(`${base}/down`, { hash, hashAlgorithm: 'sha256' })).rejects.toMatchObject({
      code: 'E_TSA_UNAVAILABLE',
      details: { status: 503 },
    });
    await expect(
      requestTimestamp(`${base}/slow`, { hash, hashAlgorithm: 'sha256', timeoutMs: 200 }),
    ).rejects.toMatchObject({
      code: 'E_TSA_UNAVAILABLE',
      details: { timedOut: true },
    });
    await expect(requestTimestamp('http://127.0.0.1:1/tsa', { hash, hashAlgorithm: 'sha256' })).rejects.toMatchObject({
      code: 'E_TSA_UNAVAILABLE',
    });
  });

  it("passes the caller's abort through unchanged", async () => {
    const ctl = new AbortController();
    const pending = requestTimestamp(`${base}/slow`, { hash, hashAlgorithm: 'sha256', signal: ctl.signal });
    ctl.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});
