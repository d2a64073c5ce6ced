import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import {
  cosignForPartner,
  hostedStore,
  issueCertifiedCopy,
  ownPeerKey,
  receiveSharedCatalog,
  MAX_FIELD_CHARS,
  SHARE_BATCH,
  witnessedFor,
  type CatalogPushBody,
  type Center,
  type WitnessRequestBody,
} from '../../center/index.js';
import type { ReplicaTarget } from '../../db/index.js';
import { contentDigest } from '../../replication/index.js';

/**
 * The partner-center API (issue 7): what a paired center may ask of this
 * one — keep copies of its objects, prove it still holds them, give them
 * back, and cosign its log's checkpoints. Only paired centers get in: each
 * request is signed (peer-authentication.ts), and every answer too. What a
 * partner stores here is kept apart per partner; none of it is reachable
 * through any other route.
 */
const PEER = { access: 'peer' } as const;
const TAGS = ['peer'];
// An object id is one opaque string, never a path: no separators, not '.' or '..' (hosted-store.ts checks again).
const objectId = { type: 'string', minLength: 1, maxLength: 512, pattern: '^(?!\\.{1,2}$)[^/\\\\\\u0000]+$' } as const;
const path = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const paths = { type: 'array', items: path, minItems: 1, maxItems: 500 } as const;
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

function peerOf(request: FastifyRequest): ReplicaTarget {
  return request.peer!;
}

