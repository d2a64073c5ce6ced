import { guarded } from '../db-errors.js';
import type { RepoContext } from './context.js';

/** Facts about the center that every instance must agree on, written once. */
export interface SettingsRepository {
  /** Store `value` under `name` unless one is stored already; returns the stored value (the first writer's). */
  putIfAbsent(name: string, value: string): Promise<string>;
  get(name: string): Promise<string | undefined>;
  /** Store `value` under `name`, replacing what was there (for per-instance notes, not shared facts). */
  put(name: string, value: string): Promise<void>;
}

export function settingsRepository(ctx: RepoContext): SettingsRepository {
  const get = async (name: string): Promise<string | undefined> =>
    (await ctx.db.selectFrom('center_settings').select('value').where('name', '=', name).executeTakeFirst())?.value;
  return {
    putIfAbsent: (name, value) =>
      guarded({ zh: `写入中心设置 ${name}`, en: `store center setting ${name}` }, async () => {
        await ctx.db
          .insertInto('center_settings')
          .values({ name, value })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        return (await get(name)) ?? value;
      }),
    get: (name) => guarded({ zh: `读取中心设置 ${name}`, en: `read center setting ${name}` }, () => get(name)),
    put: (name, value) =>
      guarded({ zh: `写入中心设置 ${name}`, en: `store center setting ${name}` }, async () => {
        await ctx.db
          .insertInto('center_settings')
          .values({ name, value })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
          .execute();
      }),
  };
}
