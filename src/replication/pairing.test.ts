import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical-json.js';
import { InvalidInputError } from '../core/errors.js';
import {
  createPairingToken,
  keyFingerprint,
  parsePairingToken,
  peerPublicKey,
  rawPublicKey,
  type PeerIdentity,
} from './pairing.js';

// RFC 8032 §7.1 TEST 1: a published Ed25519 key pair, so raw-key handling is checked against outside values.
const RFC8032_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC8032_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const rfcKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(RFC8032_SEED, 'hex')]),
  format: 'der',
  type: 'pkcs8',
});
const RFC_PEER_KEY = Buffer.from(RFC8032_PUBLIC, 'hex').toString('base64');

const NOW = new Date('2025-03-01T08:00:00.000Z');
const IDENTITY = {
  centerId: 'GDARCHIVES1',
  name: '广东省档案馆 备份中心',
  url: 'https://backup.example.gov.cn/yinji',
  logKey: 'backup.example.gov.cn/log+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  issuedAt: '2025-02-28T09:30:00.000Z',
};

function parts(token: string): [string, string, string] {
  const [a = '', b = '', c = ''] = token.split('.');
  return [a, b, c];
}

/** A token over arbitrary JSON bytes, signed properly: only the field checks can refuse it. */
function tokenOver(json: string, key = rfcKey): string {
  const bytes = Buffer.from(json, 'utf8');
  return `yinji-pair-v1.${bytes.toString('base64url')}.${sign(null, bytes, key).toString('base64url')}`;
}

function withFields(change: Record<string, unknown>): string {
  return tokenOver(canonicalJson({ ...IDENTITY, peerKey: RFC_PEER_KEY, ...change }));
}

function refusal(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    expect((e as InvalidInputError).code).toBe('E_INVALID_INPUT');
    expect((e as InvalidInputError).zh).toMatch(/[\u4e00-\u9fff]/);
    return e as InvalidInputError;
  }
  throw new Error('expected a refusal');
}

