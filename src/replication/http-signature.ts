import { randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { InvalidInputError, YinjiError, type Message, type YinjiErrorOptions } from '../core/errors.js';
import {
  parseDictionary,
  serializeBareItem,
  serializeInnerList,
  serializeString,
  type BareItem,
  type InnerList,
  type Member,
} from './http-signature-fields.js';

/**
 * HTTP Message Signatures (RFC 9421) between paired centers, Ed25519 only
 * (§3.3.6, alg "ed25519"), one profile:
 *
 *   request   Signature-Input: yinji=("@method" "@path" "@query" ["content-digest"]);created=…;expires=…;
 *                              keyid="…";alg="ed25519";nonce="…";tag="yinji-peer"
 *   response  Signature-Input: yinji=("@status" "content-digest");… nonce = the request's nonce
 *
 * The body is covered through Content-Digest (RFC 9530), which the caller
 * computes and checks against the bytes it sends or receives. Everything in
 * these fields is attacker-controlled until the signature verifies, so the
 * verifier accepts exactly this profile and nothing looser: one signature, this
 * label, these components in this order, these six parameters, this tag. A
 * response echoes the request's nonce (§2.3 "nonce") so a client can tell an
 * answer is fresh and meant for its request; replay of requests is refused by
 * the caller, which remembers each nonce until the signature expires (§7.2.2).
 */

/** Our signing key for peers (Ed25519) and the key id peers know it by. */
export interface PeerSigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

export interface SignedHeaders {
  readonly 'signature-input': string;
  readonly signature: string;
}

export interface VerifiedRequest {
  readonly keyId: string;
  /** Store until `expires` and refuse a second request with it (replay). */
  readonly nonce: string;
  readonly created: Date;
  readonly expires: Date;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** A peer's request or answer that does not carry a valid signature of ours. */
export class PeerAuthError extends YinjiError {
  override readonly name = 'PeerAuthError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_PEER_AUTH', message, options);
  }
}

const LABEL = 'yinji';
const TAG = 'yinji-peer';
const ALG = 'ed25519';
/** Default lifetime of a signature, seconds. */
const DEFAULT_TTL = 300;
/** Longest lifetime a verifier accepts: bounds how long callers must remember nonces. */
const MAX_TTL = 600;
const DEFAULT_SKEW = 300;
/**
 * `yinji-recipient` names the center a request is for: without it, a partner
 * could replay a request signed for itself to another partner (say, a
 * challenge) and pass the answer off as its own.
 */
const RECIPIENT = 'yinji-recipient';
const REQUEST_COMPONENTS = ['@method', '@path', '@query', RECIPIENT] as const;
const RESPONSE_COMPONENTS = ['@status', 'content-digest'] as const;
/** Parameter order as we write it; a verifier takes the order the field has (RFC 9421 §2.3). */
const PARAMS = ['created', 'expires', 'keyid', 'alg', 'nonce', 'tag'] as const;
/** A nonce is carried as an sf-string and stored by the verifier: keep it short and plain. */
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const KEY_ID = /^[\x21-\x7e]{1,200}$/;
/** RFC 9110 §5.6.2 token (methods). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type Kind = 'request' | 'response';

function refuse(kind: Kind, reason: string, zh: string, en: string, cause?: unknown): PeerAuthError {
  const what =
    kind === 'request'
      ? { zh: '对端请求签名无效', en: 'peer request signature refused' }
      : { zh: '对端应答签名无效', en: 'peer response signature refused' };
  return new PeerAuthError(
    { zh: `${what.zh}：${zh}`, en: `${what.en}: ${en}` },
    { details: { reason }, ...(cause === undefined ? {} : { cause }) },
  );
}

function badArgument(zh: string, en: string): InvalidInputError {
  return new InvalidInputError({ zh: `无法签名：${zh}`, en: `cannot sign: ${en}` });
}

/**
 * The value of a header field (RFC 9421 §2.1): lines combined with ", ", each
 * trimmed. Names are matched case-insensitively and a name given twice in
 * different cases is refused, so "Content-Digest" cannot slip past coverage.
 */
