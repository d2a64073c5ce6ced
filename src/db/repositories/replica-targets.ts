import type { Selectable } from 'kysely';
import type { NewReplicaTarget, ReplicaTarget } from '../records.js';
import type { ReplicaTargetsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/**
 * Where a center's copies go (issue 7): paired centers and second storage
 * roots. A removed target keeps its row (removed_at set), so what was copied
 * where stays explainable; adding it again revives the row.
 */
export interface ReplicaTargetRepository {
  /** Add, or revive and update a removed target with the same id. */
  put(target: NewReplicaTarget): Promise<ReplicaTarget>;
  get(id: string): Promise<ReplicaTarget | undefined>;
  /** Current targets (removed ones too when asked), by id. */
  list(options?: { includeRemoved?: boolean; kind?: string }): Promise<readonly ReplicaTarget[]>;
  /** Mark removed; false when there was no current target with that id. */
  remove(id: string): Promise<boolean>;
}

function toTarget(row: Selectable<ReplicaTargetsTable>): ReplicaTarget {
  return {
    id: row.id,
    kind: row.kind as ReplicaTarget['kind'],
    name: row.name,
    location: row.location,
    encryption: row.encryption,
    peerKey: row.peer_key,
    logKey: row.log_key,
    addedAt: row.added_at,
    removedAt: row.removed_at,
  };
}

export function replicaTargetRepository(ctx: RepoContext): ReplicaTargetRepository {
  const get = async (id: string): Promise<ReplicaTarget | undefined> => {
    const row = await ctx.db.selectFrom('replica_targets').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTarget(row);
  };
  return {
    put: (t) =>
      guarded({ zh: `保存备份目标 ${t.id}`, en: `store replica target ${t.id}` }, async () => {
        const row = {
          id: t.id,
          kind: t.kind,
          name: t.name,
          location: t.location,
          encryption: t.encryption,
          peer_key: t.peerKey ?? null,
          log_key: t.logKey ?? null,
          added_at: timestamp(ctx),
          removed_at: null,
        };
        await ctx.db
          .insertInto('replica_targets')
          .values(row)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              kind: row.kind,
              name: row.name,
              location: row.location,
              encryption: row.encryption,
              peer_key: row.peer_key,
              log_key: row.log_key,
              // A target added again after removal starts a new generation (its copy jobs are keyed by it).
              added_at: eb
                .case()
                .when('replica_targets.removed_at', 'is', null)
                .then(eb.ref('replica_targets.added_at'))
                .else(row.added_at)
                .end(),
              removed_at: null,
            })),
          )
          .execute();
        return (await get(t.id))!;
      }),
    get: (id) => guarded({ zh: `读取备份目标 ${id}`, en: `read replica target ${id}` }, () => get(id)),
    list: (options = {}) =>
      guarded({ zh: '列出备份目标', en: 'list replica targets' }, async () => {
        let q = ctx.db.selectFrom('replica_targets').selectAll().orderBy('id');
        if (options.includeRemoved !== true) q = q.where('removed_at', 'is', null);
        if (options.kind !== undefined) q = q.where('kind', '=', options.kind);
        return (await q.execute()).map(toTarget);
      }),
    remove: (id) =>
      guarded({ zh: `移除备份目标 ${id}`, en: `remove replica target ${id}` }, async () => {
        const r = await ctx.db
          .updateTable('replica_targets')
          .set({ removed_at: timestamp(ctx) })
          .where('id', '=', id)
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
  };
}
