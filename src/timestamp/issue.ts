/**
 * Issuing RFC 3161 timestamp tokens from a hash the caller computed.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Clock } from '../core/clock.js';
import { InvalidInputError } from '../core/errors.js';
import { bigintToInteger, toBytes } from './der.js';
import type { TsaIdentity } from './identity.js';
import { IMPRINT_HASHES, YINJI_TSA_POLICY_OID, type TimestampHashAlgorithm } from './oids.js';
import { grantedResponse } from './response.js';
import { loadSigner, signTstInfo } from './signer.js';

export interface IssueTimestampOptions {
  /** The digest being timestamped (the message imprint, RFC 3161 §2.4.1). */
  readonly hash: Uint8Array;
  readonly hashAlgorithm: TimestampHashAlgorithm;
  readonly identity: TsaIdentity;
  /** Unique per TSA (RFC 3161 §2.4.2 serialNumber); positive, at most 160 bits. */
  readonly serial: bigint;
  /** genTime comes from here. */
  readonly clock: Clock;
  /** TSA policy OID. Default YINJI_TSA_POLICY_OID. */
  readonly policy?: string;
  /** Echoed in TSTInfo when given (RFC 3161 §2.4.2 nonce). */
  readonly nonce?: bigint;
  /** Embed the TSA certificate in the token. Default true (a bare token then verifies with the CA alone). */
  readonly certReq?: boolean;
}

/** Returns the DER of a granted TimeStampResp (RFC 3161 §2.4.2). */
export function issueTimestamp(options: IssueTimestampOptions): Uint8Array {
  const info = IMPRINT_HASHES[options.hashAlgorithm];
  if (options.hash.length !== info.length) {
    throw new InvalidInputError({
      zh: `${options.hashAlgorithm} 摘要应为 ${info.length} 字节，实际 ${options.hash.length} 字节`,
      en: `a ${options.hashAlgorithm} digest is ${info.length} bytes, got ${options.hash.length}`,
    });
  }
  // RFC 5754 §2: SHA-2 AlgorithmIdentifiers omit parameters.
  const imprint = new pkijs.MessageImprint({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: info.oid }),
    hashedMessage: new asn1js.OctetString({ valueHex: options.hash.slice() }),
  });
  return issueForImprint({ ...options, imprint });
}

/** As IssueTimestampOptions, with the imprint given whole instead of a hash and its algorithm. */
export type IssueForImprintOptions = Omit<IssueTimestampOptions, 'hash' | 'hashAlgorithm'> & {
  readonly imprint: pkijs.MessageImprint;
};

/** Issue with the imprint exactly as given, so a reply echoes the request's AlgorithmIdentifier byte for byte. */
export function issueForImprint(options: IssueForImprintOptions): Uint8Array {
  // RFC 3161 §2.4.2: serialNumber is a positive integer of at most 160 bits.
  if (options.serial <= 0n || options.serial >= 1n << 160n) {
    throw new InvalidInputError({
      zh: '时间戳序列号须为正整数且不超过 160 位',
      en: 'timestamp serial must be a positive integer of at most 160 bits',
    });
  }
  const policy = options.policy ?? YINJI_TSA_POLICY_OID;
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(policy)) {
    throw new InvalidInputError({ zh: `策略 OID 格式错误：${policy}`, en: `malformed policy OID: ${policy}` });
  }
  const signer = loadSigner(options.identity);
  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy,
    messageImprint: options.imprint,
    serialNumber: bigintToInteger(options.serial),
    genTime: options.clock.now(),
    ...(options.nonce === undefined ? {} : { nonce: bigintToInteger(options.nonce) }),
    // RFC 3161 §2.4.2: tsa names the TSA; the certificate subject as a directoryName.
    tsa: new pkijs.GeneralName({ type: 4, value: signer.cert.subject }),
  });
  const tstInfoDer = toBytes(tstInfo.toSchema().toBER(false));
  return grantedResponse(signTstInfo(signer, tstInfoDer, options.certReq ?? true));
}
