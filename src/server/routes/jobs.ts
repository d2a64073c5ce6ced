import type { FastifyInstance } from 'fastify';
import {
  auditOverview,
  centerStatistics,
  jobsOverview,
  readPolicy,
  replicationOverview,
  type Center,
} from '../../center/index.js';
import type { JobState } from '../../db/index.js';

const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string' },
    key: { type: 'string' },
    state: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
    attempts: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    runAfter: { type: 'string' },
    leaseOwner: { type: ['string', 'null'] },
    leaseExpiresAt: { type: ['string', 'null'] },
    lastError: { type: ['string', 'null'] },
    result: { type: ['object', 'null'], additionalProperties: true },
    createdAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
  },
} as const;

const findingSchema = {
  type: 'object',
  properties: {
    regno: { type: 'string' },
    version: { type: ['integer', 'null'] },
    at: { type: 'string' },
    detail: { type: 'object', additionalProperties: true },
  },
  additionalProperties: false,
} as const;

const targetSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['peer', 'storage'] },
    name: { type: 'string' },
    location: { type: 'string' },
    encryption: { type: 'string' },
    copies: { type: 'integer' },
    damaged: { type: 'integer' },
    bytes: { type: 'integer' },
  },
  additionalProperties: false,
} as const;

/** Background job state, audits and replication for operators and the dashboard. */
export function registerJobRoutes(app: FastifyInstance, center: Center): void {
  app.get(
    '/api/v1/statistics',
    {
      config: { access: 'read-statistics' },
      schema: {
        summary:
          '统计：登记量、单位类型与重点领域、副本健康、磁盘与进度（控制台首页）/ statistics for the dashboard: holdings, units, replica health, disk, progress',
        tags: ['operations'],
      },
    },
    async (request) => centerStatistics(center, request.actor),
  );
  app.get<{ Querystring: { state?: JobState; kind?: string; limit?: number } }>(
    '/api/v1/jobs',
    {
      config: { access: 'read-metrics' },
      schema: {
        summary: '后台任务状态 / background jobs: counts per state and the latest jobs',
        tags: ['operations'],
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
            kind: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              counts: {
                type: 'object',
                properties: {
                  queued: { type: 'integer' },
                  running: { type: 'integer' },
                  done: { type: 'integer' },
                  failed: { type: 'integer' },
                },
              },
              jobs: { type: 'array', items: jobSchema },
            },
          },
        },
      },
    },
    async (request) => jobsOverview(center, request.query),
  );
  app.get<{ Querystring: { days?: number } }>(
    '/api/v1/audits',
    {
      config: { access: 'read-metrics' },
      schema: {
        summary: '固定性巡检 / periodic fixity audits: coverage of the period and recent failures',
        tags: ['operations'],
        querystring: {
          type: 'object',
          properties: { days: { type: 'integer', minimum: 1, maximum: 3650 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              intervalDays: { type: 'integer' },
              registrations: { type: 'integer' },
              auditedInPeriod: { type: ['integer', 'null'] },
              overdue: { type: ['integer', 'null'] },
              findingsDays: { type: 'integer' },
              lastFindings: { type: 'array', items: findingSchema },
              replicaFindings: { type: 'array', items: findingSchema },
              repairs: {
                type: 'array',
                items: { ...findingSchema, properties: { ...findingSchema.properties, outcome: { type: 'string' } } },
              },
            },
            additionalProperties: false,
          },
        },
      },
    },
    async (request) => auditOverview(center, { findingsDays: request.query.days }),
  );
  app.get(
    '/api/v1/replication',
    {
      config: { access: 'read-metrics' },
      schema: {
        summary: '异地备份 / replication: each target with its copies, and the policy',
        tags: ['operations'],
        response: {
          200: {
            type: 'object',
            properties: {
              targets: { type: 'array', items: targetSchema },
              policy: {
                type: 'object',
                properties: {
                  default: { type: 'array', items: { type: 'string' } },
                  units: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
                },
              },
            },
            additionalProperties: false,
          },
        },
      },
    },
    async () => ({ ...(await replicationOverview(center)), policy: await readPolicy(center.db) }),
  );
}