function fieldValue(headers: Headers, name: string, onDuplicate: () => Error): string | undefined {
  let found: string | string[] | undefined;
  let seen = false;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== name || v === undefined) continue;
    if (seen) throw onDuplicate();
    seen = true;
    found = v;
  }
  if (found === undefined) return undefined;
  return (Array.isArray(found) ? found : [found]).map((v) => v.replace(/^[ \t]+|[ \t]+$/g, '')).join(', ');
}

/**
 * The signature base (RFC 9421 §2.5): one line `"<component>": <value>` per
 * covered component, in order, then `"@signature-params": <inner list>`,
 * lines separated by LF with none after the last. Values must be printable
 * ASCII (or HTAB): a newline would let a value forge further lines, and
 * anything else would make the bytes depend on an encoding.
 */
export function buildSignatureBase(values: Readonly<Record<string, string>>, signatureParams: InnerList): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const name of signatureParams.items) {
    if (seen.has(name)) throw new SyntaxError(`component "${name}" is covered twice`);
    seen.add(name);
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) throw new SyntaxError(`no value for covered component "${name}"`);
    if (!/^[\t\x20-\x7e]*$/.test(value)) throw new SyntaxError(`component "${name}" holds a character outside ASCII`);
    lines.push(`${serializeString(name)}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(signatureParams)}`);
  return lines.join('\n');
}

/** `@path` and `@query` (RFC 9421 §2.2.6, §2.2.7) of a request target in origin-form. */
function pathAndQuery(target: string): { path: string; query: string } | undefined {
  if (!/^\/[\x21-\x7e]*$/.test(target) || target.includes('#')) return undefined;
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '?' } : { path: target.slice(0, q), query: target.slice(q) };
}

function checkSigningKey(key: PeerSigningKey): void {
  if (!KEY_ID.test(key.keyId))
    throw badArgument('keyid 须为 1–200 个可见 ASCII 字符', 'keyid must be 1–200 visible ASCII characters');
  if (key.privateKey.type !== 'private' || key.privateKey.asymmetricKeyType !== 'ed25519') {
    throw badArgument('签名密钥须为 Ed25519 私钥', 'the signing key must be an Ed25519 private key');
  }
}

function epochSeconds(now: Date): number {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new InvalidInputError({ zh: '当前时间无效', en: 'invalid current time' });
  return Math.floor(ms / 1000);
}

function signComponents(
  values: Record<string, string>,
  components: readonly string[],
  key: PeerSigningKey,
  nonce: string,
  created: number,
  ttl: number,
): SignedHeaders {
  const params: Record<(typeof PARAMS)[number], BareItem> = {
    created,
    expires: created + ttl,
    keyid: key.keyId,
    alg: ALG,
    nonce,
    tag: TAG,
  };
  const list: InnerList = { kind: 'inner-list', items: components, params: PARAMS.map((p) => [p, params[p]] as const) };
  const signature = sign(null, Buffer.from(buildSignatureBase(values, list), 'latin1'), key.privateKey);
  return {
    'signature-input': `${LABEL}=${serializeInnerList(list)}`,
    signature: `${LABEL}=${serializeBareItem(signature)}`,
  };
}

/**
 * Sign a request to a peer. `path` is the request target as sent (path, and
 * "?query" if any); header names in lower case. A request with a body must
 * carry `content-digest` (see contentDigest()), and it is then covered.
 */
export function signRequest(
  req: { method: string; path: string; headers: Readonly<Record<string, string>> },
  key: PeerSigningKey,
  options: { now: Date; nonce?: string; ttlSeconds?: number },
): SignedHeaders {
  checkSigningKey(key);
  if (!TOKEN.test(req.method)) throw badArgument(`请求方法 "${req.method}" 无效`, `invalid method "${req.method}"`);
  const target = pathAndQuery(req.path);
  if (target === undefined) throw badArgument(`请求路径 "${req.path}" 无效`, `invalid request target "${req.path}"`);
  const ttl = options.ttlSeconds ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) {
    throw badArgument(`有效期须为 1–${MAX_TTL} 秒`, `ttlSeconds must be an integer from 1 to ${MAX_TTL}`);
  }
  const nonce = options.nonce ?? randomBytes(16).toString('base64url');
  if (!NONCE.test(nonce))
    throw badArgument('nonce 须为 16–128 个 base64url 字符', 'nonce must be 16–128 base64url characters');
  const digest = fieldValue(req.headers, 'content-digest', () =>
    badArgument('content-digest 重复', 'content-digest given twice'),
  );
  const recipient = fieldValue(req.headers, RECIPIENT, () =>
    badArgument(`${RECIPIENT} 重复`, `${RECIPIENT} given twice`),
  );
  if (recipient === undefined || !KEY_ID.test(recipient)) {
    throw badArgument(`须以 ${RECIPIENT} 指明接收方`, `name the recipient in ${RECIPIENT}`);
  }
  const values: Record<string, string> = {
    '@method': req.method,
    '@path': target.path,
    '@query': target.query,
    [RECIPIENT]: recipient,
  };
  const components: string[] = [...REQUEST_COMPONENTS];
  if (digest !== undefined) {
    if (sha256Of(digest) === undefined) throw badArgument('content-digest 格式错误', 'malformed content-digest');
    values['content-digest'] = digest;
    components.push('content-digest');
  }
  return signComponents(values, components, key, nonce, epochSeconds(options.now), ttl);
}

