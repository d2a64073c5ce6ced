import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { buildTimestampQuery, createTsaIdentity, handleTimestampQuery, type TsaIdentity } from './index.js';
import { failureNames } from './response.js';
import { parseTimestamp } from './token.js';
import { openssl, withTempDir } from './test-support/fixtures.js';

const clock = fixedClock('2025-06-01T08:30:15Z');
let identity: TsaIdentity;

beforeAll(async () => {
  identity = await createTsaIdentity({ name: 'Yinji TSA', clock: fixedClock('2025-01-01T00:00:00Z') });
});

function status(der: Uint8Array): { status: number; fail: string[]; token: boolean } {
  const parsed = parseTimestamp(der);
  if (parsed.kind !== 'response') throw new Error('not a response');
  const info: pkijs.PKIStatusInfo = parsed.response.status;
  return { status: info.status, fail: failureNames(info), token: parsed.response.timeStampToken !== undefined };
}

describe('handleTimestampQuery rejections (RFC 3161 §2.4.2 PKIStatusInfo)', () => {
  it('rejects garbage with badDataFormat', () => {
    expect(status(handleTimestampQuery(new Uint8Array([0x30, 0x03, 1, 2]), { identity, serial: 1n, clock }))).toEqual({
      status: 2,
      fail: ['badDataFormat'],
      token: false,
    });
  });

  it('rejects an imprint whose length does not fit its algorithm', () => {
    const req = buildTimestampQuery({ hash: new Uint8Array(20), hashAlgorithm: 'sha256' });
    expect(status(handleTimestampQuery(req, { identity, serial: 1n, clock })).fail).toEqual(['badDataFormat']);
  });

  it('rejects a policy it does not offer', () => {
    const req = buildTimestampQuery({ hash: new Uint8Array(32), hashAlgorithm: 'sha256', policy: '1.2.3.4' });
    expect(status(handleTimestampQuery(req, { identity, serial: 1n, clock })).fail).toEqual(['unacceptedPolicy']);
  });

  it('rejects an openssl SHA-1 query with badAlg, and openssl reads the rejection', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'data.txt'), 'x');
      // openssl ts -query -data data.txt -sha1 -out req.tsq
      expect((await openssl(dir, ['ts', '-query', '-data', 'data.txt', '-sha1', '-out', 'req.tsq'])).code).toBe(0);
      const { readFile } = await import('node:fs/promises');
      const resp = handleTimestampQuery(await readFile(join(dir, 'req.tsq')), { identity, serial: 1n, clock });
      expect(status(resp)).toEqual({ status: 2, fail: ['badAlg'], token: false });
      await writeFile(join(dir, 'resp.tsr'), resp);
      // openssl ts -reply -in resp.tsr -text
      const text = await openssl(dir, ['ts', '-reply', '-in', 'resp.tsr', '-text']);
      expect(text.out).toContain('Status: Rejected.');
      expect(text.out).toContain('unrecognized or unsupported algorithm identifier');
    });
  });

  it('grants a well-formed query, embedding the certificate only when asked', () => {
    const hash = createHash('sha512').update('x').digest();
    const withCert = parseTimestamp(
      handleTimestampQuery(buildTimestampQuery({ hash, hashAlgorithm: 'sha512' }), { identity, serial: 3n, clock }),
    );
    const without = parseTimestamp(
      handleTimestampQuery(buildTimestampQuery({ hash, hashAlgorithm: 'sha512', certReq: false }), {
        identity,
        serial: 4n,
        clock,
      }),
    );
    const certs = (p: ReturnType<typeof parseTimestamp>) =>
      p.kind === 'response'
        ? (new pkijs.SignedData({ schema: p.response.timeStampToken!.content }).certificates?.length ?? 0)
        : -1;
    expect(certs(withCert)).toBe(1);
    expect(certs(without)).toBe(0);
  });
});

describe('policy OIDs with large arcs', () => {
  it('accepts a request naming the default 2.25 policy (arcs beyond 2^53)', () => {
    const req = buildTimestampQuery({
      hash: new Uint8Array(32),
      hashAlgorithm: 'sha256',
      policy: '2.25.85204955559869394202376109828875437024',
    });
    expect(status(handleTimestampQuery(req, { identity, serial: 1n, clock }))).toEqual({
      status: 0,
      fail: [],
      token: true,
    });
  });
});
