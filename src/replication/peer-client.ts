import { createHash, type KeyObject } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { DigestMismatchError, YinjiError, serverError } from '../core/index.js';
import {
  contentDigest,
  parseContentDigest,
  signRequest,
  verifyResponse,
  type PeerSigningKey,
} from './http-signature.js';
import { sha256Check, type CopyStatus, type ReplicaTarget, type StoredDigest } from './replica-target.js';

/** A paired center as this center knows it: its id, base URL and request-signing key. */
export interface PeerEndpoint {
  readonly id: string;
  readonly url: string;
  readonly publicKey: KeyObject;
}

/** The paths of the peer API (server/routes/peer.ts), relative to the peer's base URL. */
export const PEER_API = '/api/v1/peer';

const TIMEOUT_MS = 60_000;

function unreachable(peer: PeerEndpoint, e: unknown): YinjiError {
  return new YinjiError(
    'E_PEER_UNAVAILABLE',
    {
      zh: `无法连接伙伴中心 ${peer.id}（${peer.url}）：${(e as Error).message}；稍后会自动重试`,
      en: `cannot reach partner center ${peer.id} (${peer.url}): ${(e as Error).message}; it will be retried`,
    },
    { cause: e },
  );
}

/**
 * Talks to a partner center over its peer API. Every request is signed with
 * this center's peer key (RFC 9421, http-signature.ts), and every answer
 * must be signed by the partner's key over its status and Content-Digest,
 * echoing the request's nonce — so neither a forged request nor a forged or
 * replayed answer (say, to a challenge) is believed. Bodies of files are
 * checked against the signed Content-Digest as they arrive.
 */
export class PeerClient {
  constructor(
    private readonly self: PeerSigningKey,
    readonly peer: PeerEndpoint,
    private readonly now: () => Date,
  ) {}

  /** A JSON request; the answer's body parsed. A 4xx/5xx becomes the partner's error (its code kept). */
  async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const res = await this.#send(method, path, payload, undefined, signal);
    const raw = await collect(res.stream);
    if (createHash('sha256').update(raw).digest('hex') !== res.digest) throw tampered(this.peer);
    const text = raw.toString('utf8');
    if (res.status >= 400) throw serverError(res.status, text.slice(0, 2000), `${method} ${path}`);
    return JSON.parse(text) as T;
  }

  /** Send a raw body (a file's bytes), streamed. */
  async upload(path: string, body: Readable, signal?: AbortSignal): Promise<unknown> {
    const res = await this.#send('PUT', path, undefined, body, signal);
    const raw = await collect(res.stream);
    if (createHash('sha256').update(raw).digest('hex') !== res.digest) throw tampered(this.peer);
    const text = raw.toString('utf8');
    if (res.status >= 400) throw serverError(res.status, text.slice(0, 2000), `PUT ${path}`);
    return JSON.parse(text) as unknown;
  }

  /** A raw body, as a stream that fails at its end if the bytes are not the ones the partner signed. */
  async download(path: string, signal?: AbortSignal): Promise<Readable> {
    const res = await this.#send('GET', path, undefined, undefined, signal);
    if (res.status >= 400) {
      throw serverError(res.status, (await collect(res.stream)).toString('utf8').slice(0, 2000), `GET ${path}`);
    }
    const peer = this.peer;
    const check = sha256Check(res.digest, () => tampered(peer));
    res.stream.once('error', (e) => check.destroy(e));
    return res.stream.pipe(check);
  }

  #send(
    method: string,
    path: string,
    json: Buffer | undefined,
    stream: Readable | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; digest: string; stream: IncomingMessage }> {
    const url = new URL(this.peer.url.replace(/\/+$/, '') + PEER_API + path);
    const target = url.pathname + url.search;
    // Signed: the partner refuses a request meant for another center (http-signature.ts).
    const headers: Record<string, string> = { 'yinji-recipient': this.peer.id };
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-digest'] = contentDigest(createHash('sha256').update(json).digest());
      headers['content-length'] = String(json.length);
    } else if (stream !== undefined) {
      headers['content-type'] = 'application/octet-stream';
    }
    const signed = signRequest({ method, path: target, headers }, this.self, { now: this.now() });
    const nonce = /;nonce="([^"]+)"/.exec(signed['signature-input'])?.[1] ?? '';
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers: { ...headers, ...signed },
          timeout: TIMEOUT_MS,
          ...(signal !== undefined ? { signal } : {}),
        },
        (res) => {
          try {
            const header = (name: string): string | undefined => {
              const v = res.headers[name];
              return Array.isArray(v) ? v.join(', ') : v;
            };
            const status = res.statusCode ?? 0;
            if (status >= 500 && header('signature') === undefined) {
              // A proxy or load balancer in between answered (502, 504…): the partner is unreachable, not lying.
              throw unreachable(this.peer, new Error(`HTTP ${status} (unsigned)`));
            }
            verifyResponse(
              { status: res.statusCode ?? 0, headers: res.headers },
              this.peer.id,
              this.peer.publicKey,
              nonce,
              { now: this.now() },
            );
            const digest = parseContentDigest(header('content-digest') ?? '').toString('hex');
            resolve({ status: res.statusCode ?? 0, digest, stream: res });
          } catch (e) {
            res.resume();
            stream?.destroy();
            reject(e instanceof YinjiError ? e : unreachable(this.peer, e));
          }
        },
      );
      req.once('timeout', () => req.destroy(new Error('timed out')));
      req.once('error', (e) => {
        // Let go of the body's file and cipher streams too, or every failed upload leaks them.
        stream?.destroy();
        reject(signal?.aborted ? e : unreachable(this.peer, e));
      });
      if (stream !== undefined) {
        stream.once('error', (e) => req.destroy(e));
        stream.pipe(req);
      } else req.end(json);
    });
  }
}