export function registerPeerRoutes(app: FastifyInstance, center: Center): void {
  const hosted = hostedStore(center);

  app.get(
    '/api/v1/peer/hello',
    { config: PEER, schema: { summary: '伙伴中心握手 / partner handshake: who this center is', tags: TAGS } },
    async (request) => ({
      centerId: center.config.centerId,
      name: center.config.centerName,
      peerKey: ownPeerKey(center),
      logKey: center.evidence.keys.log.verifierKey,
      time: center.clock.now().toISOString(),
      you: peerOf(request).id,
    }),
  );

  app.post<{ Body: { objectId: string; paths: string[] } }>(
    '/api/v1/peer/objects/status',
    {
      config: PEER,
      schema: {
        summary: '代存文件状态 / what this center holds of an object for the caller',
        tags: TAGS,
        body: {
          type: 'object',
          required: ['objectId', 'paths'],
          properties: { objectId, paths },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const status = await hosted.status(peerOf(request).id, request.body.objectId, request.body.paths);
      return {
        files: [...status].map(([p, s]) => ({
          path: p,
          ...(s.stored !== undefined ? { size: s.stored.size, sha256: s.stored.sha256 } : {}),
          ...(s.partial !== undefined ? { partial: s.partial } : {}),
        })),
      };
    },
  );

  app.put<{ Querystring: { objectId: string; path: string; offset: number } }>(
    '/api/v1/peer/objects/content',
    {
      config: PEER,
      schema: {
        summary: '接收副本数据 / receive a file’s bytes from offset (kept as partial until committed)',
        tags: TAGS,
        querystring: {
          type: 'object',
          required: ['objectId', 'path', 'offset'],
          properties: { objectId, path, offset: { type: 'integer', minimum: 0 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { objectId: id, path: p, offset } = request.query;
      const received = await hosted.append(peerOf(request).id, id, p, offset, request.body as Readable);
      return { received };
    },
  );

  app.post<{ Body: { objectId: string; path: string; size: number; sha256: string } }>(
    '/api/v1/peer/objects/commit',
    {
      config: PEER,
      schema: {
        summary: '确认副本文件 / commit a received file if it has this size and SHA-256',
        tags: TAGS,
        body: {
          type: 'object',
          required: ['objectId', 'path', 'size', 'sha256'],
          properties: { objectId, path, size: { type: 'integer', minimum: 0 }, sha256 },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { objectId: id, path: p, size, sha256: digest } = request.body;
      await hosted.commit(peerOf(request).id, id, p, { size, sha256: digest });
      return { committed: true };
    },
  );

  app.get<{ Querystring: { objectId: string; path: string } }>(
    '/api/v1/peer/objects/content',
    {
      config: PEER,
      schema: {
        summary: '取回副本文件 / give back a file kept for the caller',
        tags: TAGS,
        querystring: {
          type: 'object',
          required: ['objectId', 'path'],
          properties: { objectId, path },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const file = await hosted.read(peerOf(request).id, request.query.objectId, request.query.path);
      // The digest recorded at commit; the caller checks the bytes against it as they arrive.
      void reply.header('content-digest', contentDigest(file.sha256));
      void reply.header('content-length', file.size);
      void reply.type('application/octet-stream');
      return reply.send(file.stream);
    },
  );

  app.post<{ Body: { objectId: string } }>(
    '/api/v1/peer/objects/files',
    {
      config: PEER,
      schema: {
        summary: '代存对象的文件 / every file kept of an object for the caller (to rebuild it)',
        tags: TAGS,
        body: { type: 'object', required: ['objectId'], properties: { objectId }, additionalProperties: false },
      },
    },
    async (request) => ({
      files: (await center.db.hostedFiles.list(peerOf(request).id, request.body.objectId)).map((f) => ({
        path: f.path,
        size: f.size,
        sha256: f.sha256,
      })),
    }),
  );

  app.post<{ Body: { objectId: string; nonce: string; paths: string[] } }>(
    '/api/v1/peer/objects/challenge',
    {
      config: PEER,
      schema: {
        summary: '持有性挑战 / prove possession: SHA-256(nonce ‖ bytes) per file',
        tags: TAGS,
        body: {
          type: 'object',
          required: ['objectId', 'nonce', 'paths'],
          properties: { objectId, nonce: { type: 'string', minLength: 22, maxLength: 200 }, paths },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { objectId: id, nonce, paths: asked } = request.body;
      const answers = await hosted.challenge(peerOf(request).id, id, Buffer.from(nonce, 'base64'), asked);
      return { answers: [...answers].map(([p, digest]) => ({ path: p, digest: digest ?? null })) };
    },
  );

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/api/v1/peer/objects',
    {
      config: PEER,
      schema: {
        summary: '代存对象列表 / objects kept for the caller (to rebuild it)',
        tags: TAGS,
        querystring: {
          type: 'object',
          properties: { after: objectId, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 1000 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({
      objects: await center.db.hostedFiles.objects(peerOf(request).id, {
        limit: request.query.limit,
        ...(request.query.after !== undefined ? { after: request.query.after } : {}),
      }),
    }),
  );

  app.post<{ Body: CatalogPushBody }>(
    '/api/v1/peer/catalog',
    {
      config: PEER,
      // SHARE_BATCH entries of at most 20 fields of MAX_FIELD_CHARS (UTF-8: up to 3 bytes a character).
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        summary: '接收下级中心推送的目录 / take the open catalog entries a partner shares (catalog center)',
        tags: TAGS,
        body: {
          type: 'object',
          required: ['entries', 'withdrawn'],
          properties: {
            entries: {
              type: 'array',
              maxItems: SHARE_BATCH,
              items: {
                type: 'object',
                required: ['id', 'unitCode', 'fields'],
                properties: {
                  id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
                  // Checked per entry (receiveSharedCatalog), so one odd code refuses one entry, not the push.
                  unitCode: { type: 'string', minLength: 1, maxLength: 200 },
                  fields: {
                    type: 'object',
                    maxProperties: 20,
                    additionalProperties: { type: 'string', maxLength: MAX_FIELD_CHARS },
                  },
                },
                additionalProperties: false,
              },
            },
            withdrawn: {
              type: 'array',
              maxItems: SHARE_BATCH,
              items: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => receiveSharedCatalog(center, peerOf(request), request.body),
  );

  app.get<{ Querystring: { entry: number; requester: string; purpose: string } }>(
    '/api/v1/peer/catalog/certified-copy',
    {
      config: PEER,
      schema: {
        summary:
          '跨馆出证：为伙伴中心的读者出具本馆所藏记录的核验副本 / issue a certified copy of a record held here, for a reader at a partner center',
        tags: TAGS,
        querystring: {
          type: 'object',
          required: ['entry', 'requester', 'purpose'],
          properties: {
            entry: { type: 'integer', minimum: 1 },
            requester: { type: 'string', minLength: 1, maxLength: 200 },
            purpose: { type: 'string', minLength: 2, maxLength: 500 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      // The partner says who its reader is; this center records it, named under the partner's id.
      const requester = q.requester.endsWith(`@${peerOf(request).id}`)
        ? q.requester
        : `${q.requester}@${peerOf(request).id}`;
      const copy = await issueCertifiedCopy(center, q.entry, { requester, purpose: q.purpose });
      void reply.header('content-digest', contentDigest(copy.sha256!));
      void reply.header('content-length', copy.size!);
      void reply.type('application/zip');
      return reply.send(copy.stream);
    },
  );

  app.get(
    '/api/v1/peer/witnessed',
    {
      config: PEER,
      schema: {
        summary: '已见证的检查点 / the caller’s checkpoint this center last cosigned (to check a rebuilt log)',
        tags: TAGS,
      },
    },
    async (request) => ({ checkpoint: (await witnessedFor(center, peerOf(request)))?.checkpoint ?? null }),
  );

  app.post<{ Body: WitnessRequestBody }>(
    '/api/v1/peer/witness',
    {
      config: PEER,
      schema: {
        summary:
          '见证检查点 / cosign the caller’s checkpoint if it extends the one cosigned before (C2SP tlog-witness)',
        tags: TAGS,
        body: {
          type: 'object',
          required: ['checkpoint', 'proof', 'oldSize'],
          properties: {
            checkpoint: { type: 'string', minLength: 1, maxLength: 65536 },
            proof: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 63 },
            oldSize: { type: 'integer', minimum: 0 },
            hash: { type: 'string', enum: ['sha256', 'sm3'] },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ cosignature: await cosignForPartner(center, peerOf(request), request.body) }),
  );
}
