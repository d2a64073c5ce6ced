/**
 * Client for an external TSA over HTTP (RFC 3161 §3.4). Returns the token
 * exactly as received; checking its signature against a trusted root is
 * verifyTimestamp's job.
 */
import { randomBytes } from 'node:crypto';
import { bytesEqual, toBytes } from './der.js';
import { TimestampError } from './errors.js';
import type { TimestampHashAlgorithm } from './oids.js';
import { IMPRINT_HASHES } from './oids.js';
import { TIMESTAMP_QUERY_CONTENT_TYPE, TIMESTAMP_REPLY_CONTENT_TYPE, buildTimestampQuery } from './query.js';
import { failureNames, isGranted } from './response.js';
import { parseTimestamp, readToken } from './token.js';

export interface RequestTimestampOptions {
  readonly hash: Uint8Array;
  readonly hashAlgorithm: TimestampHashAlgorithm;
  /** Default: 64 random bits (RFC 3161 §2.4.1 recommends a nonce to detect replays). */
  readonly nonce?: bigint;
  /** Ask the TSA to embed its certificate. Default true. */
  readonly certReq?: boolean;
  readonly signal?: AbortSignal;
  /** Whole-request deadline in ms. Default 30 000. */
  readonly timeoutMs?: number;
}

/** Replies larger than this are not timestamps (a token is a few KiB). */
const MAX_REPLY_BYTES = 1 << 20;

/** POST a TimeStampReq to `url`; returns the DER TimeStampToken (ContentInfo). */
export async function requestTimestamp(url: string, options: RequestTimestampOptions): Promise<Uint8Array> {
  const nonce = options.nonce ?? BigInt('0x' + randomBytes(8).toString('hex')) + 1n;
  const body = buildTimestampQuery({ ...options, nonce });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let reply: Uint8Array;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': TIMESTAMP_QUERY_CONTENT_TYPE, accept: TIMESTAMP_REPLY_CONTENT_TYPE },
      body,
      signal,
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw unavailable(url, { status: res.status }, undefined, `HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_REPLY_BYTES) throw badResponse(url, 'reply too large', '响应过大');
    reply = toBytes(await res.arrayBuffer());
  } catch (e) {
    if (e instanceof TimestampError) throw e;
    // The caller's own abort is not the TSA's fault: pass it through unchanged.
    if (options.signal?.aborted) throw options.signal.reason;
    throw unavailable(url, { timedOut: timeout.aborted }, e, timeout.aborted ? 'timed out' : 'network error');
  }
  if (reply.length > MAX_REPLY_BYTES) throw badResponse(url, 'reply too large', '响应过大');
  return checkReply(url, reply, options, nonce);
}

function checkReply(url: string, reply: Uint8Array, options: RequestTimestampOptions, nonce: bigint): Uint8Array {
  const parsed = parseTimestamp(reply);
  if (parsed.kind !== 'response') throw badResponse(url, 'not a TimeStampResp', '不是时间戳响应');
  const status = parsed.response.status;
  if (!isGranted(status)) {
    const text = (status.statusStrings ?? []).map((s) => s.valueBlock.value).join('; ');
    throw new TimestampError(
      'E_TSA_REJECTED',
      {
        zh: `时间戳服务拒绝了请求（状态 ${status.status}${text ? `：${text}` : ''}）`,
        en: `the TSA rejected the request (status ${status.status}${text ? `: ${text}` : ''})`,
      },
      { details: { url, status: status.status, failInfo: failureNames(status), text } },
    );
  }
  const token = parsed.response.timeStampToken;
  let parts;
  try {
    parts = token ? readToken(token) : undefined;
  } catch {
    parts = undefined;
  }
  if (!parts || !parsed.tokenDer)
    throw badResponse(url, 'granted reply without a valid token', '批准的响应中没有有效令牌');
  // RFC 3161 §2.4.2: the TSTInfo must echo our imprint and nonce.
  const imprint = parts.tstInfo.messageImprint;
  if (
    imprint.hashAlgorithm.algorithmId !== IMPRINT_HASHES[options.hashAlgorithm].oid ||
    !bytesEqual(toBytes(imprint.hashedMessage.valueBlock.valueHexView), options.hash)
  ) {
    throw badResponse(url, 'token covers a different digest', '令牌所盖摘要与请求不一致');
  }
  if (parts.tstInfo.nonce?.toBigInt() !== nonce) {
    throw badResponse(url, 'nonce does not match the request', '随机数（nonce）与请求不一致');
  }
  return parsed.tokenDer;
}

function unavailable(url: string, details: Record<string, unknown>, cause: unknown, why: string): TimestampError {
  return new TimestampError(
    'E_TSA_UNAVAILABLE',
    { zh: `无法从时间戳服务 ${url} 取得时间戳（${why}）`, en: `could not get a timestamp from ${url} (${why})` },
    { cause, details: { url, ...details } },
  );
}

function badResponse(url: string, en: string, zh: string): TimestampError {
  return new TimestampError(
    'E_TSA_BAD_RESPONSE',
    { zh: `时间戳服务 ${url} 的响应无效：${zh}`, en: `invalid reply from TSA ${url}: ${en}` },
    { details: { url } },
  );
}
