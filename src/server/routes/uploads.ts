import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  admitClassification,
  attachPackage,
  checkUnitLimits,
  createSubmission,
  deposit,
  depositUnitFor,
  selfCheckSubmission,
  submitSubmission,
  getRegistrationAs,
  requireDirectDeposit,
  type Center,
  type DepositResult,
} from '../../center/index.js';
import type { UserActor } from '../../auth/index.js';
import { failedItemIds, type CheckReport } from '../../checks/index.js';
import { ChecksFailedError, InvalidInputError, NotFoundError, YinjiError, isYinjiError } from '../../core/index.js';
import type { Submission } from '../../db/index.js';
import { userOf } from '../authentication.js';
import { statusFor } from '../errors.js';
import {
  createResumableUploads,
  formatUploadMetadata,
  OWNER_KEY,
  parseUploadMetadata,
  UPLOADS_PATH,
  type ResumableUploads,
} from '../tus-uploads.js';
import { depositResultSchema, errorSchema } from './schemas.js';

type MetadataText = (key: string) => string | undefined;
/** A registration, or, where the center reviews deposits, the submission now waiting for review. */
type UploadOutcome = DepositResult | { submission: Submission; checks: CheckReport | null };

/** tus ids are `crypto.randomBytes(16).toString('hex')`; anything else is not ours. */
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
  required: ['id'],
  additionalProperties: false,
} as const;

/**
 * Replace a request header before @tus/server sees it. It reads `rawHeaders`
 * (through srvx), so both views are changed, and every copy of the header:
 * a client must not smuggle a second one past us.
 */
