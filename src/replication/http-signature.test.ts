import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { parseDictionary, type InnerList } from './http-signature-fields.js';
import {
  buildSignatureBase,
  contentDigest,
  parseContentDigest,
  PeerAuthError,
  signRequest,
  signResponse,
  verifyRequest,
  verifyResponse,
  type PeerSigningKey,
} from './http-signature.js';

// RFC 9421 Appendix B.1.4 "Example Ed25519 Test Key" (test-key-ed25519).
const RFC_ED25519_PUBLIC = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`;
const RFC_ED25519_PRIVATE = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`;

// RFC 9421 Appendix B.2.6 "Signing a Request Using ed25519" (RFC 8792 line wrapping undone).
const B26_SIGNATURE_INPUT =
  'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE =
  'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';
const B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');
// Component values of the B.2 test-request (POST /foo?param=Value&Pet=dog, Host: example.com).
const B26_VALUES = {
  date: 'Tue, 20 Apr 2021 02:07:55 GMT',
  '@method': 'POST',
  '@path': '/foo',
  '@authority': 'example.com',
  'content-type': 'application/json',
  'content-length': '18',
};

describe('RFC 9421 B.2.6 (Ed25519) known answer', () => {
  const input = parseDictionary(B26_SIGNATURE_INPUT).get('sig-b26') as InnerList;
  const sig = parseDictionary(B26_SIGNATURE).get('sig-b26');

  it('the signature base builder reproduces the RFC signature base from the parsed Signature-Input', () => {
    expect(input.kind).toBe('inner-list');
    expect(buildSignatureBase(B26_VALUES, input)).toBe(B26_BASE);
  });

  it("the RFC's signature verifies with test-key-ed25519, and signing the base reproduces it (Ed25519 is deterministic)", () => {
    expect(sig?.kind).toBe('item');
    const bytes = sig?.kind === 'item' ? (sig.value as Uint8Array) : new Uint8Array();
    const base = Buffer.from(buildSignatureBase(B26_VALUES, input), 'latin1');
    expect(verify(null, base, createPublicKey(RFC_ED25519_PUBLIC), bytes)).toBe(true);
    const ours = sign(null, base, createPrivateKey(RFC_ED25519_PRIVATE));
    expect(`sig-b26=:${ours.toString('base64')}:`).toBe(B26_SIGNATURE);
  });

  it('our profile refuses the RFC example (other label, components and parameters)', () => {
    const pub = createPublicKey(RFC_ED25519_PUBLIC);
    const headers = { 'signature-input': B26_SIGNATURE_INPUT, signature: B26_SIGNATURE };
    const options = { now: new Date(1618884473_000), recipient: 'example.com' };
    const req = { method: 'POST', path: '/foo', hasBody: false, headers };
    // As published it names no recipient; given one, it still fails our profile.
    expect(reasonOf(() => verifyRequest(req, () => pub, options))).toBe('recipient');
    expect(() =>
      verifyRequest({ ...req, headers: { ...headers, 'yinji-recipient': 'example.com' } }, () => pub, options),
    ).toThrow(/labelled "yinji"/);
  });
});

