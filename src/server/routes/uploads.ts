import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deposit, type Center, type DepositResult } from '../../center/index.js';
import { NotFoundError, YinjiError, isYinjiError } from '../../core/index.js';
import { statusFor } from '../errors.js';
import { createResumableUploads, UPLOADS_PATH, type ResumableUploads } from '../tus-uploads.js';
import { depositResultSchema, errorSchema } from './schemas.js';

/** tus ids are `crypto.randomBytes(16).toString('hex')`; anything else is not ours. */
const ID_PATTERN = '^[0-9a-f]{32}$';

/**
 * Resumable uploads (断点续传) over tus 1.0 (https://tus.io/protocols/resumable-upload):
 * `POST /api/v1/uploads` creates an upload (Upload-Length, Upload-Metadata: unit, unitName, title, to,
 * message, digest), `HEAD`/`PATCH /api/v1/uploads/<id>` report the offset and append bytes, `DELETE`
 * abandons it. `POST /api/v1/uploads/<id>/register` then registers the completed upload exactly as
 * `POST /api/v1/registrations` does, and removes it. Registering twice answers the first result.
 */
export async function registerUploadRoutes(app: FastifyInstance, center: Center): Promise<ResumableUploads> {
  const uploads = await createResumableUploads(center);

  // tus PATCH bodies reach @tus/server as the untouched raw request stream (no parser, no body limit:
  // the tus server enforces Upload-Length and maxUploadBytes itself).
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
  const tus = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // The tus server writes the response itself: Fastify must not send one too.
    reply.hijack();
    await uploads.server.handle(request.raw, reply.raw);
  };
  const tusSchema = { summary: 'tus 1.0 断点续传 / tus 1.0 resumable upload', tags: ['uploads'] };
  app.route({ method: ['POST', 'OPTIONS'], url: UPLOADS_PATH, schema: tusSchema, handler: tus });
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
    url: `${UPLOADS_PATH}/:id`,
    schema: tusSchema,
    handler: tus,
  });

  const registering = new Map<string, Promise<DepositResult>>();
  const resultFile = (id: string): string => join(uploads.resultsDirectory, `${id}.json`);

  const register = async (id: string): Promise<DepositResult> => {
    const kept = await readFile(resultFile(id), 'utf8').catch(() => undefined);
    if (kept !== undefined) return JSON.parse(kept) as DepositResult;
    const upload = await uploads.store.getUpload(id).catch((e: unknown) => {
      throw new NotFoundError({ zh: `没有上传 ${id}`, en: `no upload ${id}` }, { cause: e });
    });
    if (upload.size === undefined || upload.offset !== upload.size) {
      throw new YinjiError(
        'E_UPLOAD_INCOMPLETE',
        {
          zh: `上传 ${id} 尚未完成（已收到 ${upload.offset}/${upload.size ?? '?'} 字节），请续传后再登记`,
          en: `upload ${id} is not complete (${upload.offset} of ${upload.size ?? '?'} bytes received): resume it, then register`,
        },
        { details: { offset: upload.offset, size: upload.size } },
      );
    }
    const meta = upload.metadata ?? {};
    const text = (key: string): string | undefined => meta[key] ?? undefined;
    let result: DepositResult;
    try {
      result = await deposit(center, {
        source: join(uploads.directory, id),
        unit: text('unit'),
        unitName: text('unitName'),
        title: text('title') ?? text('filename') ?? '上传 upload',
        message: text('message'),
        to: text('to'),
        agent: text('unit'),
        declared: text('digest') !== undefined ? { packageDigest: text('digest') } : {},
      });
    } catch (e) {
      // A refused package (wrong digest, failed checks, bad input) will be refused again: drop it.
      // A server-side failure (5xx) keeps it so the client can call register again.
      if (isYinjiError(e) && statusFor(e.code, e.name) < 500) await uploads.store.remove(id).catch(() => undefined);
      throw e;
    }
    const tmp = `${resultFile(id)}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(result), { flush: true });
    await rename(tmp, resultFile(id));
    await uploads.store.remove(id).catch(() => undefined);
    return result;
  };

  app.post<{ Params: { id: string } }>(
    `${UPLOADS_PATH}/:id/register`,
    {
      schema: {
        summary: '登记一个已完成的断点续传上传 / register a completed resumable upload',
        tags: ['uploads'],
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: ID_PATTERN } },
          required: ['id'],
          additionalProperties: false,
        },
        response: { 200: depositResultSchema, '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      // Concurrent calls for one upload share one deposit (a client retrying after a timeout).
      const running = registering.get(id) ?? register(id).finally(() => registering.delete(id));
      registering.set(id, running);
      return running;
    },
  );

  const sweep = (): void => {
    uploads.expire().then(
      (ids) => {
        if (ids.length > 0) app.log.info({ ids }, 'expired resumable uploads removed');
      },
      (e: unknown) => app.log.warn({ err: e }, 'expiring resumable uploads failed'),
    );
  };
  const hours = center.config.uploadExpiryHours;
  const timer = hours > 0 ? setInterval(sweep, Math.min(hours * 3600_000, 3600_000) / 4) : undefined;
  timer?.unref();
  app.addHook('onReady', async () => sweep());
  app.addHook('onClose', async () => clearInterval(timer));
  return uploads;
}
