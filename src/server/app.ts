import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Center } from '../center/index.js';
import { registerAuthentication, type RouteAccess } from './authentication.js';
import { registerConsole } from './console.js';
import { errorHandler } from './errors.js';
import { registerHardening } from './hardening.js';
import { registerAdministrationRoutes } from './routes/administration.js';
import { registerAnnualReportRoutes } from './routes/annual-reports.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerCheckRoutes } from './routes/checks.js';
import { registerDepositRoutes } from './routes/deposits.js';
import { registerEvidenceRoutes } from './routes/evidence.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerPeerRoutes } from './routes/peer.js';
import { registerPeerAuthentication } from './peer-authentication.js';
import { registerRegistrationRoutes } from './routes/registrations.js';
import { registerSessionRoutes } from './routes/session.js';
import { UPLOAD_MARK, UPLOAD_TYPES, uploadBodySchema } from './routes/schemas.js';
import { registerStoreRoutes } from './routes/store.js';
import { registerSubmissionRoutes } from './routes/submissions.js';
import { registerUploadRoutes } from './routes/uploads.js';

/** One route as registered: what the access test (src/server/access.test.ts) walks. */
export interface RouteSummary {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess | undefined;
  /** The query string schema refuses unknown fields. */
  readonly strictQuery: boolean;
}

const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app, in registration order. */
    readonly routeTable: readonly RouteSummary[];
  }
}

export interface AppOptions {
  /** pino logger options, or false for none (tests). Default: info level to stdout. */
  readonly logger?: boolean | { level: string };
  /** A pino logger to use instead (`yinji serve` shares one with the center's background work). */
  readonly loggerInstance?: FastifyBaseLogger;
}

export async function buildApp(center: Center, options: AppOptions = {}): Promise<FastifyInstance> {
  const common = {
    // Unknown fields are refused (every schema says additionalProperties: false), never silently dropped.
    ajv: { customOptions: { removeAdditional: false as const } },
    // X-Forwarded-For is believed from the configured reverse proxies only (docs/deploy.md).
    trustProxy: [...center.config.trustedProxies],
  };
  const app =
    options.loggerInstance !== undefined
      ? Fastify({ ...common, loggerInstance: options.loggerInstance })
      : Fastify({ ...common, logger: options.logger ?? { level: 'info' } });
  app.setErrorHandler(errorHandler);
  const routes: RouteSummary[] = [];
  app.addHook('onRoute', (route) => {
    // A route that takes no query still refuses one: unknown input is an error everywhere.
    route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NO_QUERY };
    const querystring = route.schema.querystring as { additionalProperties?: unknown };
    for (const method of [route.method].flat()) {
      routes.push({
        method,
        url: route.url,
        access: route.config?.access,
        strictQuery: querystring.additionalProperties === false,
      });
    }
  });
  app.decorate('routeTable', routes);
  await registerAuthentication(app, center);
  registerPeerAuthentication(app, center);
  await registerHardening(app, center);
  // Deposit uploads reach the route as the raw request stream: never buffered.
  app.addContentTypeParser(UPLOAD_TYPES, (_request, payload, done) => done(null, payload));
  await app.register(swagger, {
    transform: ({ schema, url }) => ({
      schema: schema !== undefined && UPLOAD_MARK in schema ? { ...schema, body: uploadBodySchema } : schema,
      url,
    }),
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Yinji 印记 API',
        description: '电子文件和数字档案登记备份中心 / registration and backup center for electronic records',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          token: { type: 'http', scheme: 'bearer', description: 'API token yj_… (POST /api/v1/tokens, yinji login)' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'yinji_session',
            description: 'browser session (POST /api/v1/session); state changes also need X-CSRF-Token',
          },
        },
      },
      security: [{ token: [] }, { session: [] }],
    },
  });
  const open = { access: 'none' } as const;
  app.get('/openapi.json', { config: open, schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { config: open, schema: { hide: true } }, async () => ({
    status: 'ok',
    center: center.config.centerId,
  }));
  registerSessionRoutes(app, center);
  registerAdministrationRoutes(app, center);
  registerRegistrationRoutes(app, center);
  registerDepositRoutes(app, center);
  await registerUploadRoutes(app, center);
  registerStoreRoutes(app, center);
  registerEvidenceRoutes(app, center);
  registerJobRoutes(app, center);
  registerCheckRoutes(app, center);
  registerCatalogRoutes(app, center);
  registerSubmissionRoutes(app, center);
  registerAnnualReportRoutes(app, center);
  registerPeerRoutes(app, center);
  await registerConsole(app);
  return app;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startServer(
  center: Center,
  listen: { host: string; port: number },
  options: AppOptions = {},
): Promise<RunningServer> {
  const app = await buildApp(center, options);
  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listen.port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return { url: `http://${host}:${port}/`, close: () => app.close() };
}
