import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  deposit,
  depositUnitFor,
  getRegistrationAs,
  requireDirectDeposit,
  selfCheck,
  type Center,
  type DeclaredForm,
} from '../../center/index.js';
import { userOf } from '../authentication.js';
import { withUploadedBody } from '../upload-body.js';
import { UPLOAD_MARK, checkReportSchema, depositResultSchema, errorSchema, regnoParams } from './schemas.js';

interface DepositQuery {
  unit?: string;
  title?: string;
  classification?: string;
  message?: string;
  digest?: string;
  items?: number;
  fileCount?: number;
  bytes?: number;
}

const querySchema = {
  type: 'object',
  properties: {
    unit: {
      type: 'string',
      maxLength: 64,
      description: '单位代码 unit code (center staff only; a unit user deposits for their own unit)',
    },
    title: { type: 'string', maxLength: 500, description: '题名 title' },
    classification: {
      type: 'string',
      enum: ['open', 'internal', 'secret', 'confidential', 'top-secret'],
      description: '密级 classification, default open',
    },
    message: { type: 'string', maxLength: 2000 },
    digest: { type: 'string', maxLength: 200, description: '申报的登记包摘要 declared package digest, algorithm:hex' },
    items: { type: 'integer', minimum: 0, description: '申报件数 declared item count' },
    fileCount: { type: 'integer', minimum: 0, description: '申报文件数 declared file count' },
    bytes: { type: 'integer', minimum: 0, description: '申报字节数 declared byte count' },
  },
  additionalProperties: false,
} as const;

function declaredOf(q: DepositQuery): DeclaredForm {
  return {
    ...(q.digest !== undefined ? { packageDigest: q.digest } : {}),
    ...(q.items !== undefined ? { itemCount: q.items } : {}),
    ...(q.fileCount !== undefined ? { fileCount: q.fileCount } : {}),
    ...(q.bytes !== undefined ? { byteCount: q.bytes } : {}),
  };
}

/**
 * Deposits arrive as a .zip, .tar or .tar.gz request body. The body is
 * streamed to a staging file (never held in memory: a 5 GB upload keeps the
 * server's memory flat), then registered exactly as `yinji deposit` does.
 */
export function registerDepositRoutes(app: FastifyInstance, center: Center): void {
  app.addSchema(checkReportSchema);
  type DepositRequest = FastifyRequest<{ Querystring: DepositQuery; Params: { regno?: string } }>;
  const handler = async (request: DepositRequest) => {
    const actor = userOf(request);
    const q = request.query;
    // Decided before a byte of the body is read.
    requireDirectDeposit(center, actor);
    const to = request.params.regno;
    const unit =
      to === undefined
        ? await depositUnitFor(center, actor, 'deposit', q.unit)
        : await getRegistrationAs(center, actor, 'deposit', to).then((reg) => center.db.units.getById(reg.unitId));
    return withUploadedBody(center, request, unit, (upload) =>
      deposit(center, {
        source: upload,
        unit: unit?.code,
        title: q.title ?? '上传 upload',
        message: q.message,
        to,
        agent: actor,
        classification: q.classification,
        declared: declaredOf(q),
      }),
    );
  };

  app.post<{ Querystring: DepositQuery; Params: { regno?: string } }>(
    '/api/v1/checks',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      config: { access: 'self-check' },
      schema: {
        summary: '自检：四性检测一个登记包而不登记 / self-check: run the four-properties check, register nothing',
        tags: ['checks'],
        querystring: querySchema,
        [UPLOAD_MARK]: true,
        response: { 200: { $ref: 'checkReport#' }, '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    async (request) => {
      const unit = await depositUnitFor(center, userOf(request), 'self-check', request.query.unit);
      return withUploadedBody(center, request, unit, (upload) =>
        selfCheck(center, { source: upload, unit: unit.code, declared: declaredOf(request.query) }),
      );
    },
  );

  app.post<{ Querystring: DepositQuery; Params: { regno?: string } }>(
    '/api/v1/registrations',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      config: { access: 'deposit' },
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
      config: { access: 'deposit' },
      schema: {
        summary: '为已有登记追加新版本 / add a new version to a registration',
        tags: ['registrations'],
        params: regnoParams,
        querystring: querySchema,
        [UPLOAD_MARK]: true,
        response: { 200: depositResultSchema, '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    handler,
  );
}
