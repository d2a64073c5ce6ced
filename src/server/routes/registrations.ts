import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import {
  exportBag,
  getRegistrationAs,
  listRegistrationsAs,
  openRegisteredFile,
  recordAudit,
  auditActor,
  resolveVersion,
  stagingPath,
  type Center,
  replicasOf,
} from '../../center/index.js';
import { userOf } from '../authentication.js';
import { errorSchema, fileSchema, registrationSchema, regnoParams, versionQuery } from './schemas.js';

type RegnoParams = { regno: string };
type VersionQuery = { version?: number };

export function registerRegistrationRoutes(app: FastifyInstance, center: Center): void {
  app.get<{ Querystring: { unit?: string; limit?: number; offset?: number } }>(
    '/api/v1/registrations',
    {
      config: { access: 'registration.list' },
      schema: {
        summary: '列出登记 / list registrations',
        tags: ['registrations'],
        querystring: {
          type: 'object',
          properties: {
            unit: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: registrationSchema }, total: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => listRegistrationsAs(center, request.actor, request.query),
  );

  app.get<{ Params: RegnoParams }>(
    '/api/v1/registrations/:regno',
    {
      config: { access: 'registration.show' },
      schema: {
        summary: '登记详情及版本 / a registration and its versions',
        tags: ['registrations'],
        params: regnoParams,
        response: {
          200: {
            type: 'object',
            properties: {
              ...registrationSchema.properties,
              versions: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const reg = await getRegistrationAs(center, request.actor, 'registration.show', request.params.regno);
      return { ...reg, versions: await center.db.registrations.versions(reg.regno) };
    },
  );

  app.get<{ Params: RegnoParams }>(
    '/api/v1/registrations/:regno/replicas',
    {
      config: { access: 'registration.show' },
      schema: {
        summary: '副本状态 / the copies of a registration at each replica target, with their last audit',
        tags: ['registrations'],
        params: regnoParams,
        response: {
          200: {
            type: 'object',
            properties: {
              regno: { type: 'string' },
              headVersion: { type: 'integer' },
              replicas: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const reg = await getRegistrationAs(center, request.actor, 'registration.show', request.params.regno);
      return replicasOf(center, reg.regno);
    },
  );

  app.get<{ Params: RegnoParams; Querystring: VersionQuery }>(
    '/api/v1/registrations/:regno/files',
    {
      config: { access: 'registration.show' },
      schema: {
        summary: '某版本的文件清单 / files of a version',
        tags: ['registrations'],
        params: regnoParams,
        querystring: versionQuery,
        response: {
          200: {
            type: 'object',
            properties: { version: { type: 'integer' }, files: { type: 'array', items: fileSchema } },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const reg = await getRegistrationAs(center, request.actor, 'registration.show', request.params.regno);
      const version = resolveVersion(reg, request.query.version);
      return { version, files: await center.db.registrations.versionFiles(reg.regno, version) };
    },
  );

  app.get<{ Params: RegnoParams & { '*': string }; Querystring: VersionQuery }>(
    '/api/v1/registrations/:regno/files/*',
    {
      config: { access: 'registration.restore' },
      schema: {
        summary: '下载一个登记文件 / download a registered file',
        tags: ['registrations'],
        params: {
          type: 'object',
          properties: { ...regnoParams.properties, '*': { type: 'string', maxLength: 4096 } },
          additionalProperties: false,
        },
        querystring: versionQuery,
      },
    },
    async (request, reply) => {
      const reg = await getRegistrationAs(center, request.actor, 'registration.restore', request.params.regno);
      const file = await openRegisteredFile(center, reg.regno, request.params['*'], request.query.version);
      await recordAudit(center, {
        ...auditActor(userOf(request)),
        action: 'download',
        target: reg.regno,
        outcome: 'success',
        detail: { version: request.query.version ?? reg.headVersion, path: request.params['*'], bytes: file.size },
      });
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', file.size)
        .header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`)
        .send(file.stream);
    },
  );

  app.get<{ Params: RegnoParams; Querystring: VersionQuery }>(
    '/api/v1/registrations/:regno/bag',
    {
      config: { access: 'registration.export' },
      schema: {
        summary: '以 BagIt 包（zip）导出 / export as a zipped BagIt bag',
        tags: ['registrations'],
        params: regnoParams,
        querystring: versionQuery,
      },
    },
    async (request, reply) => {
      const reg = await getRegistrationAs(center, request.actor, 'registration.export', request.params.regno);
      const zip = stagingPath(center.config.stagingDir, 'export', '.zip');
      const result = await exportBag(center, {
        regno: reg.regno,
        version: request.query.version,
        dest: zip,
        agent: userOf(request),
      });
      const stream = createReadStream(zip);
      stream.once('close', () => void rm(zip, { force: true }));
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${result.regno}-v${result.version}.zip"`)
        .send(stream);
    },
  );
}
