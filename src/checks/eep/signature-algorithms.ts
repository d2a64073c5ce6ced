import { createHash, type KeyObject } from 'node:crypto';

/**
 * Signature algorithms an EEP may name in 签名算法标识 (or, failing that,
 * 签名规则). DA/T 48 leaves the vocabulary open; generators write Java names
 * (SHA256withRSA, SM3withSM2), OIDs, XML-DSig URIs or just "RSA" (the Annex
 * schema's default), so names are matched loosely.
 */
export interface KnownAlgorithm {
  readonly kind: 'rsa' | 'ecdsa' | 'sm2';
  /** Node digest name; undefined for bare "RSA", where the DigestInfo inside the signature tells. */
  readonly hash?: 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'sm3';
}

const TABLE: readonly (readonly [KnownAlgorithm, readonly string[]])[] = [
  [
    { kind: 'rsa', hash: 'sha1' },
    ['sha1withrsa', 'rsasha1', 'sha1rsa', 'sha1withrsaencryption', '1.2.840.113549.1.1.5'],
  ],
  [
    { kind: 'rsa', hash: 'sha256' },
    ['sha256withrsa', 'rsasha256', 'sha256rsa', 'sha256withrsaencryption', '1.2.840.113549.1.1.11'],
  ],
  [{ kind: 'rsa', hash: 'sha384' }, ['sha384withrsa', 'rsasha384', 'sha384withrsaencryption', '1.2.840.113549.1.1.12']],
  [{ kind: 'rsa', hash: 'sha512' }, ['sha512withrsa', 'rsasha512', 'sha512withrsaencryption', '1.2.840.113549.1.1.13']],
  [{ kind: 'rsa' }, ['rsa', '1.2.840.113549.1.1.1']],
  [{ kind: 'ecdsa', hash: 'sha1' }, ['sha1withecdsa', 'ecdsasha1', 'ecdsawithsha1', '1.2.840.10045.4.1']],
  [{ kind: 'ecdsa', hash: 'sha256' }, ['sha256withecdsa', 'ecdsasha256', 'ecdsawithsha256', '1.2.840.10045.4.3.2']],
  [{ kind: 'ecdsa', hash: 'sha384' }, ['sha384withecdsa', 'ecdsasha384', 'ecdsawithsha384', '1.2.840.10045.4.3.3']],
  [{ kind: 'ecdsa', hash: 'sha512' }, ['sha512withecdsa', 'ecdsasha512', 'ecdsawithsha512', '1.2.840.10045.4.3.4']],
  // GM/T 0006: 1.2.156.10197.1.501 is SM2 signing with SM3.
  [
    { kind: 'sm2', hash: 'sm3' },
    ['sm3withsm2', 'sm2sm3', 'sm2withsm3', 'sm2', 'sm3withsm2encryption', '1.2.156.10197.1.501'],
  ],
];

const BY_NAME = new Map(TABLE.flatMap(([alg, names]) => names.map((n) => [n, alg] as const)));

/** Resolve a declared name; XML-DSig URIs are matched on their fragment (…#rsa-sha256). */
export function resolveAlgorithm(declared: string): KnownAlgorithm | undefined {
  const fragment = declared.includes('#') ? declared.slice(declared.lastIndexOf('#') + 1) : declared;
  return BY_NAME.get(fragment.toLowerCase().replace(/[\s_-]/g, ''));
}

export function algorithmLabel(alg: KnownAlgorithm): string {
  if (alg.kind === 'sm2') return 'SM2-SM3';
  const hash = alg.hash === undefined ? '' : `-${alg.hash.toUpperCase()}`;
  return `${alg.kind.toUpperCase()}${hash}`;
}

// PKCS #1 v1.5 DigestInfo prefixes (RFC 8017 §9.2 note 1; SM3 is 1.2.156.10197.1.401).
const DIGEST_INFO: readonly (readonly [NonNullable<KnownAlgorithm['hash']>, string])[] = [
  ['sha1', '3021300906052b0e03021a05000414'],
  ['sha256', '3031300d060960864801650304020105000420'],
  ['sha384', '3041300d060960864801650304020205000430'],
  ['sha512', '3051300d060960864801650304020305000440'],
  ['sm3', '3030300c06082a811ccf5501831105000420'],
];

/** The digest algorithm of a recovered RSA DigestInfo, if it is one we know. */
export function digestInfoHash(decrypted: Buffer): KnownAlgorithm['hash'] {
  const hex = decrypted.toString('hex');
  return DIGEST_INFO.find(
    ([, prefix]) => hex.startsWith(prefix) && hex.length === prefix.length + 2 * digestLength(prefix),
  )?.[0];
}

function digestLength(prefix: string): number {
  return Number.parseInt(prefix.slice(-2), 16);
}

// SM2 curve parameters a, b, xG, yG (GB/T 32918.5-2016 / GM/T 0003.5).
const SM2_CURVE = Buffer.from(
  'FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC' +
    '28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93' +
    '32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7' +
    'BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0',
  'hex',
);

/** GM/T 0009-2012 §10: the default signer ID when none was agreed. */
export const SM2_DEFAULT_ID = Buffer.from('1234567812345678');

/**
 * Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2 §5.5). An SM2
 * signature signs SM3(Z ‖ M); hashing Z first lets the message be streamed.
 * OpenSSL 3 signs with an empty ID unless told otherwise, GM/T 0009 tools
 * with 1234567812345678, so callers try both.
 */
export function sm2Z(publicKey: KeyObject, id: Buffer): Buffer | undefined {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const point = spki.subarray(spki.length - 65);
  if (point[0] !== 0x04) return undefined;
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  return createHash('sm3').update(entl).update(id).update(SM2_CURVE).update(point.subarray(1)).digest();
}
