import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import { InvalidInputError } from '../core/errors.js';
import { decodeBase64Strict, encodeBase64 } from '../ledger/base64.js';

/**
 * Pairing tokens: how two centers learn each other's identity and keys. Each
 * operator creates a token on their center and gives it to the other out of
 * band; each side reads the key fingerprint aloud on the phone before
 * accepting (keyFingerprint()).
 *
 *   yinji-pair-v1.<base64url(canonical JSON of PeerIdentity)>.<base64url(Ed25519 signature over those bytes)>
 *
 * The JSON is RFC 8785 canonical, so there is one byte string per identity and
 * a re-serialised parse must reproduce it. The signature is by the key the
 * token announces (`peerKey`): it proves the issuer holds that key and that
 * nothing was altered in transit, not who the issuer is — that is what the
 * fingerprint check by voice is for. A token is untrusted input until then.
 */
export interface PeerIdentity {
  /** The peer center's ID, e.g. "GD-ARCHIVES-1". */
  readonly centerId: string;
  readonly name: string;
  /** Base URL of the peer's API (http or https, no credentials, query or fragment). */
  readonly url: string;
  /** Ed25519 public key it signs peer requests with: base64 of the raw 32 bytes. */
  readonly peerKey: string;
  /** C2SP signed-note verifier key of the peer's transparency log; opaque here. */
  readonly logKey: string;
  /** When the token was made, ISO 8601 UTC. */
  readonly issuedAt: string;
}

const PREFIX = 'yinji-pair-v1';
const MAX_TOKEN_CHARS = 8192;
const DEFAULT_MAX_AGE_DAYS = 30;
/** Clocks of two centers may differ a little; a token from further ahead is refused. */
const FUTURE_TOLERANCE_MS = 60 * 60 * 1000;
const FIELDS = ['centerId', 'issuedAt', 'logKey', 'name', 'peerKey', 'url'] as const;
const CENTER_ID = /^[A-Za-z0-9]{1,16}$/; // center/config.ts centerId
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function invalid(zh: string, en: string): InvalidInputError {
  return new InvalidInputError({ zh: `配对令牌无效：${zh}`, en: `invalid pairing token: ${en}` });
}

function rawKeyBytes(peerKey: string): Buffer {
  const bytes = typeof peerKey === 'string' ? decodeBase64Strict(peerKey) : undefined;
  if (bytes?.length !== 32) {
    throw new InvalidInputError({
      zh: '对端公钥须为 32 字节 Ed25519 公钥的标准 base64',
      en: 'a peer key is the standard base64 of a 32-byte Ed25519 public key',
    });
  }
  return Buffer.from(bytes);
}

/** The KeyObject of a peer key string (base64 of the raw 32 bytes). */
export function peerPublicKey(peerKey: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, rawKeyBytes(peerKey)]), format: 'der', type: 'spki' });
}

/** The peer key string (base64 of the raw 32 bytes) of an Ed25519 key; a private key gives its public half. */
export function rawPublicKey(key: KeyObject): string {
  if (key.asymmetricKeyType !== 'ed25519' || key.type === 'secret') {
    throw new InvalidInputError({ zh: '须为 Ed25519 密钥', en: 'expected an Ed25519 key' });
  }
  const der = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  return encodeBase64(der.subarray(SPKI_PREFIX.length));
}

/**
 * SHA-256 of the raw key, first 20 bytes as hex in groups of four digits
 * ("3f2a:91c0:…", ten groups): short enough to read aloud, 160 bits so a
 * forged key with the same fingerprint is out of reach.
 */
export function keyFingerprint(peerKey: string): string {
  const hex = createHash('sha256').update(rawKeyBytes(peerKey)).digest('hex').slice(0, 40);
  return hex.replace(/(.{4})(?=.)/g, '$1:');
}

