import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { createTsaIdentity, handleTimestampQuery, issueTimestamp, verifyTimestamp, type TsaIdentity } from './index.js';
import { parseTimestamp, readToken } from './token.js';

const NAME = '印记登记备份中心 TSA';
const clock = fixedClock('2025-06-01T08:30:15.250Z');
const hash = createHash('sha256').update('档案').digest();
let identity: TsaIdentity;
let impostor: TsaIdentity;
let resp: Uint8Array;

beforeAll(async () => {
  identity = await createTsaIdentity({ name: NAME, clock: fixedClock('2025-01-01T00:00:00Z') });
  // Same names, different keys: only the signatures tell them apart.
  impostor = await createTsaIdentity({ name: NAME, clock: fixedClock('2025-01-01T00:00:00Z') });
  resp = issueTimestamp({ hash, hashAlgorithm: 'sha256', identity, serial: 99n, clock, nonce: 5n });
});

const opts = () => ({ hash, hashAlgorithm: 'sha256' as const, trustedCaPem: identity.caCertPem });

/** Flip one bit of the byte at `offset` from the end of the first occurrence of `needle`. */
function tamper(der: Uint8Array, needle: Uint8Array, fromEnd = 1): Uint8Array {
  const copy = Buffer.from(der);
  const at = copy.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  copy[at + needle.length - fromEnd]! ^= 0x01;
  return copy;
}

function tokenParts(der: Uint8Array) {
  const parsed = parseTimestamp(der);
  if (parsed.kind !== 'response' || !parsed.response.timeStampToken || !parsed.tokenDer) throw new Error('no token');
  return { tokenDer: parsed.tokenDer, parts: readToken(parsed.response.timeStampToken)! };
}

describe('verifyTimestamp', () => {
  it('accepts a good response and reports genTime, serial, TSA name, policy and nonce', () => {
    expect(verifyTimestamp(resp, opts())).toEqual({
      ok: true,
      genTime: new Date('2025-06-01T08:30:15.250Z'),
      serial: 99n,
      tsaName: `CN=${NAME}`,
      policy: '2.25.85204955559869394202376109828875437024',
      nonce: 5n,
    });
  });

  it('accepts the bare token (ContentInfo) as well', () => {
    expect(verifyTimestamp(tokenParts(resp).tokenDer, opts()).ok).toBe(true);
  });

  it('needs the TSA certificate when the token does not embed it', () => {
    const bare = issueTimestamp({ hash, hashAlgorithm: 'sha256', identity, serial: 1n, clock, certReq: false });
    expect(verifyTimestamp(bare, opts())).toMatchObject({ ok: false, code: 'no-signer-cert' });
    expect(verifyTimestamp(bare, { ...opts(), untrustedPem: identity.tsaCertPem }).ok).toBe(true);
  });

  it('rejects a different hash, or the right bytes under another algorithm', () => {
    const other = createHash('sha256').update('另一份').digest();
    const r = verifyTimestamp(resp, { ...opts(), hash: other });
    expect(r).toMatchObject({ ok: false, code: 'imprint-mismatch' });
    if (!r.ok) expect(r.reason.zh).toContain('摘要');
    expect(verifyTimestamp(resp, { ...opts(), hashAlgorithm: 'sm3' })).toMatchObject({
      ok: false,
      code: 'imprint-mismatch',
    });
  });

  it('rejects a flipped byte in the signature', () => {
    const sig = new Uint8Array(tokenParts(resp).parts.signedData.signerInfos[0]!.signature.valueBlock.valueHexView);
    expect(verifyTimestamp(tamper(resp, sig), opts())).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('rejects a changed genTime (the signed message digest no longer matches)', () => {
    const forged = tamper(resp, Buffer.from('20250601083015.25Z'), 5);
    expect(verifyTimestamp(forged, opts())).toMatchObject({ ok: false, code: 'bad-signed-attributes' });
  });

  it('rejects a token signed under another CA, even with identical names', () => {
    const foreign = issueTimestamp({ hash, hashAlgorithm: 'sha256', identity: impostor, serial: 99n, clock });
    expect(verifyTimestamp(foreign, opts())).toMatchObject({ ok: false, code: 'untrusted-chain' });
    expect(verifyTimestamp(foreign, { ...opts(), trustedCaPem: impostor.caCertPem }).ok).toBe(true);
  });

  it('rejects a token dated outside the TSA certificate validity', () => {
    const early = issueTimestamp({
      hash,
      hashAlgorithm: 'sha256',
      identity,
      serial: 2n,
      clock: fixedClock('2024-12-31T00:00:00Z'),
    });
    expect(verifyTimestamp(early, opts())).toMatchObject({ ok: false, code: 'untrusted-chain' });
  });

  it('reports an unreadable trust anchor instead of throwing', () => {
    expect(verifyTimestamp(resp, { ...opts(), trustedCaPem: 'not a pem' })).toMatchObject({
      ok: false,
      code: 'bad-trust-anchor',
    });
  });

  it('rejects a rejection response: there is no token', () => {
    const rejected = handleTimestampQuery(new Uint8Array([1, 2, 3]), { identity, serial: 1n, clock });
    expect(verifyTimestamp(rejected, opts())).toMatchObject({ ok: false, code: 'not-granted' });
  });

  it('never throws on garbage', () => {
    const inputs: Uint8Array[] = [
      new Uint8Array(),
      randomBytes(1),
      randomBytes(300),
      Buffer.from('30 82 ff ff 06 09'.replace(/ /g, ''), 'hex'),
      resp.slice(0, resp.length - 10),
      Buffer.concat([resp, Buffer.from([0])]),
      Buffer.from('3000', 'hex'),
      Buffer.from('3003020100', 'hex'),
    ];
    for (let i = 0; i < 200; i++) {
      const copy = Buffer.from(resp);
      copy[Math.floor(Math.random() * copy.length)] = Math.floor(Math.random() * 256);
      inputs.push(copy);
    }
    for (const input of inputs) {
      // Random byte changes may land somewhere unchecked and still verify; the point is: no throw, ever.
      const r = verifyTimestamp(input, opts());
      if (!r.ok) expect(r.reason.en.length).toBeGreaterThan(0);
    }
    expect(verifyTimestamp(randomBytes(300), opts())).toMatchObject({ ok: false, code: 'malformed' });
  });
});
