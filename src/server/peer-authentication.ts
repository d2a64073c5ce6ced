import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticatePeer, peerSigningKey, type Center } from '../center/index.js';
import type { ReplicaTarget } from '../db/index.js';
import { PeerAuthError, contentDigest, parseContentDigest, sha256Check, signResponse } from '../replication/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The partner center that signed the request (routes with access 'peer' only). */
    peer: ReplicaTarget | undefined;
    peerNonce: string | undefined;
  }
}

const isPeerRoute = (request: FastifyRequest): boolean => request.routeOptions.config.access === 'peer';

/**
 * The partner-center API's own authentication (issue 7 item 1): every
 * request must carry an RFC 9421 signature by a paired center's key
 * (replication/http-signature.ts), fresh and never seen before; a JSON body
 * must match the signed Content-Digest. Every answer to an authenticated
 * request — errors included — is signed in turn over its status and
 * Content-Digest with the request's nonce, so the partner can believe it.
 *
 * A PUT of a file's bytes is not covered by a Content-Digest (it streams,
 * and may be the rest of a cut transfer); what it carries is only kept as
 * partial until a signed commit names the whole file's size and SHA-256.
 */
export function registerPeerAuthentication(app: FastifyInstance, center: Center): void {
  app.decorateRequest('peer', undefined);
  app.decorateRequest('peerNonce', undefined);
  app.addHook('onRequest', async (request) => {
    if (!isPeerRoute(request)) return;
    const { peer, nonce } = await authenticatePeer(center, {
      method: request.method,
      path: request.url,
      headers: request.headers,
      hasBody: request.method === 'POST',
    });
    request.peer = peer;
    request.peerNonce = nonce;
  });
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (!isPeerRoute(request) || request.method !== 'POST') return payload;
    const header = request.headers['content-digest'];
    const expected = parseContentDigest(Array.isArray(header) ? header.join(', ') : (header ?? '')).toString('hex');
    const check = sha256Check(
      expected,
      () =>
        new PeerAuthError({ zh: '请求正文与签名的摘要不符', en: 'the request body does not match its signed digest' }),
    );
    payload.once('error', (e) => check.destroy(e));
    return payload.pipe(check);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!isPeerRoute(request)) return payload;
    // Only answers to authenticated requests are signed: signing whatever nonce an unknown caller sends
    // would make this center sign for anyone. A refused request gets an unsigned error.
    const nonce = request.peerNonce;
    if (nonce === undefined) return payload;
    if (reply.getHeader('content-digest') === undefined) {
      const body = payload === null || payload === undefined ? '' : payload;
      if (typeof body !== 'string' && !Buffer.isBuffer(body)) return payload; // a stream sets its own digest
      void reply.header('content-digest', contentDigest(createHash('sha256').update(body).digest()));
    }
    const signed = signResponse(
      { status: reply.statusCode, headers: { 'content-digest': String(reply.getHeader('content-digest')) } },
      peerSigningKey(center),
      nonce,
      { now: center.clock.now() },
    );
    void reply.header('signature-input', signed['signature-input']);
    void reply.header('signature', signed.signature);
    return payload;
  });
}
