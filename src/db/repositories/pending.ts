import type { NewPendingCommit, PendingCommit } from '../records.js';
import type { PendingCommitsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { compareText, timestamp, parseDetail, type RepoContext } from './context.js';

/**
 * The intent journal. An entry is put before a registration's preservation
 * store commit and removed in the same transaction that inserts the
 * registration rows, so after a crash a leftover entry names exactly the
 * commits whose outcome the service must check and recover or abandon.
 */
export interface PendingCommitRepository {
  /** Journal an intent; ConflictError if one for the regno is already journaled. */
  put(entry: NewPendingCommit): Promise<PendingCommit>;
  /** True if an entry was removed. */
  remove(regno: string): Promise<boolean>;
  /** Leftovers, oldest first. */
  list(): Promise<readonly PendingCommit[]>;
}

function toPending(row: PendingCommitsTable): PendingCommit {
  return {
    regno: row.regno,
    objectId: row.object_id,
    version: Number(row.version),
    startedAt: row.started_at,
    detail: parseDetail(row.detail),
  };
}

export function pendingCommitRepository(ctx: RepoContext): PendingCommitRepository {
  return {
    put: (entry) =>
      guarded(
        { zh: `记录待提交 ${entry.regno}`, en: `journal pending commit ${entry.regno}` },
        async () => {
          const row: PendingCommitsTable = {
            regno: entry.regno,
            object_id: entry.objectId,
            version: entry.version,
            started_at: timestamp(ctx, entry.startedAt),
            detail: JSON.stringify(entry.detail ?? {}),
          };
          await ctx.db.insertInto('pending_commits').values(row).execute();
          return toPending(row);
        },
        {
          zh: `登记号 ${entry.regno} 已有未完成的提交`,
          en: `registration ${entry.regno} already has a pending commit`,
        },
      ),
    remove: (regno) =>
      guarded({ zh: `删除待提交 ${regno}`, en: `remove pending commit ${regno}` }, async () => {
        const result = await ctx.db.deleteFrom('pending_commits').where('regno', '=', regno).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
    list: () =>
      guarded({ zh: '列出待提交', en: 'list pending commits' }, async () => {
        const rows = await ctx.db.selectFrom('pending_commits').selectAll().execute();
        return rows
          .map(toPending)
          .sort((a, b) => compareText(a.startedAt, b.startedAt) || compareText(a.regno, b.regno));
      }),
  };
}
