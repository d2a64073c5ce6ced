/** Reading the parts of a TimeStampToken (RFC 3161 §2.4.2) from untrusted DER. */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { oidString, parseDer, toBytes } from './der.js';
import { OID_CT_TSTINFO, OID_SIGNED_DATA } from './oids.js';

export interface TokenParts {
  readonly signedData: pkijs.SignedData;
  /** The eContent octets: the DER TSTInfo that the signature covers. */
  readonly eContent: Uint8Array;
  readonly tstInfo: pkijs.TSTInfo;
  /** TSTInfo.policy, decoded exactly (see oidString). */
  readonly policy: string;
}

/** SignedData with eContentType id-ct-TSTInfo, or undefined. May throw on malformed input (callers catch). */
export function readToken(token: pkijs.ContentInfo): TokenParts | undefined {
  if (token.contentType !== OID_SIGNED_DATA) return undefined;
  const signedData = new pkijs.SignedData({ schema: token.content });
  const encap = signedData.encapContentInfo;
  if (encap.eContentType !== OID_CT_TSTINFO || !encap.eContent) return undefined;
  const eContent = octets(encap.eContent);
  const asn = parseDer(eContent);
  if (!asn) return undefined;
  const tstInfo = new pkijs.TSTInfo({ schema: asn });
  const policy = asn instanceof asn1js.Sequence ? asn.valueBlock.value[1] : undefined;
  if (!(policy instanceof asn1js.ObjectIdentifier)) return undefined;
  return { signedData, eContent, tstInfo, policy: oidString(policy) };
}

/** eContent may be BER-constructed (RFC 5652 §5.2); join the segments. */
function octets(value: asn1js.OctetString): Uint8Array {
  if (!value.idBlock.isConstructed) return toBytes(value.valueBlock.valueHexView);
  const parts = value.valueBlock.value.map((p) => (p instanceof asn1js.OctetString ? octets(p) : new Uint8Array()));
  return new Uint8Array(Buffer.concat(parts));
}

export type ParsedTimestamp =
  | { readonly kind: 'token'; readonly token: pkijs.ContentInfo; readonly tokenDer: Uint8Array }
  | { readonly kind: 'response'; readonly response: pkijs.TimeStampResp; readonly tokenDer?: Uint8Array }
  | { readonly kind: 'malformed' };

/**
 * A TimeStampResp (SEQUENCE { PKIStatusInfo, token? }) or a bare ContentInfo
 * (SEQUENCE { OID, [0] }). `tokenDer` is the token exactly as received.
 */
export function parseTimestamp(der: Uint8Array): ParsedTimestamp {
  try {
    const asn = parseDer(der);
    if (!(asn instanceof asn1js.Sequence)) return { kind: 'malformed' };
    if (asn.valueBlock.value[0] instanceof asn1js.ObjectIdentifier) {
      return { kind: 'token', token: new pkijs.ContentInfo({ schema: asn }), tokenDer: der };
    }
    const response = new pkijs.TimeStampResp({ schema: asn });
    const second = asn.valueBlock.value[1];
    return second
      ? { kind: 'response', response, tokenDer: toBytes(second.valueBeforeDecodeView) }
      : { kind: 'response', response };
  } catch {
    return { kind: 'malformed' };
  }
}
