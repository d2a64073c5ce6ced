import { expect, it } from 'vitest';
import { describeEachDialect, T0 } from './database.suite.js';

describeEachDialect('check reports', (t) => {
  it('keeps every report of a registration, per version and stage, oldest first', async () => {
    const db = t.db();
    const report = {
      format: 'yinji-check-report/1',
      items: [{ id: 'YJ-1-7', outcome: 'warn', 档号: 'Z109-WS·2011·Y-0001' }],
    };
    const a = await db.checkReports.put({
      regno: 'R-1',
      version: 1,
      stage: 'YJ',
      blocked: false,
      failCount: 0,
      warnCount: 1,
      report,
    });
    await db.checkReports.put({
      regno: 'R-1',
      version: 2,
      stage: 'YJ',
      blocked: false,
      failCount: 0,
      warnCount: 0,
      report: {},
    });
    await db.checkReports.put({
      regno: 'R-1',
      version: 1,
      stage: 'BC',
      blocked: true,
      failCount: 2,
      warnCount: 0,
      report: {},
    });
    await db.checkReports.put({
      regno: 'R-2',
      version: 1,
      stage: 'YJ',
      blocked: false,
      failCount: 0,
      warnCount: 0,
      report: {},
    });
    expect(a).toMatchObject({
      regno: 'R-1',
      version: 1,
      stage: 'YJ',
      blocked: false,
      warnCount: 1,
      report,
      createdAt: T0,
    });
    expect((await db.checkReports.list('R-1')).map((r) => [r.version, r.stage, r.blocked])).toEqual([
      [1, 'YJ', false],
      [2, 'YJ', false],
      [1, 'BC', true],
    ]);
    expect((await db.checkReports.list('R-1', 1)).map((r) => r.stage)).toEqual(['YJ', 'BC']);
    expect(await db.checkReports.list('R-9')).toEqual([]);
  });
});