function checkFields(o: Readonly<Record<string, unknown>>): PeerIdentity {
  const keys = Object.keys(o).sort();
  if (keys.join() !== FIELDS.join())
    throw invalid(`字段须恰为 ${FIELDS.join('、')}`, `fields must be exactly ${FIELDS.join(', ')}`);
  for (const f of FIELDS) if (typeof o[f] !== 'string') throw invalid(`${f} 须为字符串`, `${f} must be a string`);
  const id = o as unknown as PeerIdentity;
  if (!CENTER_ID.test(id.centerId)) {
    throw invalid(
      `中心编号 "${id.centerId}" 无效（1–16 个字母或数字）`,
      `invalid centerId "${id.centerId}" (1–16 letters or digits)`,
    );
  }
  const nameLength = [...id.name].length;
  if (nameLength < 1 || nameLength > 100 || /\p{Cc}/u.test(id.name) || id.name.trim() !== id.name) {
    throw invalid(
      '名称须为 1–100 个字符，首尾无空白，无控制字符',
      'name must be 1–100 characters, without control characters or surrounding spaces',
    );
  }
  checkUrl(id.url);
  rawKeyBytes(id.peerKey);
  if (id.logKey.length < 1 || id.logKey.length > 1000 || /[\s\p{Cc}]/u.test(id.logKey)) {
    throw invalid('日志公钥须为 1–1000 个无空白字符', 'logKey must be 1–1000 characters without spaces');
  }
  // Round-trip through Date too: V8 accepts 2025-02-30 and rolls it over into March.
  const issued = new Date(Date.parse(id.issuedAt));
  if (
    !ISO_UTC.test(id.issuedAt) ||
    !Number.isFinite(issued.getTime()) ||
    issued.toISOString().slice(0, 19) !== id.issuedAt.slice(0, 19)
  ) {
    throw invalid(
      `签发时间 "${id.issuedAt}" 不是 ISO 8601 UTC 时间`,
      `issuedAt "${id.issuedAt}" is not an ISO 8601 UTC time`,
    );
  }
  return {
    centerId: id.centerId,
    name: id.name,
    url: id.url,
    peerKey: id.peerKey,
    logKey: id.logKey,
    issuedAt: id.issuedAt,
  };
}

function checkUrl(text: string): void {
  let url: URL | undefined;
  try {
    url = text.length <= 2048 ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
    throw invalid(`地址 "${text}" 不是绝对的 http(s) 地址`, `url "${text}" is not an absolute http(s) URL`);
  }
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
    text.includes('#') ||
    /\s/.test(text)
  ) {
    throw invalid(
      `地址 "${text}" 不得含用户名、密码、查询串或片段`,
      `url "${text}" must not hold credentials, a query or a fragment`,
    );
  }
}

/** Make this center's pairing token; `privateKey` is its peer signing key (Ed25519), whose public half becomes `peerKey`. */
export function createPairingToken(identity: Omit<PeerIdentity, 'peerKey'>, privateKey: KeyObject): string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new InvalidInputError({
      zh: '配对令牌须用 Ed25519 私钥签名',
      en: 'a pairing token is signed with an Ed25519 private key',
    });
  }
  const full = checkFields({
    centerId: identity.centerId,
    name: identity.name,
    url: identity.url,
    peerKey: rawPublicKey(privateKey),
    logKey: identity.logKey,
    issuedAt: identity.issuedAt,
  });
  const json = Buffer.from(canonicalJson(full), 'utf8');
  return `${PREFIX}.${json.toString('base64url')}.${sign(null, json, privateKey).toString('base64url')}`;
}

/** Strict base64url without padding (RFC 4648 §5): only the one canonical encoding of the bytes. */
function fromBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * Read and check a pairing token pasted by an operator. White space (line
 * breaks from e-mail or chat) is ignored; everything else must be exact. The
 * self-signature, each field and the age are checked; InvalidInputError says
 * what is wrong.
 */
export function parsePairingToken(token: string, options: { now?: Date; maxAgeDays?: number } = {}): PeerIdentity {
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS;
  if (!(maxAgeDays > 0) || !Number.isFinite(maxAgeDays)) {
    throw new InvalidInputError({ zh: '最长有效天数须为正数', en: 'maxAgeDays must be a positive number' });
  }
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) throw invalid('长度不对', 'wrong length');
  const parts = token.replace(/\s+/g, '').split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX)
    throw invalid(`须以 "${PREFIX}." 开头，由三段组成`, `expected "${PREFIX}.<payload>.<signature>"`);
  const json = fromBase64url(parts[1] ?? '');
  const signature = fromBase64url(parts[2] ?? '');
  if (json === undefined || signature?.length !== 64)
    throw invalid('内容或签名的 base64url 编码有误', 'payload or signature is not valid base64url');

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw invalid('内容不是 JSON', 'payload is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid('内容须为 JSON 对象', 'payload must be a JSON object');
  const identity = checkFields(parsed as Record<string, unknown>);
  // One byte string per identity: a token whose JSON is not canonical (duplicate keys, spacing) was not made by us.
  if (canonicalJson(identity) !== json.toString('utf8'))
    throw invalid('内容不是规范 JSON', 'payload is not canonical JSON');
  if (!verify(null, json, peerPublicKey(identity.peerKey), signature)) {
    throw invalid(
      '签名验证失败（令牌被改动或已损坏）',
      'the signature does not verify (the token was altered or damaged)',
    );
  }

  const now = (options.now ?? new Date()).getTime();
  const issued = Date.parse(identity.issuedAt);
  if (issued - now > FUTURE_TOLERANCE_MS)
    throw invalid('签发时间在未来（请检查双方时钟）', 'issued in the future (check both clocks)');
  if (now - issued > maxAgeDays * 86_400_000) {
    throw invalid(
      `已签发超过 ${maxAgeDays} 天，请对方重新生成`,
      `issued more than ${maxAgeDays} days ago: ask the peer for a new one`,
    );
  }
  return identity;
}
