import type { FastifyInstance } from 'fastify';
import { getRegistrationAs, registrationChecks, type Center } from '../../center/index.js';
import { renderReportHtml, type CheckReport } from '../../checks/index.js';
import { NotFoundError } from '../../core/index.js';
import { errorSchema, regnoParams } from './schemas.js';

/** Four-properties check reports of a registration: JSON for programs, printable HTML for people. */
export function registerCheckRoutes(app: FastifyInstance, center: Center): void {
  app.get<{ Params: { regno: string }; Querystring: { version?: number; format?: 'json' | 'html' } }>(
    '/api/v1/registrations/:regno/checks',
    {
      config: { access: 'registration.show' },
      schema: {
        summary: '四性检测报告 / four-properties check reports of a registration version',
        tags: ['checks'],
        params: regnoParams,
        querystring: {
          type: 'object',
          properties: {
            version: { type: 'integer', minimum: 1 },
            format: { type: 'string', enum: ['json', 'html'], default: 'json' },
          },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const reg = await getRegistrationAs(center, request.actor, 'registration.show', request.params.regno);
      const checks = await registrationChecks(center, reg.regno, request.query.version);
      if (request.query.format !== 'html') return checks;
      const latest = checks.reports.at(-1);
      if (latest === undefined) {
        throw new NotFoundError({
          zh: `${checks.regno} 第 ${checks.version} 版没有检测报告`,
          en: `${checks.regno} v${checks.version} has no check report`,
        });
      }
      const html = renderReportHtml(latest.report as unknown as CheckReport, {
        centerName: center.config.centerName,
        regno: checks.regno,
        version: checks.version,
      });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );
}
