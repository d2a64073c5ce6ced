import type { FastifyInstance } from 'fastify';
import {
  ASSIGNABLE_ROLES,
  assignRole,
  CLASSIFICATIONS,
  createUser,
  registerUnit,
  revokeRole,
  setUnitLimits,
  setUserDisabled,
  UNIT_DOMAINS,
  UNIT_TYPES,
  type AssignableRole,
  type NewUnitInput,
  type NewUserInput,
} from '../../auth/index.js';
import { redactedConfig, verifyCenterAuditLog, type Center } from '../../center/index.js';
import type { UserRecord } from '../../db/index.js';
import { userOf } from '../authentication.js';
import { errorSchema, idParams } from './schemas.js';

const roleParams = {
  type: 'object',
  properties: { ...idParams.properties, role: { type: 'string', enum: ASSIGNABLE_ROLES } },
  required: ['id', 'role'],
  additionalProperties: false,
} as const;

const limitValue = { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] } as const;

/** An account as the security administrator sees it: never its password hash. */
function publicUser({ passwordHash, ...user }: UserRecord) {
  return { ...user, signsInWithPassword: passwordHash !== null };
}

/**
 * The three administrators' work over HTTP (三员): the security administrator
 * registers units and manages accounts and roles; the system administrator
 * reads the configuration and sets units' limits; the security auditor reads
 * and verifies the audit log. Every change is audited in its transaction
 * (auth/users.ts, auth/units.ts).
 */
export function registerAdministrationRoutes(app: FastifyInstance, center: Center): void {
  app.get(
    '/api/v1/units',
    {
      config: { access: 'manage-units' },
      schema: { summary: '单位列表 / units', tags: ['administration'], response: { '4xx': errorSchema } },
    },
    async () => ({ items: await center.db.units.list() }),
  );

  app.post<{ Body: NewUnitInput }>(
    '/api/v1/units',
    {
      config: { access: 'manage-units' },
      schema: {
        summary: '登记单位（统一社会信用代码）/ register a unit (unified social credit code)',
        tags: ['administration'],
        body: {
          type: 'object',
          required: ['name', 'creditCode', 'unitType'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            creditCode: { type: 'string', minLength: 18, maxLength: 18 },
            unitType: { type: 'string', enum: UNIT_TYPES },
            domain: { type: 'string', enum: UNIT_DOMAINS },
            code: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
          },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => registerUnit(center, userOf(request), request.body),
  );

  app.put<{ Params: { id: number }; Body: { maxPackageBytes?: number | null; quotaBytes?: number | null } }>(
    '/api/v1/units/:id/limits',
    {
      config: { access: 'change-config' },
      schema: {
        summary: '设置单位的单包上限与存储配额 / set a unit’s package limit and storage quota',
        tags: ['administration'],
        params: idParams,
        body: {
          type: 'object',
          properties: { maxPackageBytes: limitValue, quotaBytes: limitValue },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => setUnitLimits(center, userOf(request), request.params.id, request.body),
  );

  app.get<{ Querystring: { unitId?: number } }>(
    '/api/v1/users',
    {
      config: { access: 'list-users' },
      schema: {
        summary: '账号列表 / accounts',
        tags: ['administration'],
        querystring: {
          type: 'object',
          properties: { unitId: { type: 'integer', minimum: 1 } },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => ({
      items: (await center.db.users.list({ unitId: request.query.unitId ?? null })).map(publicUser),
    }),
  );

  app.post<{ Body: NewUserInput }>(
    '/api/v1/users',
    {
      config: { access: 'manage-users' },
      schema: {
        summary: '新建账号 / create an account',
        tags: ['administration'],
        body: {
          type: 'object',
          required: ['username'],
          properties: {
            username: { type: 'string', minLength: 2, maxLength: 64 },
            displayName: { type: 'string', minLength: 1, maxLength: 100 },
            unitId: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            clearance: { type: 'string', enum: CLASSIFICATIONS },
            roles: { type: 'array', maxItems: 10, items: { type: 'string', enum: ASSIGNABLE_ROLES } },
          },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => publicUser(await createUser(center, userOf(request), request.body)),
  );

  app.put<{ Params: { id: number; role: AssignableRole } }>(
    '/api/v1/users/:id/roles/:role',
    {
      config: { access: 'assign-roles' },
      schema: {
        summary: '授予角色 / grant a role',
        tags: ['administration'],
        params: roleParams,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => publicUser(await assignRole(center, userOf(request), request.params.id, request.params.role)),
  );

  app.delete<{ Params: { id: number; role: AssignableRole } }>(
    '/api/v1/users/:id/roles/:role',
    {
      config: { access: 'assign-roles' },
      schema: {
        summary: '收回角色 / revoke a role',
        tags: ['administration'],
        params: roleParams,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => ({
      revoked: await revokeRole(center, userOf(request), request.params.id, request.params.role),
    }),
  );

  app.put<{ Params: { id: number }; Body: { disabled: boolean } }>(
    '/api/v1/users/:id/disabled',
    {
      config: { access: 'manage-users' },
      schema: {
        summary: '停用或启用账号 / disable or enable an account',
        tags: ['administration'],
        params: idParams,
        body: {
          type: 'object',
          required: ['disabled'],
          properties: { disabled: { type: 'boolean' } },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      await setUserDisabled(center, userOf(request), request.params.id, request.body.disabled);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/config',
    {
      config: { access: 'read-config' },
      schema: { summary: '中心配置 / the center’s configuration', tags: ['administration'] },
    },
    async () => redactedConfig(center),
  );

  app.get<{ Querystring: { limit?: number; from?: number } }>(
    '/api/v1/audit-log',
    {
      config: { access: 'read-audit-log' },
      schema: {
        summary: '安全审计日志（最新在前）/ the security audit log, newest first',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
            from: { type: 'integer', minimum: 1 },
          },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => ({
      items: await center.db.auditLog.list({
        limit: request.query.limit,
        ...(request.query.from === undefined ? { newestFirst: true } : { from: request.query.from }),
      }),
    }),
  );

  app.get(
    '/api/v1/audit-log/verification',
    {
      config: { access: 'verify-audit-log' },
      schema: {
        summary: '核验审计日志的哈希链与锚定 / verify the audit log’s hash chain and anchors',
        tags: ['audit'],
        response: { '4xx': errorSchema },
      },
    },
    async () => verifyCenterAuditLog(center),
  );
}
