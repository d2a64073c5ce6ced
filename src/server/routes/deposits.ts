import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deposit, stagingPath, type Center } from '../../center/index.js';
import { InvalidInputError, wrapWriteError } from '../../core/index.js';
import { UPLOAD_TYPES, UPLOAD_MARK, depositResultSchema, errorSchema } from './schemas.js';

interface DepositQuery {
  unit?: string;
  unitName?: string;
  title?: string;
  message?: string;
}

const querySchema = {
  type: 'object',
  properties: {
    unit: { type: 'string', maxLength: 64, description: '单位代码 unit code' },
    unitName: { type: 'string', maxLength: 200 },
    title: { type: 'string', maxLength: 500, description: '题名 title' },
    message: { type: 'string', maxLength: 2000 },
  },
} as const;

/**
 * Deposits arrive as a .zip, .tar or .tar.gz request body. The body is
 * streamed to a staging file (never held in memory: a 5 GB upload keeps the
 * server's memory flat), then registered exactly as `yinji deposit` does.
 */
export function registerDepositRoutes(app: FastifyInstance, center: Center): void {
  type DepositRequest = FastifyRequest<{ Querystring: DepositQuery; Params: { regno?: string } }>;
  const handler = async (request: DepositRequest) => {
    const body = request.body as Readable | undefined;
    if (typeof body?.pipe !== 'function') {
      throw new InvalidInputError({
        zh: `请以 ${UPLOAD_TYPES.join('、')} 之一上传登记包`,
        en: `upload the package with Content-Type ${UPLOAD_TYPES.join(', ')}`,
      });
    }
    const upload = stagingPath(center.config.stagingDir, 'upload');
    try {
      await pipeline(body, createWriteStream(upload)).catch((e: unknown) => {
        throw wrapWriteError(e, { zh: '接收上传失败', en: 'receiving the upload failed' });
      });
      const q = request.query;
      return await deposit(center, {
        source: upload,
        unit: q.unit,
        unitName: q.unitName,
        title: q.title ?? '上传 upload',
        message: q.message,
        to: request.params.regno,
        agent: q.unit,
      });
    } finally {
      await rm(upload, { force: true });
    }
  };

  app.post<{ Querystring: DepositQuery; Params: { regno?: string } }>(
    '/api/v1/registrations',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        summary: '登记一个新的登记包 / register a new deposit',
        tags: ['registrations'],
        querystring: querySchema,
        [UPLOAD_MARK]: true,
        response: { 200: depositResultSchema, '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    handler,
  );

  app.post<{ Querystring: DepositQuery; Params: { regno?: string } }>(
    '/api/v1/registrations/:regno/versions',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        summary: '为已有登记追加新版本 / add a new version to a registration',
        tags: ['registrations'],
        params: { type: 'object', properties: { regno: { type: 'string' } }, required: ['regno'] },
        querystring: querySchema,
        [UPLOAD_MARK]: true,
        response: { 200: depositResultSchema, '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    handler,
  );
}
