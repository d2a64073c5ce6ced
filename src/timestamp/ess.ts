/**
 * The ESS signing-certificate attributes that bind a timestamp token to the
 * TSA certificate (RFC 3161 §2.4.1 requires one; RFC 5816 allows
 * SigningCertificateV2 so the hash need not be SHA-1; RFC 5035 §3 syntax).
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual, toBytes } from './der.js';
import { OID_ATTR_SIGNING_CERT, OID_ATTR_SIGNING_CERT_V2, SIGNER_DIGESTS } from './oids.js';

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, ... }
 * ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT id-sha256, certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
 * SHA-256 is the DEFAULT, so DER omits the AlgorithmIdentifier (X.690 §11.5).
 */
export function signingCertificateV2Attribute(cert: pkijs.Certificate, certDer: Uint8Array): pkijs.Attribute {
  const certHash = createHash('sha256').update(certDer).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [
      // GeneralNames with one directoryName ([4] EXPLICIT Name, RFC 5280 §4.2.1.6).
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })],
      }),
      cert.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: certHash }), issuerSerial] });
  const value = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
  return new pkijs.Attribute({ type: OID_ATTR_SIGNING_CERT_V2, values: [value] });
}

/**
 * Whether the signed attributes name `certDer` as the signing certificate,
 * through ESSCertIDv2 (RFC 5816) or ESSCertID (SHA-1, RFC 2634 §5.4.1).
 * Only the first ESSCertID names the signer (RFC 5035 §3). Input is
 * attacker-controlled: every shape is checked before use.
 */
export function signingCertificateMatches(
  attributes: readonly pkijs.Attribute[],
  certDer: Uint8Array,
): boolean | undefined {
  for (const attr of attributes) {
    if (attr.type !== OID_ATTR_SIGNING_CERT_V2 && attr.type !== OID_ATTR_SIGNING_CERT) continue;
    const v2 = attr.type === OID_ATTR_SIGNING_CERT_V2;
    const first = firstCertId(attr.values[0]);
    if (!first) return false;
    let items = first.valueBlock.value;
    let hashName = v2 ? 'sha256' : 'sha1';
    const head = items[0];
    if (v2 && head instanceof asn1js.Sequence) {
      const oid = head.valueBlock.value[0];
      if (!(oid instanceof asn1js.ObjectIdentifier)) return false;
      const name = SIGNER_DIGESTS[oid.valueBlock.toString()];
      if (!name) return false;
      hashName = name;
      items = items.slice(1);
    }
    const certHash = items[0];
    if (!(certHash instanceof asn1js.OctetString)) return false;
    const expected = createHash(hashName).update(certDer).digest();
    return bytesEqual(toBytes(certHash.valueBlock.valueHexView), expected);
  }
  return undefined;
}

function firstCertId(value: unknown): asn1js.Sequence | undefined {
  if (!(value instanceof asn1js.Sequence)) return undefined;
  const certs = value.valueBlock.value[0];
  if (!(certs instanceof asn1js.Sequence)) return undefined;
  const first = certs.valueBlock.value[0];
  return first instanceof asn1js.Sequence ? first : undefined;
}
