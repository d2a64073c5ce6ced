import type { Unit, NewUnit, UnitLimits, UnitProfile } from '../records.js';
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
  /** A new unit with its registration details; ConflictError if the code or credit code is taken. */
  create(unit: NewUnit & UnitProfile): Promise<Unit>;
  /** Change a unit's registration details; undefined if there is no such unit. */
  updateProfile(id: number, profile: UnitProfile): Promise<Unit | undefined>;
  /** Change a unit's upload limits; undefined if there is no such unit. */
  setLimits(id: number, limits: UnitLimits): Promise<Unit | undefined>;
}

type UnitRow = Omit<UnitsTable, 'id' | 'unit_type' | 'domain'> & { id: number; unit_type: string; domain: string };

function toUnit(row: UnitRow): Unit {
  return {
    id: Number(row.id),
    code: row.code,
    name: row.name,
    type: row.type,
    createdAt: row.created_at,
    creditCode: row.credit_code,
    unitType: row.unit_type,
    domain: row.domain,
    maxPackageBytes: row.max_package_bytes === null ? null : Number(row.max_package_bytes),
    quotaBytes: row.quota_bytes === null ? null : Number(row.quota_bytes),
  };
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
    create: (unit) =>
      guarded(
        { zh: `创建单位 ${unit.code}`, en: `create unit ${unit.code}` },
        async () => {
          const row = await ctx.db
            .insertInto('units')
            .values({
              code: unit.code,
              name: unit.name,
              type: unit.type ?? '',
              created_at: timestamp(ctx),
              credit_code: unit.creditCode ?? null,
              unit_type: unit.unitType ?? '',
              domain: unit.domain ?? '',
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          return toUnit(row);
        },
        {
          zh: `单位代码 ${unit.code} 或统一社会信用代码已被其他单位使用`,
          en: `unit code ${unit.code} or its credit code is already taken`,
        },
      ),
    updateProfile: (id, profile) =>
      guarded(
        { zh: `修改单位 ${id}`, en: `update unit ${id}` },
        async () => {
          const changes = {
            ...(profile.name === undefined ? {} : { name: profile.name }),
            ...(profile.creditCode === undefined ? {} : { credit_code: profile.creditCode }),
            ...(profile.unitType === undefined ? {} : { unit_type: profile.unitType }),
            ...(profile.domain === undefined ? {} : { domain: profile.domain }),
          };
          if (Object.keys(changes).length > 0) {
            await ctx.db.updateTable('units').set(changes).where('id', '=', id).execute();
          }
          const row = await ctx.db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
          return row && toUnit(row);
        },
        { zh: '该统一社会信用代码已被其他单位使用', en: 'the credit code is already taken by another unit' },
      ),
    setLimits: (id, limits) =>
      guarded({ zh: `修改单位 ${id} 的限额`, en: `set the limits of unit ${id}` }, async () => {
        const changes = {
          ...(limits.maxPackageBytes === undefined ? {} : { max_package_bytes: limits.maxPackageBytes }),
          ...(limits.quotaBytes === undefined ? {} : { quota_bytes: limits.quotaBytes }),
        };
        if (Object.keys(changes).length > 0) {
          await ctx.db.updateTable('units').set(changes).where('id', '=', id).execute();
        }
        const row = await ctx.db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toUnit(row);
      }),
    list: () =>
      guarded({ zh: '列出单位', en: 'list units' }, async () => {
        const rows = await ctx.db.selectFrom('units').selectAll().execute();
        return rows.map(toUnit).sort((a, b) => compareText(a.code, b.code));
      }),
  };
}
