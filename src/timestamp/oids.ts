/**
 * Object identifiers used by the TSA, with the spec that defines each.
 */
import type { DigestAlgorithm } from '../digest/algorithms.js';

/** id-ct-TSTInfo, RFC 3161 §2.4.2. */
export const OID_CT_TSTINFO = '1.2.840.113549.1.9.16.1.4';
/** id-signedData, RFC 5652 §5.1. */
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
/** id-contentType and id-messageDigest signed attributes, RFC 5652 §11.1–§11.2. */
export const OID_ATTR_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_ATTR_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
/** id-aa-signingCertificate (RFC 2634 §5.4) and id-aa-signingCertificateV2 (RFC 5035 §3, RFC 5816). */
export const OID_ATTR_SIGNING_CERT = '1.2.840.113549.1.9.16.2.12';
export const OID_ATTR_SIGNING_CERT_V2 = '1.2.840.113549.1.9.16.2.47';
/** id-kp-timeStamping, RFC 3161 §2.3 / RFC 5280 §4.2.1.12. */
export const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/**
 * Default TSA policy (RFC 3161 §2.4.2 `policy`): "Yinji TSA policy v1" (UUID 4019e0a5-f4d6-443f-b697-5ef71ecf43e0).
 * Yinji holds no private enterprise number, so the OID is a UUID-derived
 * arc under 2.25 (ITU-T X.667 §6.3), unique without registration. A center
 * with its own policy OID passes it as `policy`.
 */
export const YINJI_TSA_POLICY_OID = '2.25.85204955559869394202376109828875437024';

/** The digests a message imprint may use (RFC 3161 §2.4.1 `MessageImprint`). */
export type TimestampHashAlgorithm = Extract<DigestAlgorithm, 'sha256' | 'sha512' | 'sm3'>;

interface HashInfo {
  readonly oid: string;
  readonly length: number;
}

export const IMPRINT_HASHES: Readonly<Record<TimestampHashAlgorithm, HashInfo>> = {
  sha256: { oid: '2.16.840.1.101.3.4.2.1', length: 32 },
  sha512: { oid: '2.16.840.1.101.3.4.2.3', length: 64 },
  // GM/T 0006 / GB/T 32905: SM3 under the Chinese national OID arc.
  sm3: { oid: '1.2.156.10197.1.401', length: 32 },
};

export function hashAlgorithmFromOid(oid: string): TimestampHashAlgorithm | undefined {
  for (const [name, info] of Object.entries(IMPRINT_HASHES)) {
    if (info.oid === oid) return name as TimestampHashAlgorithm;
  }
  return undefined;
}

/**
 * Digest algorithms accepted for a signer's digestAlgorithm (RFC 5652 §5.3)
 * when verifying tokens from other TSAs, mapped to Node's hash names.
 */
export const SIGNER_DIGESTS: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.156.10197.1.401': 'sm3',
};
