/** TimeStampResp encoding (RFC 3161 §2.4.2). */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toBytes } from './der.js';

/** RFC 3161 §2.4.2: only granted and grantedWithMods carry a token. */
export function isGranted(info: pkijs.PKIStatusInfo): boolean {
  return info.status === pkijs.PKIStatus.granted || info.status === pkijs.PKIStatus.grantedWithMods;
}

/** PKIFailureInfo bit numbers, RFC 3161 §2.4.2. */
export const PKI_FAILURE = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
export type PkiFailure = keyof typeof PKI_FAILURE;

export function grantedResponse(token: pkijs.ContentInfo): Uint8Array {
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: token,
  });
  return toBytes(resp.toSchema().toBER(false));
}

/** A rejection carrying one failure bit and a human-readable reason (PKIFreeText is UTF8String). */
export function rejectionResponse(failure: PkiFailure, text: string): Uint8Array {
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: pkijs.PKIStatus.rejection,
      statusStrings: [new asn1js.Utf8String({ value: text })],
      failInfo: failureBits(PKI_FAILURE[failure]),
    }),
  });
  return toBytes(resp.toSchema().toBER(false));
}

/** A named BIT STRING in DER drops trailing zero bits (X.690 §11.2.2). */
function failureBits(bit: number): asn1js.BitString {
  const bytes = new Uint8Array(Math.floor(bit / 8) + 1);
  bytes[bytes.length - 1] = 0x80 >> (bit % 8);
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (bit % 8) });
}

/** Decode the failure bits of a PKIStatusInfo into names, for error details. */
export function failureNames(info: pkijs.PKIStatusInfo): PkiFailure[] {
  if (!info.failInfo) return [];
  const bytes = toBytes(info.failInfo.valueBlock.valueHexView);
  return (Object.keys(PKI_FAILURE) as PkiFailure[]).filter((name) => {
    const bit = PKI_FAILURE[name];
    return ((bytes[Math.floor(bit / 8)] ?? 0) & (0x80 >> (bit % 8))) !== 0;
  });
}
