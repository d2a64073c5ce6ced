import type { Unit, NewUnit } from '../records.js';
import type { UnitsTable } from '../schema.js';
import { guarded } from '../db-errors.js';
import { compareText, timestamp, type RepoContext } from './context.js';

export interface UnitRepository {
  /** The unit with this code, created with `unit`'s name and type if there is none (an existing one is not changed). */
  getOrCreateByCode(unit: NewUnit): Promise<Unit>;
  getById(id: number): Promise<Unit | undefined>;
  getByCode(code: string): Promise<Unit | undefined>;
  /** All units, by code. */
  list(): Promise<readonly Unit[]>;
}

type UnitRow = Omit<UnitsTable, 'id'> & { id: number };

function toUnit(row: UnitRow): Unit {
  return { id: Number(row.id), code: row.code, name: row.name, type: row.type, createdAt: row.created_at };
}

export function unitRepository(ctx: RepoContext): UnitRepository {
  const byCode = async (code: string): Promise<Unit | undefined> => {
    const row = await ctx.db.selectFrom('units').selectAll().where('code', '=', code).executeTakeFirst();
    return row && toUnit(row);
  };
  return {
    getOrCreateByCode: (unit) =>
      guarded({ zh: `创建单位 ${unit.code}`, en: `create unit ${unit.code}` }, async () => {
        // ON CONFLICT DO NOTHING: two deposits from a new unit at once both get the one row.
        await ctx.db
          .insertInto('units')
          .values({ code: unit.code, name: unit.name, type: unit.type ?? '', created_at: timestamp(ctx) })
          .onConflict((oc) => oc.column('code').doNothing())
          .execute();
        const found = await byCode(unit.code);
        if (!found) throw new Error(`unit ${unit.code} vanished after insert`);
        return found;
      }),
    getById: (id) =>
      guarded({ zh: `读取单位 ${id}`, en: `read unit ${id}` }, async () => {
        const row = await ctx.db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toUnit(row);
      }),
    getByCode: (code) => guarded({ zh: `读取单位 ${code}`, en: `read unit ${code}` }, () => byCode(code)),
    list: () =>
      guarded({ zh: '列出单位', en: 'list units' }, async () => {
        const rows = await ctx.db.selectFrom('units').selectAll().execute();
        return rows.map(toUnit).sort((a, b) => compareText(a.code, b.code));
      }),
  };
}
