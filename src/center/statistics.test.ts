/**
 * The dashboard's figures (issue 9, dashboard): registrations by month, by
 * unit type, priority domain and 密级; the share of units that registered;
 * copies per registration and replica states; what waits for review. The
 * same numbers on SQLite and PostgreSQL, and only for those allowed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { testAccount } from '../auth/test-support/accounts.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { centerStatistics } from './statistics.js';

const databases = withTestDatabases();

for (const dialect of TEST_DIALECTS) {
  describe(`the dashboard's statistics on ${dialect}`, () => {
    let tmp: string;
    let center: Center;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-stats-${dialect}-`));
      center = await Center.open({ dataDir: join(tmp, 'data'), config: { database: await databases.fresh(dialect) } });
      await center.db.units.create({ code: 'A', name: '社保局', unitType: 'agency', domain: 'social-security' });
      await center.db.units.create({ code: 'B', name: '医院', unitType: 'public-institution', domain: 'health' });
      await center.db.units.create({ code: 'C', name: '未报送的单位', unitType: 'state-owned' });
      for (const [unit, files] of [
        ['A', 2],
        ['A', 1],
        ['B', 3],
      ] as const) {
        const source = join(tmp, `src-${unit}-${files}`);
        await mkdir(source, { recursive: true });
        for (let i = 0; i < files; i++) await writeFile(join(source, `${i}.txt`), `${unit} 文件 ${i}`);
        await deposit(center, { source, unit, title: `${unit} 的文件` });
      }
      const [first] = (await center.db.registrations.list({ limit: 1 })).items;
      await center.db.replicaTargets.put({
        id: 'disk2',
        kind: 'storage',
        name: '第二块盘',
        location: '/mnt/b',
        encryption: 'none',
      });
      await center.db.replicaTargets.put({
        id: 'tape',
        kind: 'storage',
        name: '磁带库',
        location: '/mnt/t',
        encryption: 'none',
      });
      // A removed target's copy is history, not a copy: it counts nowhere.
      await center.db.replicaTargets.put({
        id: 'old',
        kind: 'storage',
        name: '旧盘',
        location: '/mnt/o',
        encryption: 'none',
      });
      await center.db.replicas.recordCopy({
        regno: first!.regno,
        targetId: 'old',
        version: 1,
        encryption: 'none',
        files: 2,
        bytes: 10,
      });
      await center.db.replicaTargets.remove('old');
      await center.db.replicas.recordCopy({
        regno: first!.regno,
        targetId: 'disk2',
        version: 1,
        encryption: 'none',
        files: 2,
        bytes: 10,
      });
    });

    afterAll(async () => {
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('counts the holdings by month, by kind of unit and by copies', async () => {
      const op = await testAccount(center, { username: 'op', roles: ['operator'] });
      const s = await centerStatistics(center, op.actor);
      const month = new Date().toISOString().slice(0, 7);
      expect(s.byMonth).toEqual([{ month, registrations: 3, files: 6, bytes: expect.any(Number) as number }]);
      expect(s.byMonth[0]!.bytes).toBeGreaterThan(0);
      expect(s.byUnitType.map((r) => [r.key, r.registrations])).toEqual([
        ['agency', 2],
        ['public-institution', 1],
      ]);
      expect(s.byDomain.map((r) => [r.key, r.registrations])).toEqual([
        ['social-security', 2],
        ['health', 1],
      ]);
      expect(s.byClassification.reduce((n, r) => n + r.registrations, 0)).toBe(3);
      expect(s.units).toEqual({ total: 3, registered: 2 });
      expect(s.copies).toEqual([
        { copies: 0, registrations: 2 },
        { copies: 1, registrations: 1 },
      ]);
      expect(s.replicaStates).toEqual([{ state: 'complete', count: 1 }]);
      expect(s.targets).toEqual([
        { targetId: 'disk2', copies: 1, damaged: 0, bytes: 10 },
        { targetId: 'tape', copies: 0, damaged: 0, bytes: 0 },
      ]);
      expect(s.awaitingReview).toBe(0);
      expect(s.disk!.free).toBeGreaterThan(0);
      expect(s.disk!.total).toBeGreaterThanOrEqual(s.disk!.free);
    });

    it('is for operators and the system administrator, not for units or the other administrators', async () => {
      const unit = (await center.db.units.getByCode('A'))!;
      const dep = await testAccount(center, { username: 'dep', roles: ['depositor'], unit });
      const auditor = await testAccount(center, { username: 'aud', roles: ['security-auditor'] });
      const sys = await testAccount(center, { username: 'sys', roles: ['system-admin'] });
      await expect(centerStatistics(center, dep.actor)).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
      await expect(centerStatistics(center, auditor.actor)).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
      expect((await centerStatistics(center, sys.actor)).units.total).toBe(3);
    });
  });
}
