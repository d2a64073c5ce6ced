/**
 * Interoperability with the real OpenSSL CLI (DESIGN.md: "timestamps verify
 * with `openssl ts -verify`"). Certificates are made at 2025-01-01 and last
 * ten years, so openssl (which checks the chain at the current time) accepts
 * them until 2035.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { createTsaIdentity, handleTimestampQuery, issueTimestamp, verifyTimestamp, type TsaIdentity } from './index.js';
import { openssl, withTempDir } from './test-support/fixtures.js';

const DATA = '印记：登记备份中心的第一份档案\n';
const identityClock = fixedClock('2025-01-01T00:00:00Z');
const tokenClock = fixedClock('2025-06-01T08:30:15.250Z');
let identity: TsaIdentity;

beforeAll(async () => {
  identity = await createTsaIdentity({ name: '印记登记备份中心 TSA', clock: identityClock });
});

async function writeIdentity(dir: string): Promise<void> {
  await writeFile(join(dir, 'ca.pem'), identity.caCertPem);
  await writeFile(join(dir, 'tsa.pem'), identity.tsaCertPem);
  await writeFile(join(dir, 'data.txt'), DATA);
}

describe('TSA identity', () => {
  it('is a CA and a TSA certificate openssl accepts for timestamp signing, with a UTF-8 Chinese CN', async () => {
    await withTempDir(async (dir) => {
      await writeIdentity(dir);
      const chain = await openssl(dir, ['verify', '-CAfile', 'ca.pem', '-purpose', 'timestampsign', 'tsa.pem']);
      expect(chain.out).toContain('tsa.pem: OK');
      const text = await openssl(dir, ['x509', '-in', 'tsa.pem', '-noout', '-text', '-nameopt', 'utf8,sname']);
      expect(text.out).toContain('Subject: CN=印记登记备份中心 TSA');
      expect(text.out).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
      expect(text.out).toMatch(/Key Usage: critical\s+Digital Signature/);
      expect(text.out).toContain('ASN1 OID: prime256v1');
      const asn = await openssl(dir, ['asn1parse', '-in', 'tsa.pem']);
      expect(asn.out).toContain('UTF8STRING');
    });
  });
});

describe('openssl ts interop', () => {
  it('verifies an issued SHA-256 token with -digest and -untrusted, and prints its genTime', async () => {
    await withTempDir(async (dir) => {
      await writeIdentity(dir);
      const hash = createHash('sha256').update(DATA).digest();
      const resp = issueTimestamp({
        hash,
        hashAlgorithm: 'sha256',
        identity,
        serial: 7n,
        clock: tokenClock,
        certReq: false,
      });
      await writeFile(join(dir, 'resp.der'), resp);
      // openssl ts -verify -in resp.der -digest <hex> -CAfile ca.pem -untrusted tsa.pem
      const v = await openssl(dir, [
        'ts', '-verify', '-in', 'resp.der', '-digest', hash.toString('hex'), '-CAfile', 'ca.pem', '-untrusted', 'tsa.pem',
      ]); // prettier-ignore
      expect(v.code).toBe(0);
      expect(v.out).toContain('Verification: OK');
      // openssl ts -reply -in resp.der -text
      const text = await openssl(dir, ['ts', '-reply', '-in', 'resp.der', '-text']);
      expect(text.code).toBe(0);
      expect(text.out).toContain('Status: Granted.');
      expect(text.out).toContain('Time stamp: Jun  1 08:30:15.25 2025 GMT');
      expect(text.out).toContain('Serial number: 0x07');
      expect(text.out).toContain('Policy OID: 2.25.85204955559869394202376109828875437024');
    });
  });

  it('verifies a token with the certificate embedded, from -data', async () => {
    await withTempDir(async (dir) => {
      await writeIdentity(dir);
      const hash = createHash('sha256').update(DATA).digest();
      await writeFile(
        join(dir, 'resp.der'),
        issueTimestamp({ hash, hashAlgorithm: 'sha256', identity, serial: 8n, clock: tokenClock }),
      );
      // openssl ts -verify -in resp.der -data data.txt -CAfile ca.pem
      const v = await openssl(dir, ['ts', '-verify', '-in', 'resp.der', '-data', 'data.txt', '-CAfile', 'ca.pem']);
      expect(v.out).toContain('Verification: OK');
      expect(v.code).toBe(0);
    });
  });

  it('fails openssl verification for other data (the test can fail)', async () => {
    await withTempDir(async (dir) => {
      await writeIdentity(dir);
      const hash = createHash('sha256').update('something else').digest();
      await writeFile(
        join(dir, 'resp.der'),
        issueTimestamp({ hash, hashAlgorithm: 'sha256', identity, serial: 9n, clock: tokenClock }),
      );
      const v = await openssl(dir, ['ts', '-verify', '-in', 'resp.der', '-data', 'data.txt', '-CAfile', 'ca.pem']);
      expect(v.code).not.toBe(0);
      expect(v.out).not.toContain('Verification: OK');
    });
  });

  for (const digest of ['sha256', 'sha512', 'sm3'] as const) {
    it(`answers an openssl ${digest} query (with nonce and -cert), verified by openssl and verifyTimestamp`, async () => {
      await withTempDir(async (dir) => {
        await writeIdentity(dir);
        // openssl ts -query -data data.txt -<digest> -cert -out req.tsq
        const q = await openssl(dir, ['ts', '-query', '-data', 'data.txt', `-${digest}`, '-cert', '-out', 'req.tsq']);
        expect(q.code).toBe(0);
        const req = await readFile(join(dir, 'req.tsq'));
        const resp = handleTimestampQuery(req, { identity, serial: 0x1234_5678_9abc_def0_1234n, clock: tokenClock });
        await writeFile(join(dir, 'resp.tsr'), resp);
        // openssl ts -verify -in resp.tsr -queryfile req.tsq -CAfile ca.pem (checks imprint, nonce, signer)
        const v = await openssl(dir, [
          'ts',
          '-verify',
          '-in',
          'resp.tsr',
          '-queryfile',
          'req.tsq',
          '-CAfile',
          'ca.pem',
        ]);
        expect(v.out).toContain('Verification: OK');
        expect(v.code).toBe(0);
        const d = await openssl(dir, ['ts', '-verify', '-in', 'resp.tsr', '-data', 'data.txt', '-CAfile', 'ca.pem']);
        expect(d.out).toContain('Verification: OK');

        const hash = createHash(digest).update(DATA).digest();
        const ours = verifyTimestamp(resp, { hash, hashAlgorithm: digest, trustedCaPem: identity.caCertPem });
        expect(ours).toMatchObject({
          ok: true,
          serial: 0x1234_5678_9abc_def0_1234n,
          tsaName: 'CN=印记登记备份中心 TSA',
        });
      });
    });
  }
});