describe('contentDigest (RFC 9530)', () => {
  // The well-known SHA-256 of the RFC 9421 test-request body `{"hello": "world"}`.
  const body = Buffer.from('{"hello": "world"}');
  const digest = createHash('sha256').update(body).digest();

  it('formats sha-256=:base64: from bytes or hex, and parses it back', () => {
    expect(contentDigest(digest)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    expect(contentDigest(digest.toString('hex'))).toBe(contentDigest(digest));
    expect(parseContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:')).toEqual(digest);
  });

  it('refuses digests that are not 32 bytes', () => {
    expect(() => contentDigest(Buffer.alloc(31))).toThrow(/32 bytes/);
    expect(() => contentDigest('abc')).toThrow(/32 bytes/);
  });

  it.each([
    [
      'other algorithm',
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    ],
    [
      'two algorithms',
      'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    ],
    ['unpadded base64', 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:'],
    ['wrong length', 'sha-256=:AAAA:'],
    ['token value', 'sha-256=abc'],
    ['parameters', 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:;x=1'],
    ['old Digest syntax', 'SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE='],
    ['empty', ''],
  ])('parseContentDigest refuses %s', (_, header) => {
    expect(() => parseContentDigest(header)).toThrow(PeerAuthError);
  });
});

function ed25519(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

const alice = ed25519();
const bob = ed25519();
const ALICE: PeerSigningKey = { keyId: 'ALICE-1', privateKey: alice.privateKey };
const BOB: PeerSigningKey = { keyId: 'BOB-1', privateKey: bob.privateKey };
const keys = new Map([
  ['ALICE-1', alice.publicKey],
  ['BOB-1', bob.publicKey],
]);
const lookup = (id: string): KeyObject | undefined => keys.get(id);
const NOW = new Date('2025-03-01T08:00:00.000Z');
// A center's id is also the key id its peers know it by (center/peers.ts). Alice's requests go to Bob.
const ALICE_ID = 'ALICE-1';
const BOB_ID = 'BOB-1';
const CAROL_ID = 'CAROL-1';
const BODY_DIGEST = contentDigest(createHash('sha256').update('{"objects":["a"]}').digest());

interface Req {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  hasBody: boolean;
}

function signed(
  over: Partial<{ method: string; path: string; digest: string | undefined; recipient: string }> = {},
  opts = {},
): Req {
  const method = over.method ?? 'POST';
  const path = over.path ?? '/api/v1/peer/replicas?since=12&limit=100';
  const digest = 'digest' in over ? over.digest : BODY_DIGEST;
  const headers: Record<string, string> = { 'yinji-recipient': over.recipient ?? BOB_ID };
  if (digest !== undefined) headers['content-digest'] = digest;
  const sig = signRequest({ method, path, headers }, ALICE, { now: NOW, ...opts });
  return { method, path, headers: { ...headers, ...sig }, hasBody: digest !== undefined };
}

function refusal(fn: () => unknown): PeerAuthError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PeerAuthError);
    expect((e as PeerAuthError).code).toBe('E_PEER_AUTH');
    expect((e as PeerAuthError).zh).toMatch(/[\u4e00-\u9fff]/); // bilingual: a Chinese message beside the English one
    return e as PeerAuthError;
  }
  throw new Error('expected a refusal');
}

const reasonOf = (fn: () => unknown): unknown => refusal(fn).details.reason;

describe('signRequest / verifyRequest', () => {
  it('round-trips with a body (content-digest covered) and returns keyid, nonce and lifetime', () => {
    const req = signed({}, { nonce: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(req.headers['signature-input']).toBe(
      'yinji=("@method" "@path" "@query" "yinji-recipient" "content-digest");created=1740816000;expires=1740816300;keyid="ALICE-1";alg="ed25519";nonce="AAAAAAAAAAAAAAAAAAAAAA";tag="yinji-peer"',
    );
    expect(req.headers.signature).toMatch(/^yinji=:[A-Za-z0-9+/]{86}==:$/);
    expect(verifyRequest(req, lookup, { now: NOW, recipient: BOB_ID })).toEqual({
      keyId: 'ALICE-1',
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
      created: NOW,
      expires: new Date(NOW.getTime() + 300_000),
    });
  });

  it('round-trips without a body, with an empty query ("@query": ?), and with a custom lifetime', () => {
    const req = signed({ method: 'GET', path: '/api/v1/peer/checkpoint', digest: undefined }, { ttlSeconds: 600 });
    expect(req.headers['signature-input']).toMatch(
      /^yinji=\("@method" "@path" "@query" "yinji-recipient"\);created=\d+;expires=\d+;/,
    );
    const v = verifyRequest(req, lookup, { now: new Date(NOW.getTime() + 299_000), recipient: BOB_ID });
    expect(v.expires.getTime() - v.created.getTime()).toBe(600_000);
    expect(v.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/); // 16 random bytes, base64url
    expect(signed().headers.signature).not.toBe(signed().headers.signature); // fresh nonce each time
  });

  it('accepts Node-style header arrays and upper-case names, as one field', () => {
    const req = signed();
    const headers = { ...req.headers, 'signature-input': [req.headers['signature-input'] as string] };
    expect(verifyRequest({ ...req, headers }, lookup, { now: NOW, recipient: BOB_ID }).keyId).toBe('ALICE-1');
    const upperHeaders = { 'Content-Digest': BODY_DIGEST, 'Yinji-Recipient': BOB_ID };
    const upper = signRequest({ method: 'POST', path: '/x', headers: upperHeaders }, ALICE, { now: NOW });
    expect(upper['signature-input']).toContain('"yinji-recipient" "content-digest"');
    const upperReq = { method: 'POST', path: '/x', headers: { ...upperHeaders, ...upper }, hasBody: true };
    expect(verifyRequest(upperReq, lookup, { now: NOW, recipient: BOB_ID }).keyId).toBe('ALICE-1');
  });

  it('refuses a signature by another key than the one its keyid names', () => {
    const req = signed();
    const e = refusal(() => verifyRequest(req, () => bob.publicKey, { now: NOW, recipient: BOB_ID }));
    expect(e.details.reason).toBe('signature');
    expect(e.zh).toBe('对端请求签名无效：签名验证失败');
    expect(e.message).toBe('peer request signature refused: the signature does not verify');
  });

  it('refuses a keyid it does not know', () => {
    expect(reasonOf(() => verifyRequest(signed(), () => undefined, { now: NOW, recipient: BOB_ID }))).toBe('keyid');
    const toAlice = { 'yinji-recipient': ALICE_ID };
    const asBob = signRequest({ method: 'GET', path: '/', headers: toAlice }, BOB, { now: NOW });
    const req = { method: 'GET', path: '/', headers: { ...toAlice, ...asBob }, hasBody: false };
    const atAlice = { now: NOW, recipient: ALICE_ID };
    expect(verifyRequest(req, lookup, atAlice).keyId).toBe('BOB-1');
    expect(reasonOf(() => verifyRequest(req, (id) => (id === 'ALICE-1' ? alice.publicKey : undefined), atAlice))).toBe(
      'keyid',
    );
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { path: '/api/v1/peer/replicaz?since=12&limit=100' }],
    ['query', { path: '/api/v1/peer/replicas?since=0&limit=100' }],
    ['query removed', { path: '/api/v1/peer/replicas' }],
  ])('refuses a tampered %s', (_, change) => {
    const req = signed();
    expect(reasonOf(() => verifyRequest({ ...req, ...change }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'signature',
    );
  });

  it('refuses a tampered content-digest', () => {
    const req = signed();
    const other = contentDigest(createHash('sha256').update('{"objects":["b"]}').digest());
    expect(
      reasonOf(() =>
        verifyRequest({ ...req, headers: { ...req.headers, 'content-digest': other } }, lookup, {
          now: NOW,
          recipient: BOB_ID,
        }),
      ),
    ).toBe('signature');
  });

  it('refuses a body without content-digest, and a content-digest that was not signed', () => {
    const bare = signed({ digest: undefined });
    expect(reasonOf(() => verifyRequest({ ...bare, hasBody: true }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'content-digest',
    );
    // A digest added after signing is not covered: refused even though the signature itself is good.
    const added = { ...bare, headers: { ...bare.headers, 'content-digest': BODY_DIGEST }, hasBody: true };
    expect(reasonOf(() => verifyRequest(added, lookup, { now: NOW, recipient: BOB_ID }))).toBe('components');
    // The digest covered but dropped in transit.
    const full = signed();
    const dropped = { ...full, headers: { ...full.headers, 'content-digest': undefined } };
    expect(reasonOf(() => verifyRequest(dropped, lookup, { now: NOW, recipient: BOB_ID }))).toBe('content-digest');
    expect(reasonOf(() => verifyRequest({ ...dropped, hasBody: false }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'components',
    );
  });

  it('covers yinji-recipient: it is in the signed component list, with or without a body', () => {
    const components = (req: Req): readonly string[] =>
      (parseDictionary(req.headers['signature-input'] as string).get('yinji') as InnerList).items;
    expect(components(signed())).toEqual(['@method', '@path', '@query', 'yinji-recipient', 'content-digest']);
    expect(components(signed({ digest: undefined }))).toEqual(['@method', '@path', '@query', 'yinji-recipient']);
  });

  it('refuses a request meant for another center', () => {
    // Signed by Alice for Carol, presented to Bob.
    const forCarol = signed({ recipient: CAROL_ID });
    const e = refusal(() => verifyRequest(forCarol, lookup, { now: NOW, recipient: BOB_ID }));
    expect(e.details.reason).toBe('recipient');
    expect(e.message).toBe('peer request signature refused: the request is not meant for this center');
    // Signed by Alice for Bob, replayed by Bob to Carol (who also knows Alice's key).
    const forBob = signed();
    expect(reasonOf(() => verifyRequest(forBob, lookup, { now: NOW, recipient: CAROL_ID }))).toBe('recipient');
    expect(verifyRequest(forCarol, lookup, { now: NOW, recipient: CAROL_ID }).keyId).toBe('ALICE-1');
  });

  it('refuses a request whose yinji-recipient was removed or altered in transit', () => {
    const req = signed();
    const at = { now: NOW, recipient: BOB_ID };
    const removed = { ...req.headers, 'yinji-recipient': undefined };
    expect(reasonOf(() => verifyRequest({ ...req, headers: removed }, lookup, at))).toBe('recipient');
    const { 'yinji-recipient': _, ...omitted } = req.headers;
    expect(reasonOf(() => verifyRequest({ ...req, headers: omitted }, lookup, at))).toBe('recipient');
    // Rewritten to name Carol and replayed there: the header matches Carol, but the signature covers "BOB-1".
    const redirected = { ...req.headers, 'yinji-recipient': CAROL_ID };
    expect(
      reasonOf(() => verifyRequest({ ...req, headers: redirected }, lookup, { now: NOW, recipient: CAROL_ID })),
    ).toBe('signature');
    expect(reasonOf(() => verifyRequest({ ...req, headers: redirected }, lookup, at))).toBe('recipient');
    // A second copy under another case is refused rather than combined or ignored.
    const doubled = { ...req.headers, 'Yinji-Recipient': BOB_ID };
    expect(reasonOf(() => verifyRequest({ ...req, headers: doubled }, lookup, at))).toBe('malformed');
  });

  it('refuses to sign a request that does not name its recipient in yinji-recipient', () => {
    const trySign = (headers: Record<string, string>): unknown =>
      signRequest({ method: 'GET', path: '/x', headers }, ALICE, { now: NOW });
    const unnamed: Record<string, string>[] = [
      {},
      { 'content-digest': BODY_DIGEST },
      { 'yinji-recipient': '' },
      { 'yinji-recipient': 'has space' },
      { 'yinji-recipient': 'x'.repeat(201) },
      { 'yinji-recipient': '中心' },
    ];
    for (const headers of unnamed) {
      expect(() => trySign(headers)).toThrow(InvalidInputError);
      expect(() => trySign(headers)).toThrow(/yinji-recipient/);
    }
    expect(() => trySign({ 'yinji-recipient': BOB_ID, 'Yinji-Recipient': BOB_ID })).toThrow(/twice/);
  });

  it('refuses expired, stale and future signatures; honours maxSkewSeconds', () => {
    const req = signed({}, { ttlSeconds: 60 });
    const at = (s: number): Date => new Date(NOW.getTime() + s * 1000);
    expect(verifyRequest(req, lookup, { now: at(59), recipient: BOB_ID }).keyId).toBe('ALICE-1');
    expect(reasonOf(() => verifyRequest(req, lookup, { now: at(60), recipient: BOB_ID }))).toBe('expired');
    expect(verifyRequest(req, lookup, { now: at(-300), recipient: BOB_ID }).keyId).toBe('ALICE-1');
    expect(reasonOf(() => verifyRequest(req, lookup, { now: at(-301), recipient: BOB_ID }))).toBe('future');
    expect(reasonOf(() => verifyRequest(req, lookup, { now: at(-31), recipient: BOB_ID, maxSkewSeconds: 30 }))).toBe(
      'future',
    );
    const long = signed({}, { ttlSeconds: 600 });
    expect(reasonOf(() => verifyRequest(long, lookup, { now: at(301), recipient: BOB_ID }))).toBe('stale');
    expect(reasonOf(() => verifyRequest(long, lookup, { now: at(31), recipient: BOB_ID, maxSkewSeconds: 30 }))).toBe(
      'stale',
    );
    expect(() => verifyRequest(req, lookup, { now: NOW, recipient: BOB_ID, maxSkewSeconds: -1 })).toThrow(
      /maxSkewSeconds/,
    );
  });

  /** Re-sign a hand-made Signature-Input with Alice's key, so only the profile check can refuse it. */
  function forged(inner: string): Req {
    const list = parseDictionary(`yinji=${inner}`).get('yinji') as InnerList;
    const base = buildSignatureBase(
      { '@method': 'GET', '@path': '/x', '@query': '?', 'yinji-recipient': BOB_ID, '@authority': 'example.com' },
      list,
    );
    const sig = sign(null, Buffer.from(base, 'latin1'), alice.privateKey).toString('base64');
    return {
      method: 'GET',
      path: '/x',
      hasBody: false,
      headers: { 'yinji-recipient': BOB_ID, 'signature-input': `yinji=${inner}`, signature: `yinji=:${sig}:` },
    };
  }
  const T = 1740816000;
  const good = `("@method" "@path" "@query" "yinji-recipient");created=${T};expires=${T + 300};keyid="ALICE-1";alg="ed25519";nonce="AAAAAAAAAAAAAAAAAAAAAA";tag="yinji-peer"`;

  it('accepts a correctly forged profile signature (control for the cases below)', () => {
    expect(verifyRequest(forged(good), lookup, { now: NOW, recipient: BOB_ID }).nonce).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    // Parameter order is the sender's; the signed line keeps it.
    const reordered = `("@method" "@path" "@query" "yinji-recipient");tag="yinji-peer";nonce="AAAAAAAAAAAAAAAAAAAAAA";alg="ed25519";keyid="ALICE-1";expires=${T + 300};created=${T}`;
    expect(verifyRequest(forged(reordered), lookup, { now: NOW, recipient: BOB_ID }).keyId).toBe('ALICE-1');
  });

  it.each([
    ['wrong alg', good.replace('alg="ed25519"', 'alg="rsa-pss-sha512"'), 'alg'],
    ['wrong tag', good.replace('tag="yinji-peer"', 'tag="other"'), 'tag'],
    ['missing alg', good.replace(';alg="ed25519"', ''), 'params'],
    ['missing expires', good.replace(`;expires=${T + 300}`, ''), 'params'],
    ['extra parameter', `${good};foo="bar"`, 'params'],
    ['lifetime over 600 s', good.replace(`expires=${T + 300}`, `expires=${T + 601}`), 'lifetime'],
    ['expires before created', good.replace(`expires=${T + 300}`, `expires=${T}`), 'lifetime'],
    ['created as a string', good.replace(`created=${T}`, `created="${T}"`), 'params'],
    ['short nonce', good.replace('AAAAAAAAAAAAAAAAAAAAAA', 'abc'), 'params'],
    ['fewer components', good.replace(' "@query"', ''), 'components'],
    ['reordered components', good.replace('"@method" "@path"', '"@path" "@method"'), 'components'],
    ['an extra component', good.replace('"@query"', '"@query" "@authority"'), 'components'],
    ['yinji-recipient not covered', good.replace(' "yinji-recipient"', ''), 'components'],
    ['yinji-recipient moved', good.replace('"@query" "yinji-recipient"', '"yinji-recipient" "@query"'), 'components'],
  ])('refuses a signature with %s', (_, inner, reason) => {
    expect(reasonOf(() => verifyRequest(forged(inner), lookup, { now: NOW, recipient: BOB_ID }))).toBe(reason);
  });

  it('refuses two signatures, other labels, and a missing field', () => {
    const req = signed();
    const input = req.headers['signature-input'] as string;
    const sig = req.headers.signature as string;
    const two = {
      ...req.headers,
      'signature-input': `${input}, ${input.replace('yinji=', 'other=')}`,
      signature: `${sig}, ${sig.replace('yinji=', 'other=')}`,
    };
    expect(reasonOf(() => verifyRequest({ ...req, headers: two }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'label',
    );
    const dup = { ...req.headers, 'signature-input': [input, input] };
    expect(reasonOf(() => verifyRequest({ ...req, headers: dup }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'malformed',
    );
    const renamed = {
      ...req.headers,
      'signature-input': input.replace('yinji=', 'sig1='),
      signature: sig.replace('yinji=', 'sig1='),
    };
    expect(reasonOf(() => verifyRequest({ ...req, headers: renamed }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'label',
    );
    expect(
      reasonOf(() =>
        verifyRequest({ ...req, headers: { ...req.headers, signature: undefined } }, lookup, {
          now: NOW,
          recipient: BOB_ID,
        }),
      ),
    ).toBe('missing');
    expect(
      reasonOf(() =>
        verifyRequest({ ...req, headers: { ...req.headers, Signature: sig } }, lookup, { now: NOW, recipient: BOB_ID }),
      ),
    ).toBe('malformed');
  });

  it.each([
    ['signature-input', 'yinji=("@method" "@path" "@query";created=1'],
    ['signature-input', 'yinji=(@method "@path" "@query");created=1'],
    ['signature-input', 'yinji=("@method" "@path" "@query");created=1.5'],
    ['signature-input', 'yinji=("@method" "@path" "@query");created=0017408160'],
    ['signature-input', 'yinji=("@method";req "@path" "@query");created=1'],
    ['signature-input', 'yinji=("@method" "@path" "@query");created'],
    ['signature-input', 'yinji=("@method" "@path" "@query");created=1;created=2'],
    ['signature-input', 'yinji=("@method" "@path" "@query"),'],
    ['signature-input', 'yinji=("@method\n" "@path" "@query")'],
    ['signature-input', 'Yinji=("@method" "@path" "@query")'],
    ['signature-input', 'yinji=:AAAA:'],
    ['signature', 'yinji=("a")'],
    ['signature', 'yinji=:AAAA:'],
    ['signature', 'yinji=:not base64!:'],
    ['signature', 'yinji=abc'],
    ['signature', 'yinji=?1'],
  ])('refuses a malformed %s: %j', (name, value) => {
    const req = signed();
    const e = refusal(() =>
      verifyRequest({ ...req, headers: { ...req.headers, [name]: value } }, lookup, { now: NOW, recipient: BOB_ID }),
    );
    expect(e.details.reason).toMatch(/^(malformed|params)$/);
  });

  it('refuses a malformed method, target or content-digest from the peer', () => {
    const req = signed();
    expect(
      reasonOf(() => verifyRequest({ ...req, path: 'http://evil/x' }, lookup, { now: NOW, recipient: BOB_ID })),
    ).toBe('malformed');
    expect(reasonOf(() => verifyRequest({ ...req, method: 'GE T' }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'malformed',
    );
    const bad = { ...req.headers, 'content-digest': 'md5=:AAAA:' };
    expect(reasonOf(() => verifyRequest({ ...req, headers: bad }, lookup, { now: NOW, recipient: BOB_ID }))).toBe(
      'content-digest',
    );
  });

  it('refuses to sign with bad arguments', () => {
    const req = { method: 'GET', path: '/x', headers: { 'yinji-recipient': BOB_ID } };
    expect(() => signRequest(req, { keyId: 'A', privateKey: alice.publicKey }, { now: NOW })).toThrow(
      /Ed25519 private key/,
    );
    expect(() =>
      signRequest(
        req,
        { keyId: 'A', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey },
        { now: NOW },
      ),
    ).toThrow(/Ed25519/);
    expect(() => signRequest(req, { keyId: 'has space', privateKey: alice.privateKey }, { now: NOW })).toThrow(/keyid/);
    expect(() => signRequest({ ...req, path: 'x' }, ALICE, { now: NOW })).toThrow(/request target/);
    expect(() => signRequest({ ...req, method: 'G T' }, ALICE, { now: NOW })).toThrow(/method/);
    expect(() => signRequest(req, ALICE, { now: NOW, ttlSeconds: 601 })).toThrow(/ttlSeconds/);
    expect(() => signRequest(req, ALICE, { now: NOW, nonce: 'short' })).toThrow(/nonce/);
    expect(() => signRequest(req, ALICE, { now: new Date(NaN) })).toThrow(/time/);
    expect(() =>
      signRequest({ ...req, headers: { ...req.headers, 'content-digest': 'sha-256=abc' } }, ALICE, { now: NOW }),
    ).toThrow(/content-digest/);
    expect(() =>
      signRequest(
        { ...req, headers: { ...req.headers, 'content-digest': BODY_DIGEST, 'Content-Digest': BODY_DIGEST } },
        ALICE,
        { now: NOW },
      ),
    ).toThrow(/twice/);
  });
});

describe('signResponse / verifyResponse', () => {
  const NONCE = 'q1w2e3r4t5y6u7i8o9p0AA';
  const DIGEST = contentDigest(createHash('sha256').update('[]').digest());

  function answer(status = 200, nonce = NONCE): { status: number; headers: Record<string, string> } {
    const headers = { 'content-digest': DIGEST };
    return { status, headers: { ...headers, ...signResponse({ status, headers }, BOB, nonce, { now: NOW }) } };
  }

  it('round-trips: covers @status and content-digest and echoes the request nonce', () => {
    const res = answer();
    expect(res.headers['signature-input']).toBe(
      `yinji=("@status" "content-digest");created=1740816000;expires=1740816300;keyid="BOB-1";alg="ed25519";nonce="${NONCE}";tag="yinji-peer"`,
    );
    expect(() => verifyResponse(res, 'BOB-1', bob.publicKey, NONCE, { now: NOW })).not.toThrow();
    expect(() => verifyResponse(answer(404), 'BOB-1', bob.publicKey, NONCE, { now: NOW })).not.toThrow();
  });

  it('refuses another nonce (an old answer replayed), another status and another body digest', () => {
    const res = answer();
    expect(reasonOf(() => verifyResponse(res, 'BOB-1', bob.publicKey, 'AAAAAAAAAAAAAAAAAAAAAA', { now: NOW }))).toBe(
      'nonce',
    );
    expect(reasonOf(() => verifyResponse({ ...res, status: 500 }, 'BOB-1', bob.publicKey, NONCE, { now: NOW }))).toBe(
      'signature',
    );
    const other = { ...res.headers, 'content-digest': contentDigest(createHash('sha256').update('[1]').digest()) };
    expect(
      reasonOf(() => verifyResponse({ ...res, headers: other }, 'BOB-1', bob.publicKey, NONCE, { now: NOW })),
    ).toBe('signature');
  });

  it('refuses another signer, a wrong key, a missing digest, and an expired answer', () => {
    const res = answer();
    expect(reasonOf(() => verifyResponse(res, 'ALICE-1', bob.publicKey, NONCE, { now: NOW }))).toBe('keyid');
    expect(reasonOf(() => verifyResponse(res, 'BOB-1', alice.publicKey, NONCE, { now: NOW }))).toBe('signature');
    const { 'content-digest': _, ...noDigest } = res.headers;
    expect(
      reasonOf(() => verifyResponse({ ...res, headers: noDigest }, 'BOB-1', bob.publicKey, NONCE, { now: NOW })),
    ).toBe('content-digest');
    expect(
      reasonOf(() => verifyResponse(res, 'BOB-1', bob.publicKey, NONCE, { now: new Date(NOW.getTime() + 300_000) })),
    ).toBe('expired');
    expect(refusal(() => verifyResponse(res, 'BOB-1', alice.publicKey, NONCE, { now: NOW })).zh).toMatch(
      /^对端应答签名无效/,
    );
  });

  it('a request signature is not accepted as a response signature, nor the reverse', () => {
    const req = signRequest(
      { method: 'POST', path: '/x', headers: { 'content-digest': DIGEST, 'yinji-recipient': ALICE_ID } },
      BOB,
      { now: NOW, nonce: NONCE },
    );
    const asResponse = { status: 200, headers: { 'content-digest': DIGEST, 'yinji-recipient': ALICE_ID, ...req } };
    expect(reasonOf(() => verifyResponse(asResponse, 'BOB-1', bob.publicKey, NONCE, { now: NOW }))).toBe('components');
    const res = answer();
    // Even naming the right recipient, a response signature does not cover it.
    const asRequest = {
      method: 'POST',
      path: '/x',
      headers: { ...res.headers, 'yinji-recipient': BOB_ID },
      hasBody: true,
    };
    expect(reasonOf(() => verifyRequest(asRequest, lookup, { now: NOW, recipient: BOB_ID }))).toBe('components');
  });

  it('refuses to sign a response without a sha-256 content-digest, or with a bad status or nonce', () => {
    expect(() => signResponse({ status: 200, headers: {} }, BOB, NONCE, { now: NOW })).toThrow(/content-digest/);
    expect(() => signResponse({ status: 99, headers: { 'content-digest': DIGEST } }, BOB, NONCE, { now: NOW })).toThrow(
      /status/,
    );
    expect(() => signResponse({ status: 200, headers: { 'content-digest': DIGEST } }, BOB, 'x', { now: NOW })).toThrow(
      /nonce/,
    );
  });
});
