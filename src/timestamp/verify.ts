/**
 * Offline verification of an RFC 3161 timestamp. Pure and total: the input
 * is untrusted (a receipt from anywhere), so every failure, including
 * garbage bytes, comes back as `{ ok: false, reason }`, never as a throw.
 */
import * as pkijs from 'pkijs';
import type { Message } from '../core/errors.js';
import { bytesEqual, fromPemAll, toBytes } from './der.js';
import { IMPRINT_HASHES, type TimestampHashAlgorithm } from './oids.js';
import { isGranted } from './response.js';
import { parseTimestamp, readToken } from './token.js';
import { chainsTo, certFromSchema, isTsaCertificate, parseCert, validAt, type ParsedCert } from './verify-chain.js';
import { checkSignature, checkSignedAttributes, findSignerCert } from './verify-cms.js';
import { failure, type VerifyFailure, type VerifyFailureCode } from './verify-reasons.js';

export interface VerifyTimestampOptions {
  /** The digest the token should cover. */
  readonly hash: Uint8Array;
  readonly hashAlgorithm: TimestampHashAlgorithm;
  /** One or more trusted root certificates (PEM). */
  readonly trustedCaPem: string;
  /** Extra untrusted certificates (PEM): the TSA certificate when the token does not embed it, intermediates. */
  readonly untrustedPem?: string;
}

export type VerifyTimestampResult =
  | {
      readonly ok: true;
      readonly genTime: Date;
      readonly serial: bigint;
      /** Subject of the verified TSA certificate, e.g. "CN=印记登记备份中心 TSA". */
      readonly tsaName: string;
      readonly policy: string;
      readonly nonce?: bigint;
    }
  | { readonly ok: false; readonly code: VerifyFailureCode; readonly reason: Message };

/** Accepts a DER TimeStampResp or a bare TimeStampToken (a CMS ContentInfo). */
export function verifyTimestamp(der: Uint8Array, options: VerifyTimestampOptions): VerifyTimestampResult {
  try {
    return verifyUnsafe(der, options);
  } catch {
    // Defence in depth: a parser bug on hostile input is still a failed verification.
    return fail('malformed');
  }
}

function fail(code: VerifyFailureCode): { ok: false } & VerifyFailure {
  return { ok: false, ...failure(code) };
}

function verifyUnsafe(der: Uint8Array, options: VerifyTimestampOptions): VerifyTimestampResult {
  const anchors = fromPemAll('CERTIFICATE', options.trustedCaPem).map(parseCert);
  if (anchors.length === 0 || anchors.some((a) => a === undefined)) return fail('bad-trust-anchor');
  const extra = fromPemAll('CERTIFICATE', options.untrustedPem ?? '').map(parseCert);

  const token = extractToken(der);
  if (typeof token === 'string') return fail(token);
  const parts = readToken(token);
  if (!parts) return fail('wrong-content');
  const { signedData, eContent, tstInfo: tst, policy } = parts;

  // RFC 3161 §2.4.2: the imprint is the hash the requester sent, with its algorithm.
  const imprint = tst.messageImprint;
  if (
    imprint.hashAlgorithm.algorithmId !== IMPRINT_HASHES[options.hashAlgorithm].oid ||
    !bytesEqual(toBytes(imprint.hashedMessage.valueBlock.valueHexView), options.hash)
  ) {
    return fail('imprint-mismatch');
  }

  // RFC 3161 §2.4.2: the token MUST NOT carry any signature but the TSA's.
  const signerInfo = signedData.signerInfos.length === 1 ? signedData.signerInfos[0] : undefined;
  if (!signerInfo) return fail('wrong-content');
  const embedded = (signedData.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map(certFromSchema);
  const pool = [...embedded, ...extra].filter((c): c is ParsedCert => c !== undefined);
  const signer = findSignerCert(signerInfo, pool);
  if (!signer) return fail('no-signer-cert');

  const attrProblem = checkSignedAttributes(signerInfo, eContent, signer);
  if (attrProblem) return fail(attrProblem);
  if (!checkSignature(signerInfo, signer)) return fail('bad-signature');
  if (!isTsaCertificate(signer)) return fail('not-a-tsa-cert');
  // The chain is judged at genTime: a token stays valid after its TSA certificate expires.
  const genTime = tst.genTime;
  const trusted = anchors.filter((a): a is ParsedCert => a !== undefined);
  if (!validAt(signer, genTime) || !chainsTo(signer, pool, trusted, genTime)) return fail('untrusted-chain');

  return {
    ok: true,
    genTime,
    serial: tst.serialNumber.toBigInt(),
    tsaName: formatName(signer.pki.subject),
    policy,
    ...(tst.nonce ? { nonce: tst.nonce.toBigInt() } : {}),
  };
}

function extractToken(der: Uint8Array): pkijs.ContentInfo | VerifyFailureCode {
  const parsed = parseTimestamp(der);
  if (parsed.kind === 'malformed') return 'malformed';
  if (parsed.kind === 'token') return parsed.token;
  if (!isGranted(parsed.response.status)) return 'not-granted';
  return parsed.response.timeStampToken ?? 'not-granted';
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
};

/** RFC 4514-style rendering, most significant RDN last (as written in the certificate reversed). */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => {
      const value: unknown = tv.value.valueBlock;
      const text =
        typeof (value as { value?: unknown }).value === 'string'
          ? (value as { value: string }).value
          : tv.value.toString();
      return `${SHORT_NAMES[tv.type] ?? tv.type}=${text}`;
    })
    .reverse()
    .join(', ');
}