describe('raw keys and fingerprints', () => {
  it('rawPublicKey / peerPublicKey round-trip the RFC 8032 test key', () => {
    expect(rawPublicKey(rfcKey)).toBe(RFC_PEER_KEY);
    expect(rawPublicKey(createPublicKey(rfcKey))).toBe(RFC_PEER_KEY);
    expect(rawPublicKey(peerPublicKey(RFC_PEER_KEY))).toBe(RFC_PEER_KEY);
    expect(peerPublicKey(RFC_PEER_KEY).equals(createPublicKey(rfcKey))).toBe(true);
  });

  it('keyFingerprint: first 20 bytes of SHA-256 of the raw key, in groups of four hex digits', () => {
    // sha256(d75a98…511a) = 21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9
    expect(keyFingerprint(RFC_PEER_KEY)).toBe('21fe:31df:a154:a261:626b:f854:046f:d227:1b7b:ed4b');
  });

  it('refuses keys that are not 32 bytes of canonical base64, or not Ed25519', () => {
    for (const bad of [
      '',
      'AAAA',
      RFC_PEER_KEY.slice(0, -1),
      RFC_PEER_KEY.replace(/=$/, ''),
      `${RFC_PEER_KEY}AAAA`,
      42,
    ]) {
      refusal(() => peerPublicKey(bad as string));
      refusal(() => keyFingerprint(bad as string));
    }
    refusal(() => rawPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
  });
});

describe('pairing tokens', () => {
  it('round-trips: the parsed identity carries the signer public key', () => {
    const token = createPairingToken(IDENTITY, rfcKey);
    expect(token).toMatch(/^yinji-pair-v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    const parsed: PeerIdentity = parsePairingToken(token, { now: NOW });
    expect(parsed).toEqual({ ...IDENTITY, peerKey: RFC_PEER_KEY });
    // The payload is the canonical JSON of the identity (RFC 8785), nothing else.
    expect(Buffer.from(parts(token)[1], 'base64url').toString('utf8')).toBe(canonicalJson(parsed));
    // Ed25519 is deterministic: the same identity and key give the same token.
    expect(createPairingToken(IDENTITY, rfcKey)).toBe(token);
  });

  it('tolerates white space an e-mail or chat inserted, nothing else', () => {
    const token = createPairingToken(IDENTITY, rfcKey);
    const wrapped = `  ${token.slice(0, 40)}\n${token.slice(40, 90)}\r\n ${token.slice(90)}\n`;
    expect(parsePairingToken(wrapped, { now: NOW }).centerId).toBe('GDARCHIVES1');
  });

  it('uses the current time and a 30-day limit by default', () => {
    const fresh = createPairingToken({ ...IDENTITY, issuedAt: new Date().toISOString() }, rfcKey);
    expect(parsePairingToken(fresh).centerId).toBe('GDARCHIVES1');
    expect(() => parsePairingToken(createPairingToken(IDENTITY, rfcKey))).toThrow(/30 days/);
  });

  it('refuses a tampered payload', () => {
    const token = createPairingToken(IDENTITY, rfcKey);
    const [p, payload, sig] = parts(token);
    const json = Buffer.from(payload, 'base64url')
      .toString('utf8')
      .replace('backup.example.gov.cn/yinji', 'evil.example.com/yinji');
    const tampered = `${p}.${Buffer.from(json).toString('base64url')}.${sig}`;
    expect(refusal(() => parsePairingToken(tampered, { now: NOW })).message).toMatch(/signature does not verify/);
    // Every single-character change of the payload or signature is refused.
    for (let i = p.length + 1; i < token.length; i++) {
      if (token[i] === '.') continue;
      const c = token[i] === 'A' ? 'B' : 'A';
      refusal(() => parsePairingToken(token.slice(0, i) + c + token.slice(i + 1), { now: NOW }));
    }
  });

  it('refuses a signature by another key than the one announced (key substitution)', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const json = canonicalJson({ ...IDENTITY, peerKey: RFC_PEER_KEY });
    expect(refusal(() => parsePairingToken(tokenOver(json, other), { now: NOW })).message).toMatch(/signature/);
    // The other's signature grafted on to our payload.
    const [p, payload] = parts(createPairingToken(IDENTITY, rfcKey));
    const [, , foreignSig] = parts(createPairingToken(IDENTITY, other));
    refusal(() => parsePairingToken(`${p}.${payload}.${foreignSig}`, { now: NOW }));
  });

  it('refuses tokens too old or from the future', () => {
    const token = createPairingToken(IDENTITY, rfcKey);
    const issued = Date.parse(IDENTITY.issuedAt);
    const day = 86_400_000;
    expect(parsePairingToken(token, { now: new Date(issued + 30 * day) }).name).toBe(IDENTITY.name);
    expect(refusal(() => parsePairingToken(token, { now: new Date(issued + 30 * day + 1) })).message).toMatch(
      /30 days/,
    );
    expect(refusal(() => parsePairingToken(token, { now: NOW, maxAgeDays: 0.5 })).message).toMatch(/0.5 days/);
    expect(parsePairingToken(token, { now: new Date(issued - 3_600_000) }).name).toBe(IDENTITY.name);
    expect(refusal(() => parsePairingToken(token, { now: new Date(issued - 3_600_001) })).message).toMatch(/future/);
    refusal(() => parsePairingToken(token, { now: NOW, maxAgeDays: 0 }));
    refusal(() => parsePairingToken(token, { now: NOW, maxAgeDays: Number.NaN }));
  });

  it.each([
    ['centerId with a hyphen', { centerId: 'GD-1' }, /centerId/],
    ['centerId starting with "-"', { centerId: '-GD' }, /centerId/],
    ['centerId too long', { centerId: 'A'.repeat(17) }, /centerId/],
    ['empty name', { name: '' }, /name/],
    ['name too long', { name: '档'.repeat(101) }, /name/],
    ['name with a control character', { name: 'a\u0007b' }, /name/],
    ['name with surrounding spaces', { name: ' a ' }, /name/],
    ['relative url', { url: '/yinji' }, /url/],
    ['ftp url', { url: 'ftp://backup.example.gov.cn/' }, /url/],
    ['url with credentials', { url: 'https://admin:secret@backup.example.gov.cn/' }, /credentials/],
    ['url with a user', { url: 'https://admin@backup.example.gov.cn/' }, /credentials/],
    ['url with a query', { url: 'https://backup.example.gov.cn/?x=1' }, /query/],
    ['url with a fragment', { url: 'https://backup.example.gov.cn/#x' }, /fragment/],
    ['javascript url', { url: 'javascript:alert(1)' }, /url/],
    ['empty logKey', { logKey: '' }, /logKey/],
    ['logKey with spaces', { logKey: 'a b' }, /logKey/],
    ['issuedAt not ISO', { issuedAt: 'yesterday' }, /issuedAt/],
    ['issuedAt without a zone', { issuedAt: '2025-02-28T09:30:00' }, /issuedAt/],
    ['issuedAt impossible', { issuedAt: '2025-02-28T99:30:00Z' }, /issuedAt/],
    ['issuedAt on 30 February', { issuedAt: '2025-02-30T09:30:00Z' }, /issuedAt/],
    ['a field not a string', { name: 42 }, /name must be a string/],
    ['an extra field', { role: 'admin' }, /fields/],
    ['a missing field', { logKey: undefined }, /fields/],
    ['a bad peerKey', { peerKey: 'AAAA' }, /peer key/],
  ])('refuses a token with %s', (_, change, message) => {
    expect(refusal(() => parsePairingToken(withFields(change), { now: NOW })).message).toMatch(message);
  });

  it('refuses to create a token with bad fields or a key that is not an Ed25519 private key', () => {
    refusal(() => createPairingToken({ ...IDENTITY, centerId: 'bad id' }, rfcKey));
    refusal(() => createPairingToken({ ...IDENTITY, url: 'https://u:p@x.example/' }, rfcKey));
    refusal(() => createPairingToken(IDENTITY, createPublicKey(rfcKey)));
    refusal(() => createPairingToken(IDENTITY, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey));
  });

  it('refuses JSON that is valid and signed but not canonical (one byte string per identity)', () => {
    const identity = { ...IDENTITY, peerKey: RFC_PEER_KEY };
    const spaced = JSON.stringify(identity, null, 1);
    expect(refusal(() => parsePairingToken(tokenOver(spaced), { now: NOW })).message).toMatch(/canonical/);
    // Duplicate keys: JSON.parse keeps the last, so the bytes would not be what was checked.
    const dup = canonicalJson(identity).replace('{', '{"centerId":"EVIL",');
    refusal(() => parsePairingToken(tokenOver(dup), { now: NOW }));
  });

  it.each([
    ['empty', ''],
    ['garbage', 'hello world'],
    ['a number', 42],
    ['null', null],
    ['wrong prefix', 'yinji-pair-v2.e30.AAAA'],
    ['two parts', 'yinji-pair-v1.e30'],
    ['four parts', 'yinji-pair-v1.e30.AAAA.AAAA'],
    ['padded base64url', `yinji-pair-v1.e30=.${'A'.repeat(86)}`],
    ['standard base64 alphabet', `yinji-pair-v1.e3+/.${'A'.repeat(86)}`],
    ['short signature', 'yinji-pair-v1.e30.AAAA'],
    ['payload not JSON', `yinji-pair-v1.${Buffer.from('not json').toString('base64url')}.${'A'.repeat(86)}`],
    ['payload an array', `yinji-pair-v1.${Buffer.from('[]').toString('base64url')}.${'A'.repeat(86)}`],
    ['payload not UTF-8', `yinji-pair-v1.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${'A'.repeat(86)}`],
    ['too long', `yinji-pair-v1.${'A'.repeat(9000)}.${'A'.repeat(86)}`],
  ])('refuses garbage: %s', (_, token) => {
    refusal(() => parsePairingToken(token as string, { now: NOW }));
  });
});
