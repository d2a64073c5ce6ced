import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import {
  approveSubmission,
  attachPackage,
  CARRIER_TYPES,
  createSubmission,
  getSubmission,
  listSubmissions,
  requireUnitUser,
  returnSubmission,
  reviewQueue,
  selfCheckSubmission,
  startReview,
  submitSubmission,
  SUBMISSION_STATUSES,
  withdrawSubmission,
  type Center,
  type NewSubmissionInput,
} from '../../center/index.js';
import { userOf } from '../authentication.js';
import { withUploadedBody } from '../upload-body.js';
import { errorSchema, idParams, UPLOAD_MARK } from './schemas.js';

const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  offset: { type: 'integer', minimum: 0, default: 0 },
} as const;

const submissionSchema = { type: 'object', additionalProperties: true } as const;
const pageSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: submissionSchema }, total: { type: 'integer' } },
} as const;

const newSubmissionBody = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 500, description: '题名 title' },
    classification: { type: 'string', enum: ['open', 'internal', 'secret', 'confidential', 'top-secret'] },
    declared: {
      type: 'object',
      description: '登记表 registration form',
      properties: {
        packageDigest: { type: 'string', maxLength: 200, description: 'algorithm:hex, e.g. sm3:66c7…' },
        itemCount: { type: 'integer', minimum: 0 },
        fileCount: { type: 'integer', minimum: 0 },
        byteCount: { type: 'integer', minimum: 0 },
      },
      additionalProperties: false,
    },
    carrier: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string', enum: CARRIER_TYPES },
        serials: { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 100 } },
      },
      additionalProperties: false,
    },
    note: { type: 'string', maxLength: 2000 },
  },
  additionalProperties: false,
} as const;

/** Submissions with their unit's code and name, which people read (the id is for machines). */
async function withUnits<T extends { unitId: number }>(
  center: Center,
  submissions: readonly T[],
): Promise<Array<T & { unitCode: string | null; unitName: string | null }>> {
  const units = new Map<number, { code: string; name: string } | undefined>();
  for (const id of new Set(submissions.map((s) => s.unitId))) units.set(id, await center.db.units.getById(id));
  return submissions.map((s) => ({
    ...s,
    unitCode: units.get(s.unitId)?.code ?? null,
    unitName: units.get(s.unitId)?.name ?? null,
  }));
}

const withUnitsPage = async <T extends { unitId: number }>(
  center: Center,
  page: { items: readonly T[]; total: number },
) => ({
  ...page,
  items: await withUnits(center, page.items),
});

/**
 * The registration workflow as practised (DOMAIN.md §3, issue 5 item 3):
 * the unit creates a submission with its registration form, uploads the
 * package, runs the self-check and submits; a center operator takes it into
 * review and registers it or returns it with reasons. Every step is a state
 * change recorded with who and when (center/submissions.ts).
 */
export function registerSubmissionRoutes(app: FastifyInstance, center: Center): void {
  app.get<{ Querystring: { status?: string; limit?: number; offset?: number } }>(
    '/api/v1/submissions',
    {
      config: { access: 'registration.status' },
      schema: {
        summary: '登记申请及其状态 / submissions and their status',
        tags: ['submissions'],
        querystring: {
          type: 'object',
          properties: { status: { type: 'string', enum: SUBMISSION_STATUSES }, ...pageQuery },
          additionalProperties: false,
        },
        response: { 200: pageSchema, '4xx': errorSchema },
      },
    },
    async (request) => withUnitsPage(center, await listSubmissions(center, userOf(request), request.query)),
  );

  app.post<{ Body: NewSubmissionInput }>(
    '/api/v1/submissions',
    {
      config: { access: 'upload' },
      schema: {
        summary: '新建登记申请（草稿）/ start a submission (draft)',
        tags: ['submissions'],
        body: newSubmissionBody,
        response: { 200: submissionSchema, '4xx': errorSchema },
      },
    },
    async (request) => createSubmission(center, userOf(request), request.body),
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/submissions/:id',
    {
      config: { access: 'registration.status' },
      schema: {
        summary: '登记申请详情及流转记录 / a submission and its history',
        tags: ['submissions'],
        params: idParams,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const detail = await getSubmission(center, userOf(request), request.params.id);
      return { ...detail, submission: (await withUnits(center, [detail.submission]))[0] };
    },
  );

  app.put<{ Params: { id: number } }>(
    '/api/v1/submissions/:id/package',
    {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      config: { access: 'upload' },
      schema: {
        summary: '上传登记包（大包请用断点续传）/ upload the package (use resumable uploads for large ones)',
        tags: ['submissions'],
        params: idParams,
        [UPLOAD_MARK]: true,
        response: { 200: submissionSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const actor = userOf(request);
      // Allowed and reachable before a byte of the body is read.
      requireUnitUser(actor, 'upload');
      const { submission } = await getSubmission(center, actor, request.params.id);
      const unit = await center.db.units.getById(submission.unitId);
      return withUploadedBody(center, request, unit, async (file) =>
        attachPackage(center, actor, request.params.id, file, (await stat(file)).size),
      );
    },
  );

  const step = (
    url: string,
    access: 'self-check' | 'submit',
    summary: string,
    run: (center: Center, request: Parameters<typeof userOf>[0], id: number) => Promise<unknown>,
  ): void => {
    app.post<{ Params: { id: number } }>(
      url,
      {
        config: { access },
        schema: { summary, tags: ['submissions'], params: idParams, response: { '4xx': errorSchema } },
      },
      async (request) => run(center, request, request.params.id),
    );
  };
  step('/api/v1/submissions/:id/self-check', 'self-check', '自检 / self-check the package', (c, r, id) =>
    selfCheckSubmission(c, userOf(r), id),
  );
  step('/api/v1/submissions/:id/submit', 'submit', '提交审核 / submit for review', (c, r, id) =>
    submitSubmission(c, userOf(r), id),
  );
  step('/api/v1/submissions/:id/withdraw', 'submit', '撤回 / withdraw', (c, r, id) =>
    withdrawSubmission(c, userOf(r), id),
  );

  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/api/v1/review/queue',
    {
      config: { access: 'review.queue' },
      schema: {
        summary: '待审核队列 / the review queue',
        tags: ['review'],
        querystring: { type: 'object', properties: pageQuery, additionalProperties: false },
        response: { 200: pageSchema, '4xx': errorSchema },
      },
    },
    async (request) => withUnitsPage(center, await reviewQueue(center, userOf(request), request.query)),
  );

  app.post<{ Params: { id: number }; Body: { decision: 'start' | 'approve' | 'return'; reasons?: string[] } }>(
    '/api/v1/submissions/:id/review',
    {
      config: { access: 'review.decide' },
      schema: {
        summary: '审核：受理、通过登记或退回 / review: take it, register it, or return it with reasons',
        tags: ['review'],
        params: idParams,
        body: {
          type: 'object',
          required: ['decision'],
          properties: {
            decision: { type: 'string', enum: ['start', 'approve', 'return'] },
            reasons: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 500 } },
          },
          additionalProperties: false,
        },
        response: { 200: submissionSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const actor = userOf(request);
      const { id } = request.params;
      const { decision, reasons } = request.body;
      if (decision === 'start') return startReview(center, actor, id);
      if (decision === 'approve') return approveSubmission(center, actor, id);
      return returnSubmission(center, actor, id, reasons ?? []);
    },
  );
}
