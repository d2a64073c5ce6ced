/**
 * The console's API client against the server's OpenAPI document (issue 9
 * item 1: "typed API client … checked against the OpenAPI document"): every
 * route the console calls exists with that method, and takes the query
 * fields the console sends. A renamed route fails here, not in an archivist's
 * browser.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Center } from '../../src/center/index.js';
import { buildApp } from '../../src/server/app.js';
import { ENDPOINTS, QUERY_FIELDS, type Endpoint } from '../../web/src/endpoints.js';

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
}

describe('the console API client and the OpenAPI document', () => {
  let tmp: string;
  let center: Center;
  let doc: OpenApi;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-contract-'));
    center = await Center.open({ dataDir: join(tmp, 'data') });
    const app = await buildApp(center, { logger: false });
    doc = (await app.inject({ url: '/openapi.json' })).json<OpenApi>();
    await app.close();
  });

  afterAll(async () => {
    await center?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it.each(Object.keys(ENDPOINTS) as Endpoint[])(
    '%s is a documented route with the fields the console sends',
    (name) => {
      const [method, path] = ENDPOINTS[name];
      const operation = doc.paths[path]?.[method.toLowerCase()];
      expect(operation, `${method} ${path}`).toBeDefined();
      const documented = (operation!.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      for (const field of QUERY_FIELDS[name] ?? []) expect(documented, `${path}?${field}`).toContain(field);
    },
  );
});