function setRawHeader(request: FastifyRequest, name: string, value: string): void {
  const raw = request.raw.rawHeaders;
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== name) kept.push(raw[i]!, raw[i + 1]!);
  }
  kept.push(name, value);
  raw.splice(0, raw.length, ...kept);
  request.raw.headers[name] = value;
}

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
  /** The upload, if it is this account's; anyone else's (or none) is "not found". */
  const ownUpload = async (request: FastifyRequest, id: string) => {
    const upload = await uploads.store.getUpload(id).catch(() => undefined);
    if (upload === undefined || upload.metadata?.[OWNER_KEY] !== String(userOf(request).userId)) {
      throw new NotFoundError({ zh: `没有上传 ${id}`, en: `no upload ${id}` });
    }
    return upload;
  };
  const tusSchema = { summary: 'tus 1.0 断点续传 / tus 1.0 resumable upload', tags: ['uploads'] };
  // Creation: the server decides the unit and the owner, and checks the unit's limits before a byte is stored.
  app.post(UPLOADS_PATH, { config: { access: 'upload' }, schema: tusSchema }, async (request, reply) => {
    const actor = userOf(request);
    const metadata = parseUploadMetadata(request.headers['upload-metadata']?.toString() ?? '');
    if (metadata.has(OWNER_KEY)) {
      throw new InvalidInputError({
        zh: `上传元数据不能包含 ${OWNER_KEY}`,
        en: `upload metadata may not set ${OWNER_KEY}`,
      });
    }
    const to = metadata.get('to');
    const unit =
      to === undefined
        ? await depositUnitFor(center, actor, 'upload', metadata.get('unit'))
        : await getRegistrationAs(center, actor, 'deposit', to).then((reg) => center.db.units.getById(reg.unitId));
    if (unit === undefined) throw new NotFoundError({ zh: '单位不存在', en: 'unit does not exist' });
    // Refused before a byte is stored, as a direct deposit is (checked again at registration).
    if (to === undefined) admitClassification(center, metadata.get('classification'), actor);
    const length = Number(request.headers['upload-length']);
    if (Number.isFinite(length)) await checkUnitLimits(center, unit, length);
    metadata.set('unit', unit.code);
    metadata.set(OWNER_KEY, String(actor.userId));
    setRawHeader(request, 'upload-metadata', formatUploadMetadata(metadata));
    await tus(request, reply);
  });
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE'],
    url: `${UPLOADS_PATH}/:id`,
    config: { access: 'upload' },
    schema: { ...tusSchema, params: idParams },
    handler: async (request, reply) => {
      // @tus/server takes the upload id from the last '/' of the whole URL, query included: a query
      // could make it act on another upload than the one whose owner was checked here.
      if (request.url.includes('?')) {
        throw new InvalidInputError({
          zh: '断点续传请求不能带查询参数',
          en: 'resumable upload requests take no query string',
        });
      }
      await ownUpload(request, (request.params as { id: string }).id);
      await tus(request, reply);
    },
  });
  // tus discovery (Tus-Version, Tus-Extension, Tus-Max-Size): nothing about anybody's uploads.
  app.options(UPLOADS_PATH, { config: { access: 'none' }, schema: tusSchema }, tus);

  const registering = new Map<string, Promise<UploadOutcome>>();
  const resultFile = (id: string): string => join(uploads.resultsDirectory, `${id}.json`);

  /**
   * A unit's upload where the center reviews deposits: a submission, with the
   * self-check run, submitted for review (its package moves out of tus).
   */
  const keep = async (id: string, owner: number, outcome: UploadOutcome): Promise<void> => {
    const tmp = `${resultFile(id)}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ ...outcome, owner }), { flush: true });
    await rename(tmp, resultFile(id));
  };

  const submitUpload = async (actor: UserActor, id: string, size: number, text: MetadataText) => {
    const digest = text('digest');
    const created = await createSubmission(center, actor, {
      title: text('title') ?? text('filename') ?? '上传 upload',
      classification: text('classification'),
      declared: digest === undefined ? {} : { packageDigest: digest },
      carrier: { type: 'online' },
      ...(text('message') === undefined ? {} : { note: text('message') }),
    });
    const attached = await attachPackage(center, actor, created.id, join(uploads.directory, id), size);
    // The package now belongs to the submission: from here a repeated call answers with it (and the
    // unit carries on from its state), whatever happens next.
    await keep(id, actor.userId, { submission: attached, checks: null });
    await rm(join(uploads.directory, `${id}.json`), { force: true });
    const { report } = await selfCheckSubmission(center, actor, created.id);
    if (report.blocked) {
      throw new ChecksFailedError(failedItemIds(report), report, { submission: created.id });
    }
    const outcome = { submission: await submitSubmission(center, actor, created.id), checks: report };
    await keep(id, actor.userId, outcome);
    return outcome;
  };

  const register = async (request: FastifyRequest, id: string): Promise<UploadOutcome> => {
    const actor = userOf(request);
    const kept = await readFile(resultFile(id), 'utf8').catch(() => undefined);
    if (kept !== undefined) {
      const result = JSON.parse(kept) as UploadOutcome & { owner?: number };
      if (result.owner !== actor.userId) throw new NotFoundError({ zh: `没有上传 ${id}`, en: `no upload ${id}` });
      const { owner: _owner, ...rest } = result;
      return rest;
    }
    const upload = await ownUpload(request, id);
    if (upload.metadata?.to != null) requireDirectDeposit(center, actor);
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
    const text: MetadataText = (key) => meta[key] ?? undefined;
    const direct = !center.config.reviewRequired || actor.unitId === null;
    let result: UploadOutcome;
    try {
      result = direct
        ? await deposit(center, {
            source: join(uploads.directory, id),
            unit: text('unit'),
            title: text('title') ?? text('filename') ?? '上传 upload',
            message: text('message'),
            to: text('to'),
            agent: actor,
            classification: text('classification'),
            declared: text('digest') !== undefined ? { packageDigest: text('digest') } : {},
          })
        : await submitUpload(actor, id, upload.size, text);
    } catch (e) {
      // A refused package (wrong digest, failed checks, bad input) will be refused again: drop it.
      // A server-side failure (5xx) keeps it so the client can call register again.
      if (isYinjiError(e) && statusFor(e.code, e.name) < 500) await uploads.store.remove(id).catch(() => undefined);
      throw e;
    }
    await keep(id, actor.userId, result);
    await uploads.store.remove(id).catch(() => undefined);
    return result;
  };

  app.post<{ Params: { id: string } }>(
    `${UPLOADS_PATH}/:id/register`,
    {
      config: { access: 'deposit' },
      schema: {
        summary:
          '登记一个已完成的断点续传上传；中心要求审核时，单位的上传经自检后提交审核（202）/ register a completed resumable upload; where the center reviews deposits, a unit’s upload is self-checked and submitted for review instead (202)',
        tags: ['uploads'],
        params: idParams,
        response: {
          200: depositResultSchema,
          202: {
            type: 'object',
            properties: {
              submission: { type: 'object', additionalProperties: true },
              checks: { anyOf: [{ $ref: 'checkReport#' }, { type: 'null' }] },
            },
          },
          '4xx': errorSchema,
          '5xx': errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // Concurrent calls for one upload share one deposit (a client retrying after a timeout).
      // Keyed by account too: someone else's call for the same id must not share this one's answer.
      const key = `${userOf(request).userId}:${id}`;
      const running = registering.get(key) ?? register(request, id).finally(() => registering.delete(key));
      registering.set(key, running);
      const outcome = await running;
      return reply.status('submission' in outcome ? 202 : 200).send(outcome);
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
