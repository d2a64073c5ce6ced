import type { Selectable } from 'kysely';
import type { AnnualReport, AnnualReportDraft } from '../records.js';
import type { AnnualReportsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { parseDetail, timestamp, type RepoContext } from './context.js';

/**
 * The units' annual status reports (年度报送, 007_workflow), one per unit and
 * year: a draft the unit edits, then submitted for good. Storage only: the
 * form's fields and who may file them are center/annual-reports.ts.
 */
export interface AnnualReportRepository {
  /** Create or replace the draft; undefined (nothing changed) if that year's report was already submitted. */
  saveDraft(draft: AnnualReportDraft): Promise<AnnualReport | undefined>;
  /** Mark the draft submitted; undefined if there is no draft (none, or already submitted). */
  markSubmitted(unitId: number, year: number, by: number): Promise<AnnualReport | undefined>;
  get(unitId: number, year: number): Promise<AnnualReport | undefined>;
  /** By year, then unit id. */
  list(options?: { readonly year?: number; readonly unitId?: number }): Promise<readonly AnnualReport[]>;
}

function toReport(row: Selectable<AnnualReportsTable>): AnnualReport {
  return {
    unitId: Number(row.unit_id),
    year: Number(row.year),
    status: row.status,
    form: parseDetail(row.form),
    updatedBy: Number(row.updated_by),
    updatedAt: row.updated_at,
    submittedAt: row.submitted_at,
  };
}

export function annualReportRepository(ctx: RepoContext): AnnualReportRepository {
  return {
    saveDraft: (d) =>
      guarded(
        {
          zh: `保存单位 ${d.unitId} 的 ${d.year} 年度报送`,
          en: `save the ${d.year} annual report of unit ${d.unitId}`,
        },
        async () => {
          const now = timestamp(ctx);
          const form = JSON.stringify(d.form);
          // One statement: a concurrent submit either happens first (then nothing is updated) or after.
          const row = await ctx.db
            .insertInto('annual_reports')
            .values({
              unit_id: d.unitId,
              year: d.year,
              status: 'draft',
              form,
              updated_by: d.updatedBy,
              updated_at: now,
              submitted_at: null,
            })
            .onConflict((oc) =>
              oc
                .columns(['unit_id', 'year'])
                .doUpdateSet({ form, updated_by: d.updatedBy, updated_at: now })
                .where('annual_reports.status', '=', 'draft'),
            )
            .returningAll()
            .executeTakeFirst();
          return row && toReport(row);
        },
      ),

    markSubmitted: (unitId, year, by) =>
      guarded(
        { zh: `提交单位 ${unitId} 的 ${year} 年度报送`, en: `submit the ${year} annual report of unit ${unitId}` },
        async () => {
          const now = timestamp(ctx);
          const row = await ctx.db
            .updateTable('annual_reports')
            .set({ status: 'submitted', submitted_at: now, updated_at: now, updated_by: by })
            .where('unit_id', '=', unitId)
            .where('year', '=', year)
            .where('status', '=', 'draft')
            .returningAll()
            .executeTakeFirst();
          return row && toReport(row);
        },
      ),

    get: (unitId, year) =>
      guarded(
        { zh: `读取单位 ${unitId} 的 ${year} 年度报送`, en: `read the ${year} annual report of unit ${unitId}` },
        async () => {
          const row = await ctx.db
            .selectFrom('annual_reports')
            .selectAll()
            .where('unit_id', '=', unitId)
            .where('year', '=', year)
            .executeTakeFirst();
          return row && toReport(row);
        },
      ),

    list: (options = {}) =>
      guarded({ zh: '列出年度报送', en: 'list annual reports' }, async () => {
        let q = ctx.db.selectFrom('annual_reports').selectAll();
        if (options.year !== undefined) q = q.where('year', '=', options.year);
        if (options.unitId !== undefined) q = q.where('unit_id', '=', options.unitId);
        const rows = await q.orderBy('year', 'asc').orderBy('unit_id', 'asc').execute();
        return rows.map(toReport);
      }),
  };
}
