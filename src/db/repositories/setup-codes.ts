import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/** The one-time first-run setup code (006_auth), stored as its SHA-256. */
export interface SetupCodeRepository {
  /** Store a new code, discarding any earlier code not yet used. */
  replace(codeHash: string): Promise<void>;
  /**
   * Use the code up: true exactly once for a stored, unused code — a single
   * conditional UPDATE, so two bootstraps racing with one code cannot both win.
   */
  consume(codeHash: string): Promise<boolean>;
  /** Whether a code was made and not used yet. */
  hasUnused(): Promise<boolean>;
}

export function setupCodeRepository(ctx: RepoContext): SetupCodeRepository {
  return {
    replace: (codeHash) =>
      guarded({ zh: '保存初始化码', en: 'store the setup code' }, () =>
        ctx.atomic(async (db) => {
          await db.deleteFrom('setup_codes').where('used_at', 'is', null).execute();
          await db
            .insertInto('setup_codes')
            .values({ code_hash: codeHash, created_at: timestamp(ctx), used_at: null })
            .execute();
        }),
      ),
    hasUnused: () =>
      guarded({ zh: '读取初始化码', en: 'read the setup code' }, async () => {
        const row = await ctx.db
          .selectFrom('setup_codes')
          .select('code_hash')
          .where('used_at', 'is', null)
          .executeTakeFirst();
        return row !== undefined;
      }),
    consume: (codeHash) =>
      guarded({ zh: '使用初始化码', en: 'use the setup code' }, async () => {
        const r = await ctx.db
          .updateTable('setup_codes')
          .set({ used_at: timestamp(ctx) })
          .where('code_hash', '=', codeHash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
  };
}
