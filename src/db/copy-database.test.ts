import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withTestDatabases, type TestDialect } from '../../test/support/databases.js';
import { fixedClock } from '../core/index.js';
import { copyDatabase, isDerivedTable } from './copy-database.js';
import type { Database, KyselyDatabase } from './database.js';
import { sampleVersion, T0 } from './database.suite.js';
import { openDatabase } from './open-database.js';
import { describeTables, type AnyKysely } from './table-graph.js';

const databases = withTestDatabases();
const open: Database[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

async function fresh(dialect: TestDialect, migrate = true): Promise<Database> {
  const db = await openDatabase({ url: await databases.fresh(dialect), clock: fixedClock(T0) });
  open.push(db);
  if (migrate) await db.migrate();
  return db;
}

const raw = (db: Database): AnyKysely => (db as KyselyDatabase).kysely as unknown as AnyKysely;

/** Three units, three registrations of two versions each, events, log leaves and nodes, evidence, a pending intent. */
async function populate(db: Database): Promise<void> {
  for (let i = 1; i <= 3; i++) {
    const unit = await db.units.getOrCreateByCode({ code: `U${i}`, name: `单位${i}`, type: '机关' });
    const regno = `T-2026-00000${i}`;
    await db.sequences.next('T-2026');
    await db.registrations.insert({
      regno,
      unitId: unit.id,
      title: `题名${i}`,
      objectId: `urn:test:${regno}`,
      firstVersion: sampleVersion(3, `v1-${i}`),
    });
    await db.registrations.addVersion(regno, 2, sampleVersion(2, `v2-${i}`));
    await db.events.append({ regno, type: 'deposit', agent: '测试', outcome: 'success', detail: { i } });
  }
  await db.events.append({ type: 'startup', agent: 'system', outcome: 'success' });
  const leaves = [0, 1, 2].map((index) => ({
    index,
    data: Buffer.from(`leaf ${index}`),
    hash: Buffer.alloc(32, index + 1),
  }));
  await db.transaction(async (tx) => {
    await tx.ledger.lockHead();
    await tx.ledger.append(leaves, [{ level: 1, index: 0, hash: Buffer.alloc(32, 9) }]);
    await tx.ledger.putCheckpoint(3, 'example.org/log\n3\nAAAA\n\n— sig\n');
  });
  await db.evidence.put({
    regno: 'T-2026-000001',
    version: 1,
    leafIndex: 0,
    statement: '{"a":1}',
    timestampToken: Buffer.from('token'),
  });
  await db.pending.put({ regno: 'T-2026-000004', objectId: 'urn:test:T-2026-000004', version: 1 });
  const { ids } = await db.catalog.upsert([
    {
      entry: {
        ...{ unitCode: 'U1', archivalCode: 'J001-WS·2020-Y-0001', fonds: 'J001', category: 'WS', year: 2020 },
        ...{ itemNumber: '0001', title: '关于档案登记的通知', responsible: '档案馆', date: '2020-05-01' },
        ...{ documentNumber: '', orgOrIssue: '', retention: '永久', classification: '公开', pages: 3 },
        ...{ keywords: '', notes: '', openStatus: 'open', regno: null, filePath: null, source: 'import' },
      },
      index: { title: ['档案', '案登', '登记'], code: [], party: [], body: [] },
    },
  ]);
  await db.catalog.putText(ids[0]!, '档案登记', 'text', { title: ['档案'], code: [], party: [], body: ['登记'] });
}

/** Every row of every table, dialect-neutral, for comparing two databases. */
async function dump(db: Database, skip: readonly string[] = []): Promise<Record<string, string[]>> {
  const k = raw(db);
  const out: Record<string, string[]> = {};
  for (const name of [...(await describeTables(k, db.dialect)).keys()].sort()) {
    if (skip.includes(name) || isDerivedTable(name)) continue;
    const rows = await k.selectFrom(name).selectAll().execute();
    out[name] = rows
      .map((r) =>
        JSON.stringify(
          Object.keys(r)
            .sort()
            .map((c) => [c, Buffer.isBuffer(r[c]) ? r[c].toString('hex') : r[c]]),
        ),
      )
      .sort();
  }
  return out;
}

const PAIRS: [TestDialect, TestDialect][] = [
  ['sqlite', 'postgres'],
  ['postgres', 'sqlite'],
  ['postgres', 'postgres'],
];

for (const [from, to] of PAIRS) {
  describe(`copyDatabase ${from} → ${to}`, () => {
    it('copies every row of every table, and the target hands out the next ids', async () => {
      const source = await fresh(from);
      await populate(source);
      await raw(source)
        .insertInto('leases')
        .values({
          name: 'object:x',
          owner: 'host:1:abc',
          token: 't',
          acquired_at: T0,
          expires_at: T0,
        })
        .execute();
      const target = await fresh(to, false);

      const result = await copyDatabase(source, target, { batchRows: 2 });
      expect(result.skipped.filter((t) => !isDerivedTable(t))).toEqual(['leases']);
      expect(result.skipped).toContain(to === 'sqlite' ? 'catalog_fts' : 'catalog_vectors');
      expect(result.sourceChanged).toEqual([]);
      const order = result.tables.map((t) => t.table);
      expect(order.indexOf('units')).toBeLessThan(order.indexOf('registrations'));
      expect(order.indexOf('registration_versions')).toBeLessThan(order.indexOf('files'));
      expect(order).toContain('jobs');
      expect(result.tables.find((t) => t.table === 'files')?.rows).toBe(15);
      expect(await dump(target, ['leases'])).toEqual(await dump(source, ['leases']));
      expect(await raw(target).selectFrom('leases').selectAll().execute()).toEqual([]);
      if (to === 'postgres') {
        expect(result.sequences).toContainEqual({ table: 'events', column: 'id', next: 5 });
        expect(result.sequences).toContainEqual({ table: 'registrations', column: 'id', next: 4 });
      }

      // New rows continue the numbering rather than colliding with copied ids.
      expect((await target.units.getOrCreateByCode({ code: 'U4', name: '单位4' })).id).toBe(4);
      expect((await target.events.append({ type: 'x', agent: 'a', outcome: 'success' })).id).toBe(5);
      expect(await target.sequences.next('T-2026')).toBe(4);
      expect(await target.ledger.size()).toBe(3);
      const evidence = await target.evidence.get('T-2026-000001', 1);
      expect(Buffer.from(evidence!.timestampToken).toString()).toBe('token');
    });
  });
}

describe('copyDatabase refusals and failures', () => {
  it('refuses a target that already holds data, writing nothing', async () => {
    const source = await fresh('sqlite');
    await populate(source);
    const target = await fresh('postgres');
    await target.units.getOrCreateByCode({ code: 'OTHER', name: '别的单位' });
    const before = await dump(target);
    await expect(copyDatabase(source, target)).rejects.toMatchObject({
      code: 'E_CONFLICT',
      details: { table: 'units', rows: 1 },
    });
    expect(await dump(target)).toEqual(before);
  });

  it('accepts a migrated but unused target (the migrations’ own rows are not data)', async () => {
    const source = await fresh('sqlite');
    await populate(source);
    const target = await fresh('postgres');
    await copyDatabase(source, target);
    expect(await target.ledger.size()).toBe(3);
  });

  it('refuses a database of something else without creating a table in it', async () => {
    const source = await fresh('sqlite');
    const target = await fresh('postgres', false);
    await sql`create table customers (id integer primary key)`.execute(raw(target));
    await expect(copyDatabase(source, target)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect([...(await describeTables(raw(target), 'postgres')).keys()]).toEqual(['customers']);
  });

  it('refuses a source at another migration', async () => {
    const source = await fresh('sqlite', false);
    const target = await fresh('postgres', false);
    await expect(copyDatabase(source, target)).rejects.toMatchObject({ code: 'E_CONFLICT' });
  });

  it('rolls the whole copy back when a row cannot be written, and a retry then succeeds', async () => {
    const source = await fresh('sqlite');
    await populate(source);
    // SQLite keeps whatever it is given; PostgreSQL refuses text in a bigint column.
    await sql`update files set size = 'big' where path like 'v2-3/%'`.execute(raw(source));
    const target = await fresh('postgres');
    await expect(copyDatabase(source, target)).rejects.toMatchObject({ code: 'E_DATABASE' });
    const after = await dump(target);
    // Only the rows the migrations seed (the log and audit-log heads) remain.
    const seeded = new Set(['ledger_head', 'audit_head']);
    expect(Object.entries(after).filter(([t, rows]) => !seeded.has(t) && rows.length > 0)).toEqual([]);

    await sql`update files set size = 7 where size = 'big'`.execute(raw(source));
    expect((await copyDatabase(source, target)).rows).toBeGreaterThan(0);
    expect(await dump(target, ['leases'])).toEqual(await dump(source, ['leases']));
  });

  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`picks up tables no migration it knows created, in foreign-key order [${dialect}]`, async () => {
      const source = await fresh(dialect);
      const target = await fresh(dialect === 'sqlite' ? 'postgres' : 'sqlite');
      // "a_child" sorts before "z_parent" but must be copied after it; "notes" has no primary key.
      const ddl = async (db: Database): Promise<void> => {
        const k = raw(db);
        const id =
          db.dialect === 'sqlite'
            ? sql`id integer primary key autoincrement`
            : sql`id integer generated always as identity primary key`;
        await sql`create table z_parent (${id}, name text not null)`.execute(k);
        await sql`create table a_child (parent_id integer not null references z_parent (id), n integer not null, primary key (parent_id, n))`.execute(
          k,
        );
        await sql`create table notes (body text)`.execute(k);
      };
      await ddl(source);
      await ddl(target);
      const k = raw(source);
      for (const name of ['甲', '乙', '丙']) await k.insertInto('z_parent').values({ name }).execute();
      for (let n = 0; n < 5; n++) await k.insertInto('a_child').values({ parent_id: 2, n }).execute();
      for (const body of ['x', 'x', null]) await k.insertInto('notes').values({ body }).execute();

      const result = await copyDatabase(source, target, { batchRows: 2 });
      const order = result.tables.map((t) => t.table);
      expect(order.indexOf('z_parent')).toBeLessThan(order.indexOf('a_child'));
      expect(result.tables.find((t) => t.table === 'notes')?.rows).toBe(3);
      expect(await dump(target)).toEqual(await dump(source));
      const next = await raw(target).insertInto('z_parent').values({ name: '丁' }).returning('id').executeTakeFirst();
      expect(next?.id).toBe(4);
    });
  }
});
