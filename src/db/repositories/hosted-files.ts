import type { HostedFile } from '../records.js';
import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/**
 * The files this center keeps for its partners (issue 7: 馆际互备). The bytes
 * live under the hosted directory; each row records what was verified when
 * they were stored, which answers "do you have it?" without reading them.
 * Challenge audits read the bytes themselves, never these rows.
 */
export interface HostedFileRepository {
  put(file: Omit<HostedFile, 'storedAt'>): Promise<void>;
  get(peerId: string, objectId: string, path: string): Promise<HostedFile | undefined>;
  list(peerId: string, objectId: string): Promise<readonly HostedFile[]>;
  /** Object ids held for the peer, in order, after `after`. */
  objects(peerId: string, options: { after?: string; limit: number }): Promise<readonly string[]>;
  /** Files and bytes held per peer. */
  totals(): Promise<readonly { peerId: string; objects: number; files: number; bytes: number }[]>;
}

export function hostedFileRepository(ctx: RepoContext): HostedFileRepository {
  return {
    put: (f) =>
      guarded({ zh: `记录代存文件 ${f.path}`, en: `record hosted file ${f.path}` }, async () => {
        const row = {
          peer_id: f.peerId,
          object_id: f.objectId,
          path: f.path,
          size: f.size,
          sha256: f.sha256,
          stored_at: timestamp(ctx),
        };
        await ctx.db
          .insertInto('hosted_files')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['peer_id', 'object_id', 'path'])
              .doUpdateSet({ size: row.size, sha256: row.sha256, stored_at: row.stored_at }),
          )
          .execute();
      }),
    get: (peerId, objectId, path) =>
      guarded({ zh: `读取代存文件 ${path}`, en: `read hosted file ${path}` }, async () => {
        const r = await ctx.db
          .selectFrom('hosted_files')
          .selectAll()
          .where('peer_id', '=', peerId)
          .where('object_id', '=', objectId)
          .where('path', '=', path)
          .executeTakeFirst();
        return r && toHosted(r);
      }),
    list: (peerId, objectId) =>
      guarded({ zh: `列出代存对象 ${objectId}`, en: `list hosted object ${objectId}` }, async () =>
        (
          await ctx.db
            .selectFrom('hosted_files')
            .selectAll()
            .where('peer_id', '=', peerId)
            .where('object_id', '=', objectId)
            .orderBy('path')
            .execute()
        ).map(toHosted),
      ),
    objects: (peerId, options) =>
      guarded({ zh: '列出代存对象', en: 'list hosted objects' }, async () => {
        let q = ctx.db
          .selectFrom('hosted_files')
          .select('object_id')
          .distinct()
          .where('peer_id', '=', peerId)
          .orderBy('object_id')
          .limit(options.limit);
        if (options.after !== undefined) q = q.where('object_id', '>', options.after);
        return (await q.execute()).map((r) => r.object_id);
      }),
    totals: () =>
      guarded({ zh: '统计代存文件', en: 'summarise hosted files' }, async () =>
        (
          await ctx.db
            .selectFrom('hosted_files')
            .select((eb) => [
              'peer_id',
              eb.fn.count<number>('object_id').distinct().as('objects'),
              eb.fn.countAll<number>().as('files'),
              eb.fn.sum<number>('size').as('bytes'),
            ])
            .groupBy('peer_id')
            .orderBy('peer_id')
            .execute()
        ).map((r) => ({
          peerId: r.peer_id,
          objects: Number(r.objects),
          files: Number(r.files),
          bytes: Number(r.bytes ?? 0),
        })),
      ),
  };
}

function toHosted(r: {
  peer_id: string;
  object_id: string;
  path: string;
  size: number;
  sha256: string;
  stored_at: string;
}): HostedFile {
  return {
    peerId: r.peer_id,
    objectId: r.object_id,
    path: r.path,
    size: Number(r.size),
    sha256: r.sha256,
    storedAt: r.stored_at,
  };
}
