/**
 * The TSA's signing half: its certificate and key, and the CMS SignedData
 * (RFC 5652 §5) that wraps a TSTInfo into a TimeStampToken (RFC 3161 §2.4.2).
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { signingCertificateV2Attribute } from './ess.js';
import { fromPemAll, parseDer, toArrayBuffer } from './der.js';
import { TimestampError } from './errors.js';
import type { TsaIdentity } from './identity.js';
import { OID_ATTR_CONTENT_TYPE, OID_ATTR_MESSAGE_DIGEST, OID_CT_TSTINFO, OID_SIGNED_DATA } from './oids.js';

const SHA256 = '2.16.840.1.101.3.4.2.1';
/** Signature algorithm per key type: RFC 5758 §3.2 (ECDSA), RFC 4055 §5 (RSA PKCS #1 v1.5). */
const SIGNATURE_OID: Readonly<Record<string, string>> = {
  ec: '1.2.840.10045.4.3.2',
  rsa: '1.2.840.113549.1.1.11',
};

export interface TsaSigner {
  readonly cert: pkijs.Certificate;
  readonly certDer: Uint8Array;
  readonly key: KeyObject;
  readonly signatureOid: string;
}

/** Parsed signers by identity: parsing the certificate and key for every stamp cost ~5% of a deposit. */
const SIGNERS = new WeakMap<TsaIdentity, TsaSigner>();

export function loadSigner(identity: TsaIdentity): TsaSigner {
  let signer = SIGNERS.get(identity);
  if (signer === undefined) SIGNERS.set(identity, (signer = parseSigner(identity)));
  return signer;
}

function parseSigner(identity: TsaIdentity): TsaSigner {
  try {
    const certDer = fromPemAll('CERTIFICATE', identity.tsaCertPem)[0];
    const asn = certDer ? parseDer(certDer) : undefined;
    if (!certDer || !asn) throw new Error('no certificate in tsaCertPem');
    const cert = new pkijs.Certificate({ schema: asn });
    const key = createPrivateKey(identity.tsaKeyPem);
    const signatureOid = SIGNATURE_OID[key.asymmetricKeyType ?? ''];
    if (!signatureOid) throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
    return { cert, certDer, key, signatureOid };
  } catch (cause) {
    throw new TimestampError(
      'E_TSA_IDENTITY',
      { zh: 'TSA 证书或私钥无法使用', en: 'the TSA certificate or private key cannot be used' },
      { cause },
    );
  }
}

/** DER-sort a SET OF (X.690 §11.6); OpenSSL re-encodes signed attributes this way before verifying. */
function sortSet(attrs: pkijs.Attribute[]): pkijs.Attribute[] {
  const encoded = attrs.map((a) => ({ a, der: Buffer.from(a.toSchema().toBER(false)) }));
  encoded.sort((x, y) => Buffer.compare(x.der, y.der));
  return encoded.map((e) => e.a);
}

/** ContentInfo { id-signedData, SignedData { TSTInfo } } — the TimeStampToken. */
export function signTstInfo(signer: TsaSigner, tstInfoDer: Uint8Array, includeCert: boolean): pkijs.ContentInfo {
  const digest = createHash('sha256').update(tstInfoDer).digest();
  const attributes = sortSet([
    // RFC 5652 §11.1: content-type MUST equal eContentType.
    new pkijs.Attribute({
      type: OID_ATTR_CONTENT_TYPE,
      values: [new asn1js.ObjectIdentifier({ value: OID_CT_TSTINFO })],
    }),
    // RFC 5652 §11.2: message-digest of the eContent octets.
    new pkijs.Attribute({ type: OID_ATTR_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: digest })] }),
    // RFC 5816 §2.2.1: SigningCertificateV2 identifies the TSA certificate.
    signingCertificateV2Attribute(signer.cert, signer.certDer),
  ]);
  // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF (tag 0x31).
  const toBeSigned = new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER(false);
  const signature = sign('sha256', new Uint8Array(toBeSigned), signer.key);

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.cert.issuer, serialNumber: signer.cert.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: signer.signatureOid }),
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const signedData = new pkijs.SignedData({
    // RFC 5652 §5.1: version 3 because eContentType is not id-data.
    version: 3,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: OID_CT_TSTINFO,
      eContent: new asn1js.OctetString({ valueHex: toArrayBuffer(tstInfoDer) }),
    }),
    signerInfos: [signerInfo],
    ...(includeCert ? { certificates: [signer.cert] } : {}),
  });
  return new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signedData.toSchema(true) });
}