/** Sign our answer to a peer's request: covers the status and the body's Content-Digest, echoes the request's nonce. */
export function signResponse(
  res: { status: number; headers: Readonly<Record<string, string>> },
  key: PeerSigningKey,
  requestNonce: string,
  options: { now: Date },
): SignedHeaders {
  checkSigningKey(key);
  if (!Number.isInteger(res.status) || res.status < 100 || res.status > 599) {
    throw badArgument(`状态码 ${res.status} 无效`, `invalid status ${res.status}`);
  }
  if (!NONCE.test(requestNonce)) throw badArgument('请求的 nonce 无效', 'invalid request nonce');
  const digest = fieldValue(res.headers, 'content-digest', () =>
    badArgument('content-digest 重复', 'content-digest given twice'),
  );
  if (digest === undefined || sha256Of(digest) === undefined) {
    throw badArgument('应答须带有 sha-256 的 content-digest', 'a response must carry a sha-256 content-digest');
  }
  const values = { '@status': String(res.status), 'content-digest': digest };
  return signComponents(values, RESPONSE_COMPONENTS, key, requestNonce, epochSeconds(options.now), DEFAULT_TTL);
}

interface Expectation {
  readonly kind: Kind;
  readonly components: readonly string[];
  readonly values: Readonly<Record<string, string>>;
  readonly lookup: (keyId: string) => KeyObject | undefined;
  readonly nonce?: string;
  readonly now: Date;
  readonly maxSkewSeconds: number | undefined;
}

function member(kind: Kind, headers: Headers, name: 'signature-input' | 'signature'): Member {
  const value = fieldValue(headers, name, () => refuse(kind, 'malformed', `${name} 重复`, `${name} given twice`));
  if (value === undefined) throw refuse(kind, 'missing', `缺少 ${name} 头`, `no ${name} header`);
  let dict: Map<string, Member>;
  try {
    dict = parseDictionary(value);
  } catch (e) {
    throw refuse(
      kind,
      'malformed',
      `${name} 格式错误（${(e as Error).message}）`,
      `malformed ${name} (${(e as Error).message})`,
      e,
    );
  }
  const found = dict.get(LABEL);
  if (dict.size !== 1 || found === undefined) {
    throw refuse(
      kind,
      'label',
      `${name} 须恰好含一个标签为 "${LABEL}" 的签名`,
      `${name} must hold exactly one signature, labelled "${LABEL}"`,
    );
  }
  return found;
}

