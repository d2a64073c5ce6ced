import type { FastifyInstance } from 'fastify';
import { catalogAccessOf, searchCenterCatalog, type Center } from '../../center/index.js';
import { catalogFilters } from '../../catalog/index.js';

interface SearchQuerystring {
  q?: string;
  unit?: string;
  fonds?: string;
  category?: string;
  yearFrom?: number;
  yearTo?: number;
  retention?: string;
  openStatus?: 'open' | 'controlled';
  limit?: number;
  offset?: number;
  facets?: boolean;
}

/** Catalog search: the public sees open entries, a unit's users also their unit's, center staff everything. */
export function registerCatalogRoutes(app: FastifyInstance, center: Center): void {
  app.get<{ Querystring: SearchQuerystring }>(
    '/api/v1/search',
    {
      config: { access: 'open-catalog' },
      schema: {
        summary: '检索目录与全文 / search the catalog and full text',
        description:
          '中文检索词无需空格；"…" 精确短语；题名:、档号:、责任者:、全文: 指定字段。/ Chinese queries need no spaces; "…" for an exact phrase; 题名:, 档号:, 责任者:, 全文: for one field.',
        tags: ['catalog'],
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 200, default: '' },
            unit: { type: 'string', maxLength: 64 },
            fonds: { type: 'string', maxLength: 64 },
            category: { type: 'string', maxLength: 16 },
            yearFrom: { type: 'integer', minimum: 1000, maximum: 2999 },
            yearTo: { type: 'integer', minimum: 1000, maximum: 2999 },
            retention: { type: 'string', maxLength: 16 },
            openStatus: { type: 'string', enum: ['open', 'controlled'] },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
            offset: { type: 'integer', minimum: 0, maximum: 10000, default: 0 },
            facets: { type: 'boolean', default: true },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const filters = catalogFilters(q);
      const result = await searchCenterCatalog(center, {
        query: q.q ?? '',
        filters,
        access: await catalogAccessOf(center, request.actor),
        limit: q.limit ?? 10,
        offset: q.offset ?? 0,
        facets: q.facets ?? true,
      });
      return { ...result, hits: result.hits.map(({ entry: _entry, ...hit }) => hit) };
    },
  );
}
