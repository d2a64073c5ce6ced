import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import { Center, deposit, importUnitCatalog, runDueJobs } from '../center/index.js';
import { buildApp } from './app.js';
import { injectAs, type Inject } from './test-support/inject.js';

const databases = withTestDatabases();

for (const dialect of TEST_DIALECTS) {
  describe(`GET /api/v1/search on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let app: FastifyInstance;
    let anonymous: Inject;
    let operator: Inject;
    let ownUnit: Inject;
    let otherUnit: Inject;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-search-http-${dialect}-`));
      center = await Center.open({ dataDir: join(tmp, 'data'), config: { database: await databases.fresh(dialect) } });
      app = await buildApp(center, { logger: false });
      const u1 = await testUnit(center.db, '330100');
      const u2 = await testUnit(center.db, '330200');
      const csv = join(tmp, 'catalog.csv');
      await writeFile(
        csv,
        '档号,题名,开放状态\nJ001-WS·2020-Y-0001,社会保险基金管理办法,开放\nJ001-WS·2020-Y-0002,社会保险基金审计报告,控制\n',
      );
      await importUnitCatalog(center, { file: csv, unit: '330100' });
      anonymous = injectAs(app, undefined);
      operator = injectAs(app, await testAccount(center, { username: 'op', roles: ['operator'] }));
      ownUnit = injectAs(app, await testAccount(center, { username: 'd1', roles: ['depositor'], unit: u1 }));
      otherUnit = injectAs(app, await testAccount(center, { username: 'd2', roles: ['depositor'], unit: u2 }));
    });

    afterAll(async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    const titles = async (as: Inject, query: string): Promise<string[]> => {
      const res = await as({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(query)}` });
      expect(res.statusCode, res.body).toBe(200);
      return res
        .json<{ hits: Array<{ title: string }> }>()
        .hits.map((h) => h.title)
        .sort();
    };

    it('shows the public and other units the open entry only, the owning unit and staff both', async () => {
      expect(await titles(anonymous, '社会保险基金')).toEqual(['社会保险基金管理办法']);
      expect(await titles(otherUnit, '社会保险基金')).toEqual(['社会保险基金管理办法']);
      expect(await titles(ownUnit, '社会保险基金')).toEqual(['社会保险基金审计报告', '社会保险基金管理办法']);
      expect(await titles(operator, '社会保险基金')).toEqual(['社会保险基金审计报告', '社会保险基金管理办法']);
      const res = await anonymous({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent('审计报告')}` });
      const body = res.json<{ total: number; hits: unknown[]; facets: unknown }>();
      expect(body).toMatchObject({ total: 0, hits: [] });
      expect(JSON.stringify(body.facets)).not.toContain('J001');
    });

    it('applies the filters given in the query string', async () => {
      const url = (extra: string): string => `/api/v1/search?q=${encodeURIComponent('社会保险基金')}&${extra}`;
      const controlled = await operator({ method: 'GET', url: url('openStatus=controlled&fonds=J001&unit=330100') });
      expect(controlled.json<{ hits: Array<{ title: string }> }>().hits.map((h) => h.title)).toEqual([
        '社会保险基金审计报告',
      ]);
      const later = await operator({ method: 'GET', url: url('yearFrom=2021') });
      expect(later.json<{ total: number }>().total).toBe(0);
    });

    it('serves a controlled entry to another unit only after an operator approves its access request', async () => {
      const hits = await operator({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent('审计报告')}` });
      const id = hits.json<{ hits: Array<{ id: number }> }>().hits[0]!.id;
      const read = (as: Inject) => as({ method: 'GET', url: `/api/v1/catalog/entries/${id}` });
      expect((await read(otherUnit)).statusCode).toBe(404);
      expect((await read(anonymous)).statusCode).toBe(404);
      expect((await read(ownUnit)).json()).toMatchObject({
        basis: 'own-unit',
        entry: { title: '社会保险基金审计报告' },
      });

      const filed = await otherUnit({
        method: 'POST',
        url: '/api/v1/access-requests',
        payload: { entryIds: [id], purpose: '课题研究' },
      });
      expect(filed.statusCode, filed.body).toBe(200);
      const requestId = filed.json<{ id: number }>().id;
      const refused = await otherUnit({
        method: 'POST',
        url: `/api/v1/access-requests/${requestId}/decision`,
        payload: { approve: true },
      });
      expect(refused.statusCode).toBe(403);
      const approved = await operator({
        method: 'POST',
        url: `/api/v1/access-requests/${requestId}/decision`,
        payload: { approve: true, days: 7 },
      });
      expect(approved.json()).toMatchObject({ status: 'approved' });
      expect((await read(otherUnit)).json()).toMatchObject({ basis: { request: requestId } });
      const mine = await otherUnit({ method: 'GET', url: '/api/v1/access-requests' });
      expect(mine.json<{ requests: Array<{ id: number }> }>().requests.map((r) => r.id)).toEqual([requestId]);
    });

    it('serves the file of an entry: an open one as registered, a controlled PDF watermarked, to those allowed', async () => {
      const source = join(tmp, 'deposit');
      await mkdir(source, { recursive: true });
      const doc = await PDFDocument.create();
      doc
        .addPage()
        .drawText('Appointment record', { x: 50, y: 700, font: await doc.embedFont(StandardFonts.Helvetica) });
      await writeFile(join(source, '任免表.pdf'), await doc.save());
      await writeFile(join(source, 'guide.txt'), 'open guide');
      await writeFile(
        join(source, '目录.csv'),
        '档号,题名,开放状态,计算机文件名\nJ001-WS·2021-Y-0001,任免表,控制,任免表.pdf\nJ001-WS·2021-Y-0002,指南,开放,guide.txt\n',
      );
      await deposit(center, { source, unit: '330100' });
      await runDueJobs(center);
      const entries = await center.db.catalog.list({ fonds: 'J001', yearFrom: 2021 }, { kind: 'all' }, 0, 10);
      const idOf = (code: string): number => entries.find((e) => e.archivalCode === code)!.id;
      const file = (as: Inject, id: number) => as({ method: 'GET', url: `/api/v1/catalog/entries/${id}/file` });

      const guide = await file(anonymous, idOf('J001-WS·2021-Y-0002'));
      expect(guide.statusCode, guide.body).toBe(200);
      expect(guide.body).toBe('open guide');
      expect(guide.headers['digest']).toMatch(/^sha-256=/);

      const controlled = idOf('J001-WS·2021-Y-0001');
      expect((await file(anonymous, controlled)).statusCode).toBe(404);
      expect((await file(otherUnit, controlled)).statusCode).toBe(404);
      const copy = await file(ownUnit, controlled);
      expect(copy.statusCode, copy.body).toBe(200);
      expect(copy.headers).toMatchObject({ 'content-type': 'application/pdf', 'x-yinji-watermarked': 'true' });
      expect(copy.headers['content-disposition']).toBe(
        `attachment; filename="___.pdf"; filename*=UTF-8''${encodeURIComponent('任免表.pdf')}`,
      );
      expect(copy.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect(copy.headers['digest']).toBeUndefined();
    });

    it('imports a unit catalog sent as the request body (GBK CSV), bad rows listed, good rows kept', async () => {
      const iconv = (await import('iconv-lite')).default;
      const csv = iconv.encode(
        '档号,题名,开放状态\r\nJ009-WS·2021-Y-0001,防汛防台应急预案,开放\r\nJ009-WS·2021-Y-0002,,开放\r\n',
        'gbk',
      );
      const res = await ownUnit({
        method: 'POST',
        url: `/api/v1/catalog/import?filename=${encodeURIComponent('目录.csv')}`,
        headers: { 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        file: '目录.csv',
        rows: 2,
        imported: 1,
        rejected: 1,
        problems: [{ line: 3 }],
      });
      expect(await titles(anonymous, '防汛防台')).toEqual(['防汛防台应急预案']);
      const xls = await ownUnit({
        method: 'POST',
        url: '/api/v1/catalog/import?filename=old.xls',
        headers: { 'content-type': 'application/octet-stream' },
        payload: Buffer.from([0xd0, 0xcf, 0x11, 0xe0]),
      });
      expect(xls.statusCode).toBe(400);
      expect(xls.json()).toMatchObject({ error: { code: 'E_INVALID_INPUT' } });
    });

    it('refuses a page size out of range', async () => {
      const res = await anonymous({ method: 'GET', url: '/api/v1/search?q=x&limit=1000' });
      expect(res.statusCode).toBe(400);
    });
  });
}