function verifyComponents(headers: Headers, x: Expectation): VerifiedRequest {
  const { kind } = x;
  const input = member(kind, headers, 'signature-input');
  const sig = member(kind, headers, 'signature');
  if (input.kind !== 'inner-list')
    throw refuse(kind, 'malformed', 'signature-input 不是内层列表', 'signature-input is not an inner list');
  if (sig.kind !== 'item' || !(sig.value instanceof Uint8Array) || sig.params.length > 0 || sig.value.length !== 64) {
    throw refuse(kind, 'malformed', 'signature 须为 64 字节的字节序列', 'signature must be a 64-byte byte sequence');
  }
  if (input.items.join(' ') !== x.components.join(' ')) {
    throw refuse(
      kind,
      'components',
      `签名覆盖的组件须为 (${x.components.join(' ')})，实为 (${input.items.join(' ')})`,
      `covered components must be (${x.components.join(' ')}), got (${input.items.join(' ')})`,
    );
  }
  const p = new Map(input.params);
  if (p.size !== PARAMS.length || !PARAMS.every((k) => p.has(k))) {
    throw refuse(
      kind,
      'params',
      `签名参数须恰为 ${PARAMS.join('、')}`,
      `signature parameters must be exactly ${PARAMS.join(', ')}`,
    );
  }
  const created = p.get('created');
  const expires = p.get('expires');
  const keyId = p.get('keyid');
  const nonce = p.get('nonce');
  if (typeof created !== 'number' || typeof expires !== 'number' || created < 0) {
    throw refuse(kind, 'params', 'created 与 expires 须为整数', 'created and expires must be integers');
  }
  if (typeof keyId !== 'string' || typeof nonce !== 'string' || !NONCE.test(nonce)) {
    throw refuse(kind, 'params', 'keyid 或 nonce 无效', 'invalid keyid or nonce');
  }
  if (p.get('alg') !== ALG) throw refuse(kind, 'alg', `算法须为 ${ALG}`, `alg must be "${ALG}"`);
  if (p.get('tag') !== TAG) throw refuse(kind, 'tag', `tag 须为 ${TAG}`, `tag must be "${TAG}"`);
  if (x.nonce !== undefined && nonce !== x.nonce) {
    throw refuse(kind, 'nonce', '应答的 nonce 与请求不符', "the response's nonce is not the request's");
  }

  // Freshness (RFC 9421 §7.2.2, §7.2.4): a bounded lifetime, created near our now.
  const skew = x.maxSkewSeconds ?? DEFAULT_SKEW;
  if (!Number.isInteger(skew) || skew < 0 || skew > 3600) {
    throw new InvalidInputError({
      zh: '允许的时钟偏差须为 0–3600 秒',
      en: 'maxSkewSeconds must be an integer from 0 to 3600',
    });
  }
  const now = epochSeconds(x.now);
  if (expires <= created || expires - created > MAX_TTL) {
    throw refuse(
      kind,
      'lifetime',
      `签名有效期须在 1–${MAX_TTL} 秒之间`,
      `signature lifetime must be 1–${MAX_TTL} seconds`,
    );
  }
  if (created > now + skew)
    throw refuse(
      kind,
      'future',
      '签名时间晚于本机时间过多（请检查双方时钟）',
      'signature created too far in the future (check both clocks)',
    );
  if (created < now - skew) throw refuse(kind, 'stale', '签名时间早于本机时间过多', 'signature created too long ago');
  if (expires * 1000 <= x.now.getTime()) throw refuse(kind, 'expired', '签名已过期', 'signature has expired');

  const publicKey = x.lookup(keyId);
  if (publicKey === undefined) throw refuse(kind, 'keyid', `未知的密钥 "${keyId}"`, `unknown keyid "${keyId}"`);
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new InvalidInputError({
      zh: `密钥 "${keyId}" 不是 Ed25519 公钥`,
      en: `the key for "${keyId}" is not an Ed25519 key`,
    });
  }
  let base: string;
  try {
    base = buildSignatureBase(x.values, input);
  } catch (e) {
    throw refuse(
      kind,
      'malformed',
      `无法构造签名基串（${(e as Error).message}）`,
      `cannot build the signature base (${(e as Error).message})`,
      e,
    );
  }
  if (!verify(null, Buffer.from(base, 'latin1'), publicKey, sig.value)) {
    throw refuse(kind, 'signature', '签名验证失败', 'the signature does not verify');
  }
  return { keyId, nonce, created: new Date(created * 1000), expires: new Date(expires * 1000) };
}

/**
 * Verify a peer's request against our profile and the key `lookup` gives for
 * its keyid. `hasBody`: the request carries content; it must then be covered
 * by content-digest (the caller checks the digest against the bytes). The
 * caller refuses a nonce it has seen before `expires`.
 */
