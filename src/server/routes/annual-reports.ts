import type { FastifyInstance } from 'fastify';
import {
  annualReportOverview,
  checkAnnualReportForm,
  getAnnualReport,
  saveAnnualReport,
  submitAnnualReport,
  type Center,
} from '../../center/index.js';
import { userOf } from '../authentication.js';
import { errorSchema } from './schemas.js';

const yearParams = {
  type: 'object',
  properties: { year: { type: 'integer', minimum: 2000, maximum: 2100 } },
  required: ['year'],
  additionalProperties: false,
} as const;

/** 年度报送: each unit's yearly report on its archive management (center/annual-reports.ts). */
export function registerAnnualReportRoutes(app: FastifyInstance, center: Center): void {
  app.get<{ Params: { year: number } }>(
    '/api/v1/annual-reports/:year',
    {
      config: { access: 'annual-report.read' },
      schema: {
        summary: '各单位年度报送情况 / which units have reported for a year',
        tags: ['annual-reports'],
        params: yearParams,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => ({ items: await annualReportOverview(center, userOf(request), request.params.year) }),
  );

  app.get<{ Params: { year: number; unitId: number } }>(
    '/api/v1/annual-reports/:year/units/:unitId',
    {
      config: { access: 'annual-report.read' },
      schema: {
        summary: '某单位的年度报送表 / one unit’s annual report',
        tags: ['annual-reports'],
        params: {
          type: 'object',
          properties: { ...yearParams.properties, unitId: { type: 'integer', minimum: 1 } },
          required: ['year', 'unitId'],
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => getAnnualReport(center, userOf(request), request.params),
  );

  app.put<{ Params: { year: number }; Body: { form: unknown } }>(
    '/api/v1/annual-reports/:year',
    {
      config: { access: 'annual-report.submit' },
      schema: {
        summary: '保存本单位的年度报送表（草稿）/ save your unit’s annual report (draft)',
        tags: ['annual-reports'],
        params: yearParams,
        // The form's fields are checked by checkAnnualReportForm, which names an unknown one.
        body: {
          type: 'object',
          required: ['form'],
          properties: { form: { type: 'object' } },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) =>
      saveAnnualReport(center, userOf(request), {
        year: request.params.year,
        form: checkAnnualReportForm(request.body.form),
      }),
  );

  app.post<{ Params: { year: number } }>(
    '/api/v1/annual-reports/:year/submit',
    {
      config: { access: 'annual-report.submit' },
      schema: {
        summary: '提交本单位的年度报送表 / submit your unit’s annual report',
        tags: ['annual-reports'],
        params: yearParams,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => submitAnnualReport(center, userOf(request), request.params.year),
  );
}
