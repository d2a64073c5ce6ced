import type { Selectable } from 'kysely';
import type { Replica, ReplicaAudit } from '../records.js';
import type { ReplicasTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { parseDetail, timestamp, type RepoContext } from './context.js';

/** The state of each registration's copy at each replica target (issue 7). */
export interface ReplicaRepository {
  /** Record a complete copy as of `version` (replaces the row; audit fields start empty). */
  recordCopy(copy: Omit<Replica, 'state' | 'auditedAt' | 'auditOutcome' | 'detail' | 'copiedAt'>): Promise<void>;
  /** Record an audit of the copy: 'success' keeps it complete, 'failure' marks it damaged. */
  recordAudit(regno: string, targetId: string, audit: ReplicaAudit): Promise<void>;
  get(regno: string, targetId: string): Promise<Replica | undefined>;
  listFor(regno: string): Promise<readonly Replica[]>;
  /**
   * Registrations (regno, head version) whose copy at `targetId` is missing or
   * older than their head, in regno order after `afterRegno`: what replication
   * still has to do there. `unitIds` limits to those units' registrations.
   */
  behind(
    targetId: string,
    options: { afterRegno?: string; limit: number; unitIds?: readonly number[] },
  ): Promise<readonly { regno: string; objectId: string; version: number; unitId: number }[]>;
  /** Copies at `targetId` whose last audit is older than `before` (or that were never audited), oldest first. */
  dueForAudit(targetId: string, before: string, limit: number): Promise<readonly Replica[]>;
  /** Per target: copies, complete ones, damaged ones, bytes. */
  summary(): Promise<readonly { targetId: string; copies: number; damaged: number; bytes: number }[]>;
}

function toReplica(row: Selectable<ReplicasTable>): Replica {
  return {
    regno: row.regno,
    targetId: row.target_id,
    version: Number(row.version),
    state: row.state as Replica['state'],
    encryption: row.encryption,
    files: Number(row.files),
    bytes: Number(row.bytes),
    copiedAt: row.copied_at,
    auditedAt: row.audited_at,
    auditOutcome: row.audit_outcome as Replica['auditOutcome'],
    detail: parseDetail(row.detail),
  };
}

export function replicaRepository(ctx: RepoContext): ReplicaRepository {
  return {
    recordCopy: (c) =>
      guarded(
        { zh: `记录 ${c.regno} 在 ${c.targetId} 的副本`, en: `record copy of ${c.regno} at ${c.targetId}` },
        async () => {
          const row = {
            regno: c.regno,
            target_id: c.targetId,
            version: c.version,
            state: 'complete',
            encryption: c.encryption,
            files: c.files,
            bytes: c.bytes,
            copied_at: timestamp(ctx),
            audited_at: null,
            audit_outcome: null,
            detail: '{}',
          };
          await ctx.db
            .insertInto('replicas')
            .values(row)
            .onConflict((oc) =>
              oc
                .columns(['regno', 'target_id'])
                .doUpdateSet({
                  version: row.version,
                  state: row.state,
                  encryption: row.encryption,
                  files: row.files,
                  bytes: row.bytes,
                  copied_at: row.copied_at,
                  audited_at: null,
                  audit_outcome: null,
                  detail: '{}',
                })
                // A copy job that finishes late never moves the recorded copy back to an older version.
                .where('replicas.version', '<=', row.version),
            )
            .execute();
        },
      ),
    recordAudit: (regno, targetId, audit) =>
      guarded({ zh: `记录 ${regno} 副本巡检`, en: `record audit of ${regno}'s copy` }, async () => {
        await ctx.db
          .updateTable('replicas')
          .set({
            audited_at: timestamp(ctx, audit.at),
            audit_outcome: audit.outcome,
            state: audit.outcome === 'success' ? 'complete' : 'damaged',
            detail: JSON.stringify(audit.detail ?? {}),
          })
          .where('regno', '=', regno)
          .where('target_id', '=', targetId)
          .execute();
      }),
    get: (regno, targetId) =>
      guarded({ zh: `读取 ${regno} 的副本`, en: `read copy of ${regno}` }, async () => {
        const row = await ctx.db
          .selectFrom('replicas')
          .selectAll()
          .where('regno', '=', regno)
          .where('target_id', '=', targetId)
          .executeTakeFirst();
        return row && toReplica(row);
      }),
    listFor: (regno) =>
      guarded({ zh: `列出 ${regno} 的副本`, en: `list copies of ${regno}` }, async () =>
        (await ctx.db.selectFrom('replicas').selectAll().where('regno', '=', regno).orderBy('target_id').execute()).map(
          toReplica,
        ),
      ),
    behind: (targetId, options) =>
      guarded(
        { zh: `查找未复制到 ${targetId} 的登记`, en: `find registrations not yet copied to ${targetId}` },
        async () => {
          let q = ctx.db
            .selectFrom('registrations as r')
            .leftJoin('replicas as c', (j) => j.onRef('c.regno', '=', 'r.regno').on('c.target_id', '=', targetId))
            .select(['r.regno', 'r.object_id', 'r.head_version', 'r.unit_id'])
            .where((eb) => eb.or([eb('c.regno', 'is', null), eb('c.version', '<', eb.ref('r.head_version'))]))
            .orderBy('r.regno')
            .limit(options.limit);
          if (options.afterRegno !== undefined) q = q.where('r.regno', '>', options.afterRegno);
          if (options.unitIds !== undefined) {
            if (options.unitIds.length === 0) return [];
            q = q.where('r.unit_id', 'in', options.unitIds);
          }
          return (await q.execute()).map((r) => ({
            regno: r.regno,
            objectId: r.object_id,
            version: Number(r.head_version),
            unitId: Number(r.unit_id),
          }));
        },
      ),
    dueForAudit: (targetId, before, limit) =>
      guarded({ zh: `查找待巡检的副本`, en: `find copies due for audit` }, async () =>
        (
          await ctx.db
            .selectFrom('replicas')
            .selectAll()
            .where('target_id', '=', targetId)
            .where((eb) => eb.or([eb('audited_at', 'is', null), eb('audited_at', '<', before)]))
            .orderBy('audited_at')
            .orderBy('regno')
            .limit(limit)
            .execute()
        ).map(toReplica),
      ),
    summary: () =>
      guarded({ zh: '统计副本', en: 'summarise copies' }, async () =>
        (
          await ctx.db
            .selectFrom('replicas')
            .select((eb) => [
              'target_id',
              eb.fn.countAll<number>().as('copies'),
              eb.fn.sum<number>(eb.case().when('state', '=', 'damaged').then(1).else(0).end()).as('damaged'),
              eb.fn.sum<number>('bytes').as('bytes'),
            ])
            .groupBy('target_id')
            .orderBy('target_id')
            .execute()
        ).map((r) => ({
          targetId: r.target_id,
          copies: Number(r.copies),
          damaged: Number(r.damaged ?? 0),
          bytes: Number(r.bytes ?? 0),
        })),
      ),
  };
}
