/**
 * What may enter (issue 5 items 2 and 4): classification (密级) against the
 * center's accreditation and the depositor's clearance, and a unit's own
 * package limit and storage quota — all refused before a number is taken.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { ForbiddenError } from '../auth/index.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import { NotFoundError, QuotaExceededError, UploadTooLargeError } from '../core/index.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { getRegistrationAs, listRegistrationsAs } from './queries.js';

const databases = withTestDatabases();
let tmp: string;
let folder: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-admission-'));
  folder = join(tmp, 'package');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, '文件.txt'), 'x'.repeat(1000));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

for (const dialect of TEST_DIALECTS) {
  describe(`deposit admission on ${dialect}`, () => {
    it('refuses state secrets unless the center is a classified system, and anything above the clearance', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-plain`),
        config: { database: await databases.fresh(dialect) },
      });
      try {
        const unit = await testUnit(center.db, 'U1');
        const dep = await testAccount(center, { username: 'd', roles: ['depositor'], unit, clearance: 'internal' });
        await expect(
          deposit(center, { source: folder, unit: 'U1', classification: 'secret', agent: dep.actor }),
        ).rejects.toMatchObject({ zh: expect.stringContaining('涉密档案不得进入非涉密系统') as string });
        await expect(
          deposit(center, { source: folder, unit: 'U1', classification: 'confidential' }),
        ).rejects.toBeInstanceOf(ForbiddenError);
        await expect(deposit(center, { source: folder, unit: 'U1', classification: 'bogus' })).rejects.toMatchObject({
          zh: expect.stringContaining('密级 “bogus” 无效') as string,
        });
        // Nothing was registered and no number was used by the refusals.
        expect((await center.db.registrations.list()).total).toBe(0);

        const internal = await deposit(center, {
          source: folder,
          unit: 'U1',
          classification: 'internal',
          agent: dep.actor,
        });
        expect((await center.db.registrations.getByRegno(internal.regno))?.classification).toBe('internal');
        expect(internal.regno).toMatch(/-000001$/);

        // A colleague cleared for open material only does not see it: not found, and not listed.
        const open = await testAccount(center, { username: 'o', roles: ['depositor'], unit, clearance: 'open' });
        await expect(getRegistrationAs(center, open.actor, 'registration.show', internal.regno)).rejects.toBeInstanceOf(
          NotFoundError,
        );
        expect((await listRegistrationsAs(center, open.actor, {})).total).toBe(0);
        expect((await listRegistrationsAs(center, dep.actor, {})).total).toBe(1);
      } finally {
        await center.close();
      }
    });

    it('registers secret material in a center configured as a classified system, for cleared depositors', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-classified`),
        config: {
          database: await databases.fresh(dialect),
          checkProfile: { base: 'default', settings: { classifiedSystem: true } },
        },
      });
      try {
        const unit = await testUnit(center.db, 'U1');
        const low = await testAccount(center, { username: 'l', roles: ['depositor'], unit, clearance: 'internal' });
        const high = await testAccount(center, { username: 'h', roles: ['depositor'], unit, clearance: 'secret' });
        await expect(
          deposit(center, { source: folder, unit: 'U1', classification: 'secret', agent: low.actor }),
        ).rejects.toMatchObject({ zh: expect.stringContaining('知悉范围') as string });
        const r = await deposit(center, { source: folder, unit: 'U1', classification: 'secret', agent: high.actor });
        expect((await center.db.registrations.getByRegno(r.regno))?.classification).toBe('secret');
      } finally {
        await center.close();
      }
    });

    it('holds a unit to its package limit and quota, with the numbers in the error', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-limits`),
        config: { database: await databases.fresh(dialect) },
      });
      try {
        const unit = await testUnit(center.db, 'U1');
        await center.db.units.setLimits(unit.id, { maxPackageBytes: 999 });
        const big = await deposit(center, { source: folder, unit: 'U1' }).catch((e: unknown) => e);
        expect(big).toBeInstanceOf(UploadTooLargeError);
        expect((big as UploadTooLargeError).details).toMatchObject({ size: 1000, limit: 999, unit: 'U1' });

        await center.db.units.setLimits(unit.id, { maxPackageBytes: null, quotaBytes: 2500 });
        await deposit(center, { source: folder, unit: 'U1' });
        await deposit(center, { source: folder, unit: 'U1' });
        const over = await deposit(center, { source: folder, unit: 'U1' }).catch((e: unknown) => e);
        expect(over).toBeInstanceOf(QuotaExceededError);
        expect((over as QuotaExceededError).details).toMatchObject({ unit: 'U1', size: 1000, quota: 2500 });
        expect((await center.db.registrations.list()).total).toBe(2);
      } finally {
        await center.close();
      }
    });
  });
}
