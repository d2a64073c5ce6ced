import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isYinjiError, type Lang } from '../core/index.js';

/**
 * The one place that knows HTTP status codes (DESIGN.md "Errors"): a
 * YinjiError's stable code picks the status; the body carries the code and
 * the message in the language the client asked for (Accept-Language).
 */
const STATUS_BY_CODE: Record<string, number> = {
  E_INVALID_INPUT: 400,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_UNAUTHENTICATED: 401,
  E_FORBIDDEN: 403,
  E_CSRF: 403,
  E_RATE_LIMITED: 429,
  E_ROLE_CONFLICT: 409,
  E_BUSY: 409,
  E_STORAGE_FULL: 507,
  E_DB_OPEN: 503,
  E_NOTE_INVALID: 422,
  E_CHECKS_FAILED: 422,
  E_TSA_UNAVAILABLE: 502,
  E_CLAMD_UNAVAILABLE: 503,
  E_CLAMD_PROTOCOL: 502,
  E_TSA_REJECTED: 502,
  E_TSA_BAD_RESPONSE: 502,
  E_UPLOAD_TOO_LARGE: 413,
  E_QUOTA_EXCEEDED: 413,
  E_UPLOAD_INCOMPLETE: 409,
  E_DIGEST_MISMATCH: 422,
  E_WATERMARK: 422,
  E_PEER_AUTH: 401,
  E_PEER_UNAVAILABLE: 502,
  E_REPLICA_DECRYPT: 422,
  E_WITNESS_BAD_REQUEST: 400,
  E_WITNESS_CONFLICT: 409,
};

export function statusFor(code: string, name: string): number {
  return STATUS_BY_CODE[code] ?? (name === 'PackageError' ? 422 : 500);
}

export function langOf(request: FastifyRequest): Lang {
  const header = request.headers['accept-language'] ?? 'zh';
  return /^\s*en/i.test(header) ? 'en' : 'zh';
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const lang = langOf(request);
  if (isYinjiError(error)) {
    const status = statusFor(error.code, error.name);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    // An upload refused part-way: do not read the rest of it.
    if (status === 413) void reply.header('connection', 'close');
    void reply.status(status).send({ error: { code: error.code, message: error.text(lang), details: error.details } });
    return;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    // Name what was wrong, e.g. the unknown field, so the caller can fix it without reading the schema.
    const problems = fastifyError.validation.map((v) => {
      const extra = (v.params as { additionalProperty?: unknown } | undefined)?.additionalProperty;
      const at = `${fastifyError.validationContext ?? ''}${v.instancePath}`;
      return extra === undefined ? `${at} ${v.message ?? v.keyword}` : `${at}: unknown field ${JSON.stringify(extra)}`;
    });
    void reply.status(400).send({
      error: {
        code: 'E_INVALID_INPUT',
        message: `${lang === 'zh' ? '输入不符合接口要求：' : 'invalid input: '}${problems.join('; ')}`,
        details: { problems },
      },
    });
    return;
  }
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
    void reply
      .status(fastifyError.statusCode ?? 400)
      .send({ error: { code: 'E_INVALID_INPUT', message: error.message, details: {} } });
    return;
  }
  request.log.error({ err: error }, 'internal error');
  void reply.status(500).send({
    error: { code: 'E_INTERNAL', message: lang === 'zh' ? '内部错误' : 'internal error', details: {} },
  });
}
