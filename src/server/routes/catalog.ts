import type { FastifyInstance } from 'fastify';
import { rename, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { InvalidInputError } from '../../core/index.js';
import {
  catalogAccessOf,
  depositUnitFor,
  importUnitCatalog,
  decideAccessRequest,
  fileAccessRequest,
  listAccessRequests,
  openCatalogEntryFile,
  readCatalogEntry,
  requestCertifiedCopy,
  searchCenterCatalog,
  type Center,
} from '../../center/index.js';
import { userOf } from '../authentication.js';
import { withUploadedBody } from '../upload-body.js';
import { UPLOAD_MARK, uploadBodySchema } from './schemas.js';
import { catalogFilters } from '../../catalog/index.js';

interface SearchQuerystring {
  q?: string;
  unit?: string;
  fonds?: string;
  category?: string;
  yearFrom?: number;
  yearTo?: number;
  retention?: string;
  openStatus?: 'open' | 'controlled';
  limit?: number;
  offset?: number;
  facets?: boolean;
}

/** Catalog search: the public sees open entries, a unit's users also their unit's, center staff everything. */
export function registerCatalogRoutes(app: FastifyInstance, center: Center): void {
  app.get<{ Querystring: SearchQuerystring }>(
    '/api/v1/search',
    {
      config: { access: 'open-catalog' },
      schema: {
        summary: '检索目录与全文 / search the catalog and full text',
        description:
          '中文检索词无需空格；"…" 精确短语；题名:、档号:、责任者:、全文: 指定字段。/ Chinese queries need no spaces; "…" for an exact phrase; 题名:, 档号:, 责任者:, 全文: for one field.',
        tags: ['catalog'],
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 200, default: '' },
            unit: { type: 'string', maxLength: 64 },
            fonds: { type: 'string', maxLength: 64 },
            category: { type: 'string', maxLength: 16 },
            yearFrom: { type: 'integer', minimum: 1000, maximum: 2999 },
            yearTo: { type: 'integer', minimum: 1000, maximum: 2999 },
            retention: { type: 'string', maxLength: 16 },
            openStatus: { type: 'string', enum: ['open', 'controlled'] },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
            offset: { type: 'integer', minimum: 0, maximum: 10000, default: 0 },
            facets: { type: 'boolean', default: true },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const filters = catalogFilters(q);
      const result = await searchCenterCatalog(center, {
        query: q.q ?? '',
        filters,
        access: await catalogAccessOf(center, request.actor),
        limit: q.limit ?? 10,
        offset: q.offset ?? 0,
        facets: q.facets ?? true,
      });
      return { ...result, hits: result.hits.map(({ entry: _entry, ...hit }) => hit) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/catalog/entries/:id',
    {
      config: { access: 'open-catalog' },
      schema: {
        summary: '目录条目及全文 / a catalog entry with its full text',
        description:
          '开放条目任何人可看；控制条目仅中心人员、所属单位，以及利用申请获批且未到期的账号可看（每次使用记入安全审计日志）。/ Open entries: anyone. Controlled: center staff, the owning unit, and accounts with an approved, unexpired access request (each use is recorded).',
        tags: ['catalog'],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
      },
    },
    async (request) => readCatalogEntry(center, request.actor, request.params.id),
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/catalog/entries/:id/file',
    {
      config: { access: 'open-catalog' },
      schema: {
        summary: '下载目录条目所关联的电子文件 / download the record a catalog entry describes',
        description:
          '与条目全文同样的利用规则。控制条目的 PDF 以加水印的副本提供（利用人、时间、依据），原件不变。/ The same rules as the entry. A controlled PDF comes as a copy watermarked with the reader, the time and the grounds; the original is never changed.',
        tags: ['catalog'],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
      },
    },
    async (request, reply) => {
      const abort = new AbortController();
      reply.raw.once('close', () => abort.abort()); // the reader went away: stop watermarking
      const file = await openCatalogEntryFile(center, request.actor, request.params.id, abort.signal);
      reply
        .header('content-type', file.contentType)
        .header('content-length', file.size)
        // RFC 6266 §4.3: an ASCII fallback and the real (often Chinese) name in UTF-8.
        .header(
          'content-disposition',
          `attachment; filename="${file.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        )
        .header('x-yinji-watermarked', String(file.watermarked));
      if (file.sha256 !== undefined)
        reply.header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`);
      return reply.send(file.stream);
    },
  );

  app.post<{ Params: { id: number }; Body: { purpose: string } }>(
    '/api/v1/catalog/entries/:id/certified-copy',
    {
      config: { access: 'access.request' },
      schema: {
        summary: '申请出证（本馆或跨馆）/ a certified copy of the record, from whichever archive holds it',
        description:
          '记录由其他档案馆保存时，请求转给该馆，由其出具副本与登记回执（可离线核验）。/ When another archive holds the record, the request goes to it, and it issues the copy with its receipt (verifiable offline).',
        tags: ['catalog'],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        body: {
          type: 'object',
          properties: { purpose: { type: 'string', minLength: 2, maxLength: 500 } },
          required: ['purpose'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const abort = new AbortController();
      reply.raw.once('close', () => abort.abort());
      const copy = await requestCertifiedCopy(
        center,
        request.actor,
        request.params.id,
        request.body.purpose.trim(),
        abort.signal,
      );
      reply
        .header('content-type', 'application/zip')
        .header(
          'content-disposition',
          `attachment; filename="certified-copy.zip"; filename*=UTF-8''${encodeURIComponent(copy.name)}`,
        )
        .header('x-yinji-issuer', copy.issuer);
      if (copy.size !== undefined) reply.header('content-length', copy.size);
      return reply.send(copy.stream);
    },
  );

  app.post<{ Body: { entryIds: number[]; purpose: string } }>(
    '/api/v1/access-requests',
    {
      config: { access: 'access.request' },
      schema: {
        summary: '提交利用申请 / file an access request for controlled records',
        tags: ['catalog'],
        body: {
          type: 'object',
          properties: {
            entryIds: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, maxItems: 500 },
            purpose: { type: 'string', minLength: 2, maxLength: 500 },
          },
          required: ['entryIds', 'purpose'],
          additionalProperties: false,
        },
      },
    },
    async (request) => fileAccessRequest(center, userOf(request), request.body),
  );

  app.get<{ Querystring: { pending?: boolean } }>(
    '/api/v1/access-requests',
    {
      config: { access: 'access.request' },
      schema: {
        summary: "利用申请列表（本人的；利用审批人员可见全部）/ access requests: one's own; operators see all",
        tags: ['catalog'],
        querystring: { type: 'object', properties: { pending: { type: 'boolean' } }, additionalProperties: false },
      },
    },
    async (request) => ({
      requests: await listAccessRequests(center, userOf(request), { pendingOnly: request.query.pending === true }),
    }),
  );

  app.post<{ Params: { id: number }; Body: { approve: boolean; days?: number; note?: string } }>(
    '/api/v1/access-requests/:id/decision',
    {
      config: { access: 'access.decide' },
      schema: {
        summary: '审批利用申请 / approve (for a number of days) or refuse an access request',
        tags: ['catalog'],
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            approve: { type: 'boolean' },
            days: { type: 'integer', minimum: 1, maximum: 365 },
            note: { type: 'string', maxLength: 500 },
          },
          required: ['approve'],
          additionalProperties: false,
        },
      },
    },
    async (request) => decideAccessRequest(center, userOf(request), request.params.id, request.body),
  );

  // Catalog sheets as their own types too (the raw body is streamed to a staging file, never held).
  app.addContentTypeParser([...TABLE_TYPES], (_request, payload, done) => done(null, payload));
  app.post<{ Querystring: { unit?: string; filename: string; openByDefault?: boolean } }>(
    '/api/v1/catalog/import',
    {
      config: { access: 'deposit' },
      schema: {
        summary: '导入单位目录（.xlsx、.csv）/ import a unit catalog (.xlsx, .csv in UTF-8 or GBK)',
        description:
          '请求体为文件本身；filename 的扩展名决定格式。逐行检查：有问题的行连同行号和原因列出，其余照常导入。/ The body is the file; the extension of filename decides the format. Rows are checked one by one: bad rows are listed with their row numbers, the others imported.',
        tags: ['catalog'],
        [UPLOAD_MARK]: true,
        querystring: {
          type: 'object',
          properties: {
            unit: { type: 'string', maxLength: 64 },
            filename: { type: 'string', minLength: 1, maxLength: 255 },
            openByDefault: { type: 'boolean' },
          },
          required: ['filename'],
          additionalProperties: false,
        },
        body: uploadBodySchema,
      },
    },
    async (request) => {
      const ext = extname(request.query.filename).toLowerCase();
      if (!['.csv', '.tsv', '.txt', '.xlsx'].includes(ext)) {
        throw new InvalidInputError({
          zh: '目录文件应为 .xlsx、.csv 或 .tsv；旧版 .xls 请先另存为 .xlsx',
          en: 'a catalog must be .xlsx, .csv or .tsv; save an old .xls as .xlsx first',
        });
      }
      const unit = await depositUnitFor(center, userOf(request), 'deposit', request.query.unit);
      return withUploadedBody(center, request, unit, async (file) => {
        // The readers go by extension: give the staged file the one the unit's file had.
        const named = `${file}${ext}`;
        await rename(file, named);
        try {
          const report = await importUnitCatalog(center, {
            file: named,
            unit: unit.code,
            defaultOpenStatus: request.query.openByDefault === true ? 'open' : 'controlled',
          });
          return { ...report, file: request.query.filename };
        } finally {
          await rm(named, { force: true });
        }
      });
    },
  );
}

/** Content types a catalog sheet may arrive with, besides application/octet-stream. */
const TABLE_TYPES = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'] as const;
