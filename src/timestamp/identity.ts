/**
 * A self-contained TSA identity: a small self-signed root CA and the TSA
 * certificate it issues, ECDSA P-256 / SHA-256. Pure: returns PEM strings,
 * the caller decides where (and how protected) they are stored.
 */
import { randomBytes, type webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Clock } from '../core/clock.js';
import { InvalidInputError } from '../core/errors.js';
import { ensureCryptoEngine, subtle } from './crypto-engine.js';
import { toBytes, toPem } from './der.js';
import { OID_EXT_KEY_USAGE, OID_KP_TIME_STAMPING } from './oids.js';

export interface TsaIdentity {
  /** The root every verifier trusts (`openssl ts -verify -CAfile`). */
  readonly caCertPem: string;
  /** The TSA's own certificate; embedded in tokens when the request asks (`certReq`). */
  readonly tsaCertPem: string;
  /** PKCS#8 private key of the TSA certificate. Secret. */
  readonly tsaKeyPem: string;
}

export interface CreateTsaIdentityOptions {
  /** TSA subject CN, e.g. "印记登记备份中心 TSA"; encoded as UTF8String (RFC 5280 §4.1.2.6). */
  readonly name: string;
  readonly clock: Clock;
  /** TSA certificate lifetime in years. Default 10; the root lives twice as long. */
  readonly years?: number;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export async function createTsaIdentity(options: CreateTsaIdentityOptions): Promise<TsaIdentity> {
  const name = options.name.trim();
  if (name.length === 0 || name.length > 64) {
    // RFC 5280 Appendix A: ub-common-name is 64 characters.
    throw new InvalidInputError({ zh: 'TSA 名称须为 1–64 个字符', en: 'TSA name must be 1–64 characters' });
  }
  ensureCryptoEngine();
  const years = options.years ?? 10;
  const now = options.clock.now();
  const caKeys = await subtle().generateKey(EC, true, ['sign', 'verify']);
  const tsaKeys = await subtle().generateKey(EC, true, ['sign', 'verify']);
  const caName = rdn(`${name} 根证书 Root CA`);
  const ca = await makeCertificate({
    subject: caName,
    issuer: caName,
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore: now,
    notAfter: addYears(now, years * 2),
    extensions: [
      basicConstraints(true),
      // RFC 5280 §4.2.1.3: keyCertSign (bit 5) and cRLSign (bit 6).
      keyUsage(new Uint8Array([0x06]), 1),
    ],
  });
  const tsa = await makeCertificate({
    subject: rdn(name),
    issuer: caName,
    publicKey: tsaKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore: now,
    notAfter: addYears(now, years),
    extensions: [
      basicConstraints(false),
      // digitalSignature (bit 0).
      keyUsage(new Uint8Array([0x80]), 7),
      // RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, and it MUST be critical.
      new pkijs.Extension({
        extnID: OID_EXT_KEY_USAGE,
        critical: true,
        extnValue: new pkijs.ExtKeyUsage({ keyPurposes: [OID_KP_TIME_STAMPING] }).toSchema().toBER(false),
      }),
    ],
  });
  const pkcs8 = toBytes(await subtle().exportKey('pkcs8', tsaKeys.privateKey));
  return {
    caCertPem: toPem('CERTIFICATE', toBytes(ca.toSchema().toBER(false))),
    tsaCertPem: toPem('CERTIFICATE', toBytes(tsa.toSchema().toBER(false))),
    tsaKeyPem: toPem('PRIVATE KEY', pkcs8),
  };
}

interface CertSpec {
  readonly subject: pkijs.RelativeDistinguishedNames;
  readonly issuer: pkijs.RelativeDistinguishedNames;
  readonly publicKey: webcrypto.CryptoKey;
  readonly signingKey: webcrypto.CryptoKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: pkijs.Extension[];
}

/**
 * A certificate serial from random bytes (RFC 5280 §4.1.2.2: positive, at most
 * 20 octets). The first octet is forced into 0x40–0x7F: clearing only the top
 * bit left a 0x00 first octet one time in 128, and 0x00 followed by an octet
 * below 0x80 is not minimal DER (X.690 §8.3.2), which OpenSSL and Node refuse
 * to parse — a TSA identity that could never be verified (found by the kill -9
 * loop in CI, where one fresh identity in ~128 failed).
 */
export function certificateSerial(random: Uint8Array): Uint8Array {
  const serial = Uint8Array.from(random);
  serial[0] = 0x40 | ((serial[0] ?? 0) & 0x3f);
  return serial;
}

async function makeCertificate(spec: CertSpec): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2; // v3
  cert.serialNumber = new asn1js.Integer({ valueHex: certificateSerial(randomBytes(16)) });
  cert.subject = spec.subject;
  cert.issuer = spec.issuer;
  cert.notBefore = time(spec.notBefore);
  cert.notAfter = time(spec.notAfter);
  await cert.subjectPublicKeyInfo.importKey(spec.publicKey);
  const spki = toBytes(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
  const ski = toBytes(await subtle().digest('SHA-1', spki)); // RFC 5280 §4.2.1.2 method (1)
  cert.extensions = [
    ...spec.extensions,
    new pkijs.Extension({
      extnID: '2.5.29.14',
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: ski }).toBER(false),
    }),
  ];
  await cert.sign(spec.signingKey, 'SHA-256');
  return cert;
}

function rdn(commonName: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: commonName }) }),
    ],
  });
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(at: Date): pkijs.Time {
  const whole = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: whole.getUTCFullYear() >= 2050 ? 1 : 0, value: whole });
}

function addYears(at: Date, years: number): Date {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

function basicConstraints(cA: boolean): pkijs.Extension {
  const value = cA ? new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 }) : new pkijs.BasicConstraints({});
  return new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: value.toSchema().toBER(false) });
}

function keyUsage(bits: Uint8Array, unusedBits: number): pkijs.Extension {
  return new pkijs.Extension({
    extnID: '2.5.29.15',
    critical: true,
    extnValue: new asn1js.BitString({ valueHex: bits, unusedBits }).toBER(false),
  });
}