export function verifyRequest(
  req: { method: string; path: string; headers: Headers; hasBody: boolean },
  lookup: (keyId: string) => KeyObject | undefined,
  /** `recipient`: this center's id, which the signed `yinji-recipient` header must name. */
  options: { now: Date; recipient: string; maxSkewSeconds?: number },
): VerifiedRequest {
  const kind = 'request';
  const target = pathAndQuery(req.path);
  if (!TOKEN.test(req.method) || target === undefined)
    throw refuse(kind, 'malformed', '请求方法或路径无效', 'invalid method or request target');
  const digest = fieldValue(req.headers, 'content-digest', () =>
    refuse(kind, 'malformed', 'content-digest 重复', 'content-digest given twice'),
  );
  if (digest !== undefined) parseContentDigest(digest);
  else if (req.hasBody)
    throw refuse(
      kind,
      'content-digest',
      '带正文的请求须有 content-digest',
      'a request with a body must carry content-digest',
    );
  const recipient = fieldValue(req.headers, RECIPIENT, () =>
    refuse(kind, 'malformed', `${RECIPIENT} 重复`, `${RECIPIENT} given twice`),
  );
  if (recipient !== options.recipient) {
    throw refuse(kind, 'recipient', `请求不是发给本中心的`, `the request is not meant for this center`);
  }
  const values: Record<string, string> = {
    '@method': req.method,
    '@path': target.path,
    '@query': target.query,
    [RECIPIENT]: recipient,
  };
  if (digest !== undefined) values['content-digest'] = digest;
  return verifyComponents(req.headers, {
    kind,
    components: digest === undefined ? REQUEST_COMPONENTS : [...REQUEST_COMPONENTS, 'content-digest'],
    values,
    lookup,
    now: options.now,
    maxSkewSeconds: options.maxSkewSeconds,
  });
}

/** Verify a peer's answer: signed by `expectedKeyId`, for our request's nonce, covering status and body digest. */
export function verifyResponse(
  res: { status: number; headers: Headers },
  expectedKeyId: string,
  publicKey: KeyObject,
  requestNonce: string,
  options: { now: Date; maxSkewSeconds?: number },
): void {
  const kind = 'response';
  const digest = fieldValue(res.headers, 'content-digest', () =>
    refuse(kind, 'malformed', 'content-digest 重复', 'content-digest given twice'),
  );
  if (digest === undefined)
    throw refuse(kind, 'content-digest', '应答缺少 content-digest', 'the response has no content-digest');
  parseContentDigest(digest);
  verifyComponents(res.headers, {
    kind,
    components: RESPONSE_COMPONENTS,
    values: { '@status': String(res.status), 'content-digest': digest },
    lookup: (keyId) => (keyId === expectedKeyId ? publicKey : undefined),
    nonce: requestNonce,
    now: options.now,
    maxSkewSeconds: options.maxSkewSeconds,
  });
}

/** The Content-Digest field value (RFC 9530 §2) for a SHA-256 digest: `sha-256=:<base64>:`. */
export function contentDigest(sha256: Buffer | string): string {
  const bytes =
    typeof sha256 === 'string' ? (/^[0-9a-fA-F]{64}$/.test(sha256) ? Buffer.from(sha256, 'hex') : undefined) : sha256;
  if (bytes?.length !== 32)
    throw new InvalidInputError({ zh: 'SHA-256 摘要须为 32 字节', en: 'a SHA-256 digest is 32 bytes' });
  return `sha-256=${serializeBareItem(bytes)}`;
}

/** The SHA-256 a Content-Digest field carries, or undefined unless it is exactly one `sha-256` member. */
function sha256Of(field: string): Buffer | undefined {
  let dict: Map<string, Member>;
  try {
    dict = parseDictionary(field);
  } catch {
    return undefined;
  }
  const m = dict.get('sha-256');
  if (dict.size !== 1 || m?.kind !== 'item' || !(m.value instanceof Uint8Array) || m.params.length > 0)
    return undefined;
  return m.value.length === 32 ? Buffer.from(m.value) : undefined;
}

/**
 * The SHA-256 bytes of a peer's Content-Digest field. Peers send exactly one
 * member, `sha-256` (RFC 9530 §5); anything else is refused rather than
 * ignored, so a digest we do not check can never stand in for one we do.
 */
export function parseContentDigest(header: string): Buffer {
  const bytes = sha256Of(header);
  if (bytes === undefined) {
    throw new PeerAuthError(
      {
        zh: '对端的 content-digest 无效：须恰为一个 sha-256 摘要',
        en: "the peer's content-digest is invalid: it must be exactly one sha-256 digest",
      },
      { details: { reason: 'content-digest' } },
    );
  }
  return bytes;
}
