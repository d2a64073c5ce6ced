import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { ANONYMOUS } from '../auth/index.js';
import { testAccount, testUnit, type TestAccount } from '../auth/test-support/accounts.js';
import type { Clock } from '../core/index.js';
import { decideAccessRequest, fileAccessRequest, listAccessRequests, readCatalogEntry } from './access-requests.js';
import { importUnitCatalog } from './catalog.js';
import { Center } from './center.js';

const databases = withTestDatabases();
const DAY = 86_400_000;

for (const dialect of TEST_DIALECTS) {
  describe(`access requests (利用申请) on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let now = Date.parse('2026-12-07T08:00:00.000Z');
    const clock: Clock = { now: () => new Date(now) };
    let reader: TestAccount;
    let operator: TestAccount;
    let openId: number;
    let controlledId: number;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-access-${dialect}-`));
      center = await Center.open({
        dataDir: join(tmp, 'data'),
        config: { database: await databases.fresh(dialect) },
        clock,
      });
      await testUnit(center.db, 'U1');
      const other = await testUnit(center.db, 'U2');
      const csv = join(tmp, 'catalog.csv');
      await writeFile(
        csv,
        '档号,题名,开放状态\nJ001-WS·2020-Y-0001,公开的通知,开放\nJ001-WS·2020-Y-0002,人事任免材料,控制\n',
      );
      await importUnitCatalog(center, { file: csv, unit: 'U1' });
      const entries = await center.db.catalog.list({}, { kind: 'all' }, 0, 10);
      openId = entries.find((e) => e.openStatus === 'open')!.id;
      controlledId = entries.find((e) => e.openStatus === 'controlled')!.id;
      await center.db.catalog.putText(controlledId, '任命张三为科长', 'text', {
        title: ['人事'],
        code: [],
        party: [],
        body: ['任命'],
      });
      reader = await testAccount(center, { username: 'reader', roles: ['depositor'], unit: other });
      operator = await testAccount(center, { username: 'op', roles: ['operator'] });
    });

    afterAll(async () => {
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('lets a reader use a controlled record only while an approval lasts, and records every step', async () => {
      expect((await readCatalogEntry(center, ANONYMOUS, openId)).basis).toBe('open');
      await expect(readCatalogEntry(center, ANONYMOUS, controlledId)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(readCatalogEntry(center, reader.actor, controlledId)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });

      const request = await fileAccessRequest(center, reader.actor, { entryIds: [controlledId], purpose: '编史修志' });
      expect(request).toMatchObject({ status: 'pending', entryIds: [controlledId], expiresAt: null });
      // Pending is not approved.
      await expect(readCatalogEntry(center, reader.actor, controlledId)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      // Only an operator decides.
      await expect(decideAccessRequest(center, reader.actor, request.id, { approve: true })).rejects.toMatchObject({
        code: 'E_FORBIDDEN',
      });
      expect((await listAccessRequests(center, operator.actor, { pendingOnly: true })).map((r) => r.id)).toContain(
        request.id,
      );

      const approved = await decideAccessRequest(center, operator.actor, request.id, { approve: true, days: 1 });
      expect(approved.expiresAt).toBe(new Date(now + DAY).toISOString());
      const seen = await readCatalogEntry(center, reader.actor, controlledId);
      expect(seen).toMatchObject({ text: '任命张三为科长', basis: { request: request.id } });
      await expect(decideAccessRequest(center, operator.actor, request.id, { approve: false })).rejects.toMatchObject({
        code: 'E_INVALID_INPUT',
      });

      now += DAY + 1000; // the approval has run out
      await expect(readCatalogEntry(center, reader.actor, controlledId)).rejects.toMatchObject({
        code: 'E_FORBIDDEN',
        zh: expect.stringContaining('已到期') as string,
      });
      // Operators and the unit itself need no request; an administrator is no reader by office (三员分立).
      expect((await readCatalogEntry(center, operator.actor, controlledId)).basis).toBe('staff');
      const sysadmin = await testAccount(center, { username: 'sys', roles: ['system-admin'] });
      await expect(readCatalogEntry(center, sysadmin.actor, controlledId)).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });

      const actions = (await center.db.auditLog.list()).map((e) => `${e.action}:${e.target}`);
      expect(actions).toEqual(
        expect.arrayContaining([
          `access-request:access-request:${request.id}`,
          `access-decision:access-request:${request.id}`,
          `access-use:catalog-entry:${controlledId}`,
        ]),
      );
    });

    it('grants nothing on a refused request, and refuses requests without a purpose or entries', async () => {
      const request = await fileAccessRequest(center, reader.actor, { entryIds: [controlledId], purpose: '学术研究' });
      await decideAccessRequest(center, operator.actor, request.id, { approve: false, note: '不符合开放规定' });
      await expect(readCatalogEntry(center, reader.actor, controlledId)).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
      await expect(
        fileAccessRequest(center, reader.actor, { entryIds: [controlledId], purpose: ' ' }),
      ).rejects.toMatchObject({
        code: 'E_INVALID_INPUT',
      });
      await expect(fileAccessRequest(center, reader.actor, { entryIds: [], purpose: '研究' })).rejects.toMatchObject({
        code: 'E_INVALID_INPUT',
      });
      await expect(
        fileAccessRequest(center, reader.actor, { entryIds: [999_999], purpose: '研究' }),
      ).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
      // An operator's API token scoped to other work reads the catalog as the public does.
      const scoped = { ...operator.actor, scopes: ['registration.show' as const] };
      await expect(readCatalogEntry(center, scoped, controlledId)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      expect((await readCatalogEntry(center, operator.actor, controlledId)).basis).toBe('staff');
      // A requester sees their own requests only.
      expect((await listAccessRequests(center, reader.actor)).every((r) => r.userId === reader.actor.userId)).toBe(
        true,
      );
    });
  });
}
