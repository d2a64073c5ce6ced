/** JSON schemas shared by routes; they also make the OpenAPI document at /openapi.json. */

/** Content types of deposit uploads (.zip, .tar, .tar.gz; the package kind is detected by content). */
export const UPLOAD_TYPES = ['application/zip', 'application/x-tar', 'application/gzip', 'application/octet-stream'];

/**
 * Marks a route whose body is an upload stream. Fastify must not validate
 * such a body (it is a stream, not JSON), so the body schema is added only to
 * the OpenAPI document (app.ts, swagger `transform`).
 */
export const UPLOAD_MARK = 'x-yinji-upload';

declare module 'fastify' {
  interface FastifySchema {
    readonly [UPLOAD_MARK]?: boolean;
  }
}

export const uploadBodySchema = {
  content: Object.fromEntries(UPLOAD_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
};
export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message'],
    },
  },
} as const;

export const depositResultSchema = {
  type: 'object',
  properties: {
    regno: { type: 'string' },
    version: { type: 'integer' },
    objectId: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    fileCount: { type: 'integer' },
    byteCount: { type: 'integer' },
    storedFiles: { type: 'integer' },
    storedBytes: { type: 'integer' },
    checks: { $ref: 'checkReport#' },
  },
  required: ['regno', 'version', 'objectId', 'created', 'fileCount', 'byteCount'],
} as const;

/** The four-properties check report (checks/run.ts CheckReport). */
export const checkReportSchema = {
  $id: 'checkReport',
  type: 'object',
  properties: {
    format: { type: 'string' },
    stage: { type: 'string', enum: ['GD', 'YJ', 'BC'] },
    profile: { type: 'string' },
    checkedAt: { type: 'string' },
    package: { type: 'object', additionalProperties: true },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          key: { type: 'string' },
          property: { type: 'integer' },
          title: { type: 'object', additionalProperties: true },
          severity: { type: 'string' },
          outcome: { type: 'string', enum: ['pass', 'fail', 'warn', 'not-applicable', 'not-run'] },
          reason: { type: 'object', additionalProperties: true },
          findings: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
    summary: { type: 'object', additionalProperties: true },
    blocked: { type: 'boolean' },
  },
} as const;

export const registrationSchema = {
  type: 'object',
  properties: {
    regno: { type: 'string' },
    title: { type: 'string' },
    unitId: { type: 'integer' },
    objectId: { type: 'string' },
    headVersion: { type: 'integer' },
    fileCount: { type: 'integer' },
    byteCount: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const fileSchema = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    mtime: { type: ['string', 'null'] },
  },
} as const;

export const regnoParams = {
  type: 'object',
  properties: { regno: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } },
  required: ['regno'],
  additionalProperties: false,
} as const;

export const versionQuery = {
  type: 'object',
  properties: { version: { type: 'integer', minimum: 1 } },
  additionalProperties: false,
} as const;

/** `:id` of a numbered thing (submission, user, unit, token). */
export const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
  additionalProperties: false,
} as const;
