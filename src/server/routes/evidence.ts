import type { FastifyInstance } from 'fastify';
import {
  buildReceipt,
  findByDigests,
  getRegistrationAs,
  renderRegistrationCertificate,
  timestampQuery,
  type Center,
} from '../../center/index.js';
import { InvalidInputError } from '../../core/index.js';
import { userOf } from '../authentication.js';
import { PUBLIC_RATE_LIMIT } from '../hardening.js';
import { errorSchema, regnoParams, versionQuery } from './schemas.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const TSQ = 'application/timestamp-query';

/**
 * The evidence side of the API (issue 3 §6): the log's checkpoint and proofs
 * (RFC 9162 §2.1.3–2.1.4, C2SP tlog-checkpoint), receipts, a digest-only
 * verification (the client sends hashes, never files) and the built-in
 * RFC 3161 time-stamp authority (§3.4, "Time-Stamp Protocol via HTTP").
 */
export function registerEvidenceRoutes(app: FastifyInstance, center: Center): void {
  app.addContentTypeParser(TSQ, { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

  app.get(
    '/log/checkpoint',
    {
      config: { access: 'read-transparency-log' },
      schema: { summary: '最新签名检查点 / latest signed checkpoint (C2SP signed note)', tags: ['log'] },
    },
    async (_req, reply) => {
      const cp = await center.evidence.checkpoint(center.db);
      return reply.type('text/plain; charset=utf-8').send(cp.note);
    },
  );

  app.get<{ Querystring: { index: number; size: number } }>(
    '/log/proof/inclusion',
    {
      config: { access: 'read-transparency-log' },
      schema: {
        summary: '包含证明 / inclusion proof',
        tags: ['log'],
        querystring: {
          type: 'object',
          required: ['index', 'size'],
          properties: { index: { type: 'integer', minimum: 0 }, size: { type: 'integer', minimum: 1 } },
          additionalProperties: false,
        },
        response: { 200: proofSchema(['index', 'size']), '4xx': errorSchema },
      },
    },
    async (req) => {
      await requireSize(center, req.query.size);
      if (req.query.index >= req.query.size) throw badRange();
      const proof = await center.evidence.log(center.db).inclusionProof(req.query.index, req.query.size);
      return { index: req.query.index, size: req.query.size, proof: proof.map(hex) };
    },
  );

  app.get<{ Querystring: { from: number; to: number } }>(
    '/log/proof/consistency',
    {
      config: { access: 'read-transparency-log' },
      schema: {
        summary: '一致性证明 / consistency proof',
        tags: ['log'],
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } },
          additionalProperties: false,
        },
        response: { 200: proofSchema(['from', 'to']), '4xx': errorSchema },
      },
    },
    async (req) => {
      await requireSize(center, req.query.to);
      if (req.query.from > req.query.to) throw badRange();
      const proof = await center.evidence.log(center.db).consistencyProof(req.query.from, req.query.to);
      return { from: req.query.from, to: req.query.to, proof: proof.map(hex) };
    },
  );

  app.get<{ Params: { regno: string }; Querystring: { version?: number; file?: string } }>(
    '/api/v1/registrations/:regno/receipt',
    {
      config: { access: 'registration.receipt' },
      schema: {
        summary: '登记回执 / registration receipt (yinji-receipt/1)',
        tags: ['evidence'],
        params: regnoParams,
        querystring: {
          type: 'object',
          properties: { version: { type: 'integer', minimum: 1 }, file: { type: 'string', maxLength: 4096 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const reg = await getRegistrationAs(center, req.actor, 'registration.receipt', req.params.regno);
      return buildReceipt(center, { regno: reg.regno, version: req.query.version, file: req.query.file });
    },
  );

  app.get<{ Params: { regno: string }; Querystring: { version?: number } }>(
    '/api/v1/registrations/:regno/certificate',
    {
      config: { access: 'registration.certificate' },
      schema: {
        summary: '档案登记证明（PDF）/ registration certificate (PDF)',
        tags: ['evidence'],
        params: regnoParams,
        querystring: versionQuery,
      },
    },
    async (req, reply) => {
      const reg = await getRegistrationAs(center, req.actor, 'registration.certificate', req.params.regno);
      const cert = await renderRegistrationCertificate(center, {
        regno: reg.regno,
        version: req.query.version,
        agent: userOf(req),
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${cert.regno}-v${cert.version}.pdf"`)
        .send(Buffer.from(cert.pdf));
    },
  );

  app.post<{ Body: { sha256: string[] } }>(
    '/verify',
    {
      config: { access: 'verify', rateLimit: PUBLIC_RATE_LIMIT },
      schema: {
        summary: '按摘要核验（只发送摘要，不发送文件）/ verify by digest: send hashes, never files',
        tags: ['evidence'],
        body: {
          type: 'object',
          required: ['sha256'],
          properties: {
            sha256: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => ({ results: await findByDigests(center, req.actor, req.body.sha256) }),
  );

  app.post(
    '/tsa',
    {
      config: { access: 'timestamp', rateLimit: PUBLIC_RATE_LIMIT },
      schema: {
        summary: 'RFC 3161 时间戳服务 / time-stamp authority (application/timestamp-query)',
        tags: ['evidence'],
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) {
        throw new InvalidInputError({ zh: `请以 ${TSQ} 提交时间戳请求`, en: `send the request as ${TSQ}` });
      }
      const der = await timestampQuery(center, req.body);
      return reply.type('application/timestamp-reply').send(Buffer.from(der));
    },
  );
}

function proofSchema(fields: [string, string]) {
  return {
    type: 'object',
    properties: {
      [fields[0]]: { type: 'integer' },
      [fields[1]]: { type: 'integer' },
      proof: { type: 'array', items: { type: 'string' } },
    },
  };
}

async function requireSize(center: Center, size: number): Promise<void> {
  const current = await center.db.ledger.size();
  if (size > current) {
    throw new InvalidInputError({
      zh: `日志只有 ${current} 条，不能证明到 ${size}`,
      en: `the log has ${current} entries, not ${size}`,
    });
  }
}

function badRange(): InvalidInputError {
  return new InvalidInputError({ zh: '证明范围无效', en: 'invalid proof range' });
}