function tampered(peer: PeerEndpoint): DigestMismatchError {
  return new DigestMismatchError({
    zh: `伙伴中心 ${peer.id} 的应答内容与其签名的摘要不符`,
    en: `the answer from partner center ${peer.id} does not match the digest it signed`,
  });
}

/** A partner's JSON answers are small; one that is not is cut off rather than filling memory. */
const MAX_ANSWER = 16 * 1024 * 1024;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > MAX_ANSWER) {
      stream.destroy();
      throw new YinjiError('E_PEER_UNAVAILABLE', {
        zh: '伙伴中心的应答过大',
        en: 'the partner’s answer is too large',
      });
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

interface StatusAnswer {
  readonly files: readonly { path: string; size?: number; sha256?: string; partial?: number }[];
}

/** A partner center as a replica target: the peer API's object routes. */
export class PeerTarget implements ReplicaTarget {
  readonly resumable = true;
  readonly id: string;

  constructor(private readonly client: PeerClient) {
    this.id = client.peer.id;
  }

  async status(objectId: string, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, CopyStatus>> {
    const out = new Map<string, CopyStatus>();
    for (let i = 0; i < paths.length; i += 500) {
      const answer = await this.client.json<StatusAnswer>(
        'POST',
        '/objects/status',
        { objectId, paths: paths.slice(i, i + 500) },
        signal,
      );
      for (const f of answer.files) {
        out.set(f.path, {
          ...(f.size !== undefined ? { stored: { size: f.size, ...(f.sha256 ? { sha256: f.sha256 } : {}) } } : {}),
          ...(f.partial !== undefined ? { partial: f.partial } : {}),
        });
      }
    }
    return out;
  }

  async append(objectId: string, path: string, offset: number, body: Readable, signal?: AbortSignal): Promise<void> {
    await this.client.upload(`/objects/content?${query({ objectId, path, offset: String(offset) })}`, body, signal);
  }

  async commit(objectId: string, path: string, expected: StoredDigest, signal?: AbortSignal): Promise<void> {
    await this.client.json('POST', '/objects/commit', { objectId, path, ...expected }, signal);
  }

  read(objectId: string, path: string, signal?: AbortSignal): Promise<Readable> {
    return this.client.download(`/objects/content?${query({ objectId, path })}`, signal);
  }

  async challenge(
    objectId: string,
    nonce: Buffer,
    paths: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    for (let i = 0; i < paths.length; i += 500) {
      const answer = await this.client.json<{ answers: { path: string; digest: string | null }[] }>(
        'POST',
        '/objects/challenge',
        { objectId, nonce: nonce.toString('base64'), paths: paths.slice(i, i + 500) },
        signal,
      );
      for (const a of answer.answers) out.set(a.path, a.digest ?? undefined);
    }
    return out;
  }

  async objects(options: { after?: string; limit: number; signal?: AbortSignal }): Promise<readonly string[]> {
    const q = query({ limit: String(options.limit), ...(options.after !== undefined ? { after: options.after } : {}) });
    return (await this.client.json<{ objects: string[] }>('GET', `/objects?${q}`, undefined, options.signal)).objects;
  }

  /** Every file the partner keeps of an object for this center, with its size and SHA-256 as stored. */
  async files(
    objectId: string,
    signal?: AbortSignal,
  ): Promise<readonly { path: string; size: number; sha256: string }[]> {
    return (
      await this.client.json<{ files: { path: string; size: number; sha256: string }[] }>(
        'POST',
        '/objects/files',
        { objectId },
        signal,
      )
    ).files;
  }

  /** This center's checkpoint the partner cosigned last (a signed note), if any. */
  async witnessed(signal?: AbortSignal): Promise<string | undefined> {
    return (
      (await this.client.json<{ checkpoint: string | null }>('GET', '/witnessed', undefined, signal)).checkpoint ??
      undefined
    );
  }

  async close(): Promise<void> {}
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}
