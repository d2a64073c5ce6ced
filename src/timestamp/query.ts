/**
 * The TSA's request side: answering a DER TimeStampReq (RFC 3161 §2.4.1)
 * and building one for an external TSA. The server mounts
 * handleTimestampQuery at `POST /tsa` (RFC 3161 §3.4: request type
 * application/timestamp-query, reply type application/timestamp-reply).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Clock } from '../core/clock.js';
import { bigintToInteger, oidString, parseDer, toBytes } from './der.js';
import type { TsaIdentity } from './identity.js';
import { issueForImprint } from './issue.js';
import { IMPRINT_HASHES, YINJI_TSA_POLICY_OID, hashAlgorithmFromOid, type TimestampHashAlgorithm } from './oids.js';
import { rejectionResponse } from './response.js';

export const TIMESTAMP_QUERY_CONTENT_TYPE = 'application/timestamp-query';
export const TIMESTAMP_REPLY_CONTENT_TYPE = 'application/timestamp-reply';

export interface HandleTimestampQueryOptions {
  readonly identity: TsaIdentity;
  /** Serial for the token, if one is granted; the caller allocates it (unique per TSA). */
  readonly serial: bigint;
  readonly clock: Clock;
  /** The one policy this TSA issues under. Default YINJI_TSA_POLICY_OID. */
  readonly policy?: string;
}

/**
 * Answer a TimeStampReq with a DER TimeStampResp. Bad requests get a
 * `rejection` PKIStatusInfo with the matching PKIFailureInfo bit
 * (RFC 3161 §2.4.2) instead of an exception; the request is untrusted input.
 * Throws only when the TSA itself cannot sign (E_TSA_IDENTITY).
 */
export function handleTimestampQuery(der: Uint8Array, options: HandleTimestampQueryOptions): Uint8Array {
  const policy = options.policy ?? YINJI_TSA_POLICY_OID;
  const parsed = parseRequest(der);
  if (!parsed) return rejectionResponse('badDataFormat', 'request is not a DER TimeStampReq');
  const req = parsed.req;
  if (req.version !== 1) return rejectionResponse('badRequest', `unsupported TimeStampReq version ${req.version}`);
  const algorithm = hashAlgorithmFromOid(req.messageImprint.hashAlgorithm.algorithmId);
  if (!algorithm) {
    return rejectionResponse('badAlg', `unsupported hash algorithm ${req.messageImprint.hashAlgorithm.algorithmId}`);
  }
  const hashLength = req.messageImprint.hashedMessage.valueBlock.valueHexView.length;
  if (hashLength !== IMPRINT_HASHES[algorithm].length) {
    return rejectionResponse('badDataFormat', `${algorithm} imprint must be ${IMPRINT_HASHES[algorithm].length} bytes`);
  }
  if (parsed.reqPolicy !== undefined && parsed.reqPolicy !== policy) {
    return rejectionResponse('unacceptedPolicy', `policy ${parsed.reqPolicy} is not offered; this TSA uses ${policy}`);
  }
  // RFC 3161 §2.4.1: no extensions are defined here, so any requested one is unrecognised.
  if (req.extensions !== undefined && req.extensions.length > 0) {
    return rejectionResponse('unacceptedExtension', 'request extensions are not supported');
  }
  return issueForImprint({
    imprint: req.messageImprint,
    identity: options.identity,
    serial: options.serial,
    clock: options.clock,
    policy,
    ...(req.nonce === undefined ? {} : { nonce: req.nonce.toBigInt() }),
    certReq: req.certReq ?? false,
  });
}

interface ParsedRequest {
  readonly req: pkijs.TimeStampReq;
  /** reqPolicy decoded exactly (oidString); the only top-level OID of a TimeStampReq. */
  readonly reqPolicy?: string;
}

function parseRequest(der: Uint8Array): ParsedRequest | undefined {
  try {
    const asn = parseDer(der);
    if (!(asn instanceof asn1js.Sequence)) return undefined;
    const req = new pkijs.TimeStampReq({ schema: asn });
    const oid = asn.valueBlock.value.find((v) => v instanceof asn1js.ObjectIdentifier);
    return oid instanceof asn1js.ObjectIdentifier ? { req, reqPolicy: oidString(oid) } : { req };
  } catch {
    return undefined;
  }
}

export interface BuildTimestampQueryOptions {
  readonly hash: Uint8Array;
  readonly hashAlgorithm: TimestampHashAlgorithm;
  readonly nonce?: bigint;
  /** Ask the TSA to embed its certificate. Default true. */
  readonly certReq?: boolean;
  readonly policy?: string;
}

/** DER TimeStampReq, version 1 (RFC 3161 §2.4.1). */
export function buildTimestampQuery(options: BuildTimestampQueryOptions): Uint8Array {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: IMPRINT_HASHES[options.hashAlgorithm].oid }),
      hashedMessage: new asn1js.OctetString({ valueHex: options.hash.slice() }),
    }),
    // certReq is BOOLEAN DEFAULT FALSE: DER omits it when false (X.690 §11.5).
    ...((options.certReq ?? true) ? { certReq: true } : {}),
    ...(options.nonce === undefined ? {} : { nonce: bigintToInteger(options.nonce) }),
    ...(options.policy === undefined ? {} : { reqPolicy: options.policy }),
  });
  return toBytes(req.toSchema().toBER(false));
}
