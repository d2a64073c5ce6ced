import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import { decodeBase64Strict, encodeBase64 } from './base64.js';

/**
 * Keys of C2SP signed-note (https://c2sp.org/signed-note), Ed25519 only.
 *
 *   key ID       = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]   ("Signatures")
 *   verifier key = <name>+<hex key ID>+<base64(0x01 ‖ public key)>           ("Verifier keys")
 *
 * The signer-key form `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`
 * is golang.org/x/mod/sumdb/note's, accepted for interoperability.
 */

/** Signature type byte of Ed25519 in signed-note ("Signature types"). */
export const NOTE_ED25519 = 0x01;

/** Signature type byte of Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, "cosignature/v1"). */
export const COSIGNATURE_ED25519 = 0x04;

/** The Ed25519 signature types a verifier key may carry: plain note signatures, or timestamped cosignatures. */
export type Ed25519KeyType = typeof NOTE_ED25519 | typeof COSIGNATURE_ED25519;

/** A log's signing key as Yinji stores it: PKCS#8 PEM, plus the public verifier key string. */
export interface LogKey {
  readonly name: string;
  readonly privateKeyPem: string;
  readonly verifierKey: string;
}

/** A parsed, checked verifier key. */
export interface NoteVerifier {
  readonly name: string;
  /** The 4-byte key ID as an unsigned 32-bit number. */
  readonly keyId: number;
  readonly publicKey: KeyObject;
}

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo (RFC 8410 §4, §7).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** signed-note "Key names": non-empty, no Unicode white space (Go unicode.IsSpace, incl. U+0085), no '+', no control characters. */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 && !/[\s+\u0000-\u001f\u0085]/u.test(name) && Buffer.from(name, 'utf8').toString('utf8') === name
  );
}

/** The signed-note key ID of `name` and the typed key (type byte ‖ key bytes). */
export function noteKeyId(name: string, typedKey: Uint8Array): number {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a]))
    .update(typedKey)
    .digest()
    .readUInt32BE(0);
}

function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

function badKey(kind: 'verifier' | 'signer', detail: string): InvalidInputError {
  const zh = kind === 'verifier' ? '验证公钥' : '签名私钥';
  return new InvalidInputError({ zh: `${zh}格式错误：${detail}`, en: `malformed ${kind} key: ${detail}` });
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new InvalidInputError({
      zh: `密钥名称 "${name}" 无效（不能为空，不能含空白或 "+"）`,
      en: `invalid key name "${name}" (must be non-empty, without spaces or "+")`,
    });
  }
}

/** The verifier key string for an Ed25519 public key (of signature type `type`, default plain note signatures). */
export function formatVerifierKey(name: string, publicKey: KeyObject, type: Ed25519KeyType = NOTE_ED25519): string {
  checkName(name);
  const typed = Buffer.concat([Buffer.from([type]), rawPublicKey(publicKey)]);
  return `${name}+${noteKeyId(name, typed).toString(16).padStart(8, '0')}+${encodeBase64(typed)}`;
}

/**
 * Parse and check a verifier key string of signature type `type` (default
 * plain note signatures; a key of another type is refused, so a witness's
 * cosignature key never verifies plain notes). Throws InvalidInputError (a
 * verifier key is configuration).
 */
export function parseVerifierKey(vkey: string, type: Ed25519KeyType = NOTE_ED25519): NoteVerifier {
  const what = 'verifier';
  if (typeof vkey !== 'string') throw badKey(what, 'not a string');
  const [name = '', id = '', ...rest] = vkey.split('+');
  const typed = decodeBase64Strict(rest.join('+'));
  if (!isValidKeyName(name)) throw badKey(what, 'bad name');
  if (!/^[0-9a-f]{8}$/.test(id)) throw badKey(what, 'key ID must be 8 lower-case hex digits');
  if (typed === undefined) throw badKey(what, 'key is not canonical base64');
  if (typed[0] !== type) throw badKey(what, `unsupported signature type (expected 0x0${type})`);
  if (typed.length !== 33) throw badKey(what, 'an Ed25519 key is 32 bytes');
  const keyId = noteKeyId(name, typed);
  if (keyId !== parseInt(id, 16)) throw badKey(what, 'key ID does not match name and key');
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, typed.subarray(1)]),
    format: 'der',
    type: 'spki',
  });
  return { name, keyId, publicKey };
}

/** A new Ed25519 log key named `name` (usually the log origin, e.g. "yinji.example.gov.cn/log"). */
export function generateLogKey(name: string): LogKey {
  checkName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    name,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    verifierKey: formatVerifierKey(name, publicKey),
  };
}

/** Import a Go sumdb/note signer key (`PRIVATE+KEY+name+id+base64`) as a LogKey. */
export function logKeyFromSignerKey(skey: string): LogKey {
  const what = 'signer';
  const [p1, p2, name = '', id = '', ...rest] = skey.split('+');
  const typed = decodeBase64Strict(rest.join('+'));
  if (p1 !== 'PRIVATE' || p2 !== 'KEY' || !isValidKeyName(name)) throw badKey(what, 'expected PRIVATE+KEY+<name>+…');
  if (typed?.length !== 33 || typed[0] !== NOTE_ED25519) throw badKey(what, 'expected an Ed25519 seed');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, typed.subarray(1)]),
    format: 'der',
    type: 'pkcs8',
  });
  const verifierKey = formatVerifierKey(name, createPublicKey(privateKey));
  if (verifierKey.split('+')[1] !== id) throw badKey(what, 'key ID does not match name and key');
  return { name, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), verifierKey };
}

/** The private key and key ID of a LogKey, checked against its own verifier key. */
export function openLogKey(key: LogKey): {
  readonly name: string;
  readonly keyId: number;
  readonly privateKey: KeyObject;
} {
  checkName(key.name);
  const privateKey = createPrivateKey(key.privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new InvalidInputError({ zh: '日志签名密钥必须是 Ed25519', en: 'the log signing key must be Ed25519' });
  }
  const verifierKey = formatVerifierKey(key.name, createPublicKey(privateKey));
  if (verifierKey !== key.verifierKey) {
    throw new InvalidInputError({
      zh: '日志签名私钥与其验证公钥不匹配',
      en: 'the log signing key does not match its verifier key',
    });
  }
  return { name: key.name, keyId: parseVerifierKey(verifierKey).keyId, privateKey };
}
