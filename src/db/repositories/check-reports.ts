import type { Selectable } from 'kysely';
import type { NewCheckReport, StoredCheckReport } from '../records.js';
import type { CheckReportsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { parseDetail, timestamp, type RepoContext } from './context.js';

/** Four-properties check reports, kept per registration version and stage; never changed once written. */
export interface CheckReportRepository {
  put(report: NewCheckReport): Promise<StoredCheckReport>;
  /** Every report of a registration (all versions, or one), oldest first. */
  list(regno: string, version?: number): Promise<readonly StoredCheckReport[]>;
}

function toReport(row: Selectable<CheckReportsTable>): StoredCheckReport {
  return {
    id: Number(row.id),
    regno: row.regno,
    version: Number(row.version),
    stage: row.stage,
    blocked: Number(row.blocked) === 1,
    failCount: Number(row.fail_count),
    warnCount: Number(row.warn_count),
    report: parseDetail(row.report),
    createdAt: row.created_at,
  };
}

export function checkReportRepository(ctx: RepoContext): CheckReportRepository {
  return {
    put: (r) =>
      guarded({ zh: `保存 ${r.regno} 的检测报告`, en: `store the check report of ${r.regno}` }, async () => {
        const row = await ctx.db
          .insertInto('check_reports')
          .values({
            regno: r.regno,
            version: r.version,
            stage: r.stage,
            blocked: r.blocked ? 1 : 0,
            fail_count: r.failCount,
            warn_count: r.warnCount,
            report: JSON.stringify(r.report),
            created_at: timestamp(ctx, r.createdAt),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toReport(row);
      }),
    list: (regno, version) =>
      guarded({ zh: `读取 ${regno} 的检测报告`, en: `read the check reports of ${regno}` }, async () => {
        let q = ctx.db.selectFrom('check_reports').selectAll().where('regno', '=', regno);
        if (version !== undefined) q = q.where('version', '=', version);
        return (await q.orderBy('id').execute()).map(toReport);
      }),
  };
}
