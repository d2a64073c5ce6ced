import type { FastifyInstance } from 'fastify';
import { validateCenterStore, type Center } from '../../center/index.js';

export function registerStoreRoutes(app: FastifyInstance, center: Center): void {
  app.get<{ Querystring: { fixity?: boolean } }>(
    '/api/v1/store/validation',
    {
      config: { access: 'manage-storage' },
      schema: {
        summary: '按 OCFL 1.1 校验长期保存库 / validate the preservation store against OCFL 1.1',
        tags: ['store'],
        querystring: {
          type: 'object',
          properties: { fixity: { type: 'boolean', default: true } },
          additionalProperties: false,
        },
      },
    },
    async (request) => validateCenterStore(center, { fixity: request.query.fixity ?? true }),
  );
}
