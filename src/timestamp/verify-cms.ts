/**
 * CMS SignerInfo checks for a TimeStampToken (RFC 5652 §5.3–§5.6), on
 * attacker-controlled input: every field is checked for shape before use.
 */
import { createHash, verify } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { signingCertificateMatches } from './ess.js';
import { bytesEqual, toBytes } from './der.js';
import { OID_ATTR_CONTENT_TYPE, OID_ATTR_MESSAGE_DIGEST, OID_CT_TSTINFO, SIGNER_DIGESTS } from './oids.js';
import type { ParsedCert } from './verify-chain.js';
import type { VerifyFailureCode } from './verify-reasons.js';

/** The certificate the SignerIdentifier names (RFC 5652 §5.3): issuer+serial or subjectKeyIdentifier. */
export function findSignerCert(signerInfo: pkijs.SignerInfo, certs: readonly ParsedCert[]): ParsedCert | undefined {
  const sid: unknown = signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return certs.find((c) => c.pki.issuer.isEqual(sid.issuer) && c.pki.serialNumber.isEqual(sid.serialNumber));
  }
  if (sid instanceof asn1js.Constructed) {
    const ski = sid.valueBlock.value[0];
    if (!(ski instanceof asn1js.OctetString)) return undefined;
    const wanted = toBytes(ski.valueBlock.valueHexView);
    return certs.find((c) => {
      const ext = c.pki.extensions?.find((e) => e.extnID === '2.5.29.14');
      const parsed = ext?.parsedValue as unknown;
      return parsed instanceof asn1js.OctetString && bytesEqual(toBytes(parsed.valueBlock.valueHexView), wanted);
    });
  }
  return undefined;
}

/** Signed attributes, RFC 5652 §5.6 and RFC 3161 §2.4.1 (a signing-certificate attribute is required). */
export function checkSignedAttributes(
  signerInfo: pkijs.SignerInfo,
  eContent: Uint8Array,
  signer: ParsedCert,
): VerifyFailureCode | undefined {
  const attrs = signerInfo.signedAttrs?.attributes;
  const hashName = SIGNER_DIGESTS[signerInfo.digestAlgorithm.algorithmId];
  if (!attrs || !hashName) return 'bad-signed-attributes';
  const single = (oid: string): unknown => {
    const found = attrs.filter((a) => a.type === oid);
    return found.length === 1 && found[0]?.values.length === 1 ? found[0].values[0] : undefined;
  };
  const contentType = single(OID_ATTR_CONTENT_TYPE);
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== OID_CT_TSTINFO) {
    return 'bad-signed-attributes';
  }
  const messageDigest = single(OID_ATTR_MESSAGE_DIGEST);
  const actual = createHash(hashName).update(eContent).digest();
  if (
    !(messageDigest instanceof asn1js.OctetString) ||
    !bytesEqual(toBytes(messageDigest.valueBlock.valueHexView), actual)
  ) {
    return 'bad-signed-attributes';
  }
  if (signingCertificateMatches(attrs, signer.der) !== true) return 'bad-signed-attributes';
  return undefined;
}

/** Signature algorithms: OID → [hash, key type]. RFC 5758 §3.2, RFC 4055 §5, RFC 5652 §5.3. */
const SIGNATURES: Readonly<Record<string, readonly [string | undefined, string]>> = {
  '1.2.840.10045.4.3.2': ['sha256', 'ec'],
  '1.2.840.10045.4.3.3': ['sha384', 'ec'],
  '1.2.840.10045.4.3.4': ['sha512', 'ec'],
  '1.2.840.10045.2.1': [undefined, 'ec'],
  '1.2.840.113549.1.1.11': ['sha256', 'rsa'],
  '1.2.840.113549.1.1.12': ['sha384', 'rsa'],
  '1.2.840.113549.1.1.13': ['sha512', 'rsa'],
  '1.2.840.113549.1.1.1': [undefined, 'rsa'],
};

/** The signature over the DER SET OF signed attributes (RFC 5652 §5.4). RSA-PSS and SM2 are not accepted. */
export function checkSignature(signerInfo: pkijs.SignerInfo, signer: ParsedCert): boolean {
  const entry = SIGNATURES[signerInfo.signatureAlgorithm.algorithmId];
  const signed = signerInfo.signedAttrs?.encodedValue;
  if (!entry || !signed || signed.byteLength === 0) return false;
  const hashName = entry[0] ?? SIGNER_DIGESTS[signerInfo.digestAlgorithm.algorithmId];
  const key = signer.node.publicKey;
  if (!hashName || key.asymmetricKeyType !== entry[1]) return false;
  try {
    return verify(hashName, new Uint8Array(signed), key, toBytes(signerInfo.signature.valueBlock.valueHexView));
  } catch {
    return false;
  }
}
