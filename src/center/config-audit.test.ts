import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { Center } from './center.js';
import { auditConfigurationChange, redactedConfig } from './config-audit.js';

const databases = withTestDatabases();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-config-audit-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

for (const dialect of TEST_DIALECTS) {
  describe(`configuration changes in the audit log on ${dialect}`, () => {
    it('records the first configuration, nothing when unchanged, and exactly what changed later', async () => {
      const database = await databases.fresh(dialect);
      const dataDir = join(tmp, dialect);
      const open = (config: object) => Center.open({ dataDir, config: { database, ...config } });

      let center = await open({});
      expect(await auditConfigurationChange(center)).toContain('reviewRequired');
      expect(await auditConfigurationChange(center)).toEqual([]);
      await center.close();

      center = await open({ reviewRequired: false, maxUploadBytes: 5_000_000 });
      expect(await auditConfigurationChange(center)).toEqual(['maxUploadBytes', 'reviewRequired']);
      const [latest] = await center.db.auditLog.list({ limit: 1, newestFirst: true });
      expect(latest).toMatchObject({ action: 'config-change', actor: 'system', outcome: 'success' });
      expect(JSON.parse(latest!.detailText)).toMatchObject({
        first: false,
        changes: { reviewRequired: { from: true, to: false }, maxUploadBytes: { to: 5_000_000 } },
      });
      expect((await center.db.auditLog.list()).filter((e) => e.action === 'config-change')).toHaveLength(2);
      await center.close();
    });
  });
}

describe('redactedConfig', () => {
  it('masks passwords in connection URLs and leaves everything else', () => {
    const center = {
      config: {
        database: 'postgres://yinji:s3cret@db.internal:5432/yinji',
        s3Endpoint: 'http://minio:9000',
        centerName: '某市档案馆',
        other: 'postgres://db.internal/yinji?sslmode=require&password=s3cret',
        broken: 'postgres://yinji:s3#cret@db.internal/yinji',
      },
    } as unknown as Center;
    expect(redactedConfig(center)).toEqual({
      database: 'postgres://yinji:***@db.internal:5432/yinji',
      s3Endpoint: 'http://minio:9000',
      centerName: '某市档案馆',
      other: 'postgres://db.internal/yinji?sslmode=require&password=***',
      broken: 'postgres://***@db.internal/yinji',
    });
  });
});
