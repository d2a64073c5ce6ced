import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConflictError, DatabaseError, InvalidInputError } from '../core/index.js';
import { KyselyDatabase } from './database.js';
import { describeEachDialect, sampleVersion } from './database.suite.js';
import { openDatabase } from './open-database.js';

function kyselyOf(db: unknown) {
  if (!(db instanceof KyselyDatabase)) throw new Error('not a KyselyDatabase');
  return db.kysely;
}

describeEachDialect('database', (t) => {
  it('reports its dialect', () => {
    expect(t.db().dialect).toBe(t.dialect);
  });

  it('migrates idempotently: a second run (and a second handle) applies nothing', async () => {
    expect(await t.db().migrate()).toEqual([]);
    const other = await t.reopen();
    expect(await other.migrate()).toEqual([]);
    // The schema is usable after the no-op runs.
    await other.units.getOrCreateByCode({ code: 'A', name: '甲', type: '机关' });
    expect(await t.db().units.list()).toHaveLength(1);
  });

  it('rolls a failed transaction back completely', async () => {
    const db = t.db();
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        const unit = await tx.units.getOrCreateByCode({ code: 'U1', name: '档案馆', type: '事业单位' });
        await tx.pending.put({ regno: 'R-1', objectId: 'obj-1', version: 1 });
        await tx.sequences.next('S');
        await tx.registrations.insert({
          regno: 'R-1',
          unitId: unit.id,
          title: '文书档案',
          objectId: 'obj-1',
          firstVersion: sampleVersion(3),
        });
        await tx.events.append({ regno: 'R-1', type: 'deposit', agent: 'u', outcome: 'success' });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await db.units.list()).toEqual([]);
    expect(await db.pending.list()).toEqual([]);
    expect(await db.registrations.getByRegno('R-1')).toBeUndefined();
    expect(await db.events.list()).toEqual([]);
    // Gap-free: the rolled-back number is handed out again.
    expect(await db.sequences.next('S')).toBe(1);
  });

  it('returns the value of a committed transaction', async () => {
    const got = await t
      .db()
      .transaction(async (tx) => (await tx.units.getOrCreateByCode({ code: 'X', name: 'x' })).code);
    expect(got).toBe('X');
    expect((await t.db().units.getByCode('X'))?.type).toBe('');
  });

  it('a conflict inside a transaction is a ConflictError and rolls everything back', async () => {
    const db = t.db();
    const unit = await db.units.getOrCreateByCode({ code: 'U', name: '单位', type: '企业' });
    const reg = { regno: 'R-9', unitId: unit.id, title: '题名', objectId: 'o9', firstVersion: sampleVersion(1) };
    await db.registrations.insert(reg);
    await expect(
      db.transaction(async (tx) => {
        await tx.pending.put({ regno: 'R-10', objectId: 'o10', version: 1 });
        await tx.registrations.insert({ ...reg, objectId: 'o10' });
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await db.pending.list()).toEqual([]);
  });

  if (t.dialect === 'sqlite') {
    it('sets WAL, synchronous=FULL, foreign_keys and busy_timeout on SQLite', async () => {
      const k = kyselyOf(await t.reopen({ busyTimeoutMs: 1234 }));
      const one = async (pragma: string) =>
        Object.values((await sql.raw(`pragma ${pragma}`).execute(k)).rows[0] as Record<string, unknown>)[0];
      expect(await one('journal_mode')).toBe('wal');
      expect(await one('synchronous')).toBe(2); // FULL
      expect(await one('foreign_keys')).toBe(1);
      expect(await one('busy_timeout')).toBe(1234);
    });
  } else {
    it('sets statement_timeout on PostgreSQL', async () => {
      const k = kyselyOf(await t.reopen({ statementTimeoutMs: 1500 }));
      const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(k);
      expect(rows[0]?.statement_timeout).toBe('1500ms');
    });

    it('reruns a transaction that lost a deadlock (40P01) and commits both', async () => {
      const db = t.db();
      let attempts = 0;
      let arrived = 0;
      let release!: () => void;
      const bothHoldALock = new Promise<void>((r) => (release = r));
      const crossed = (first: string, second: string) =>
        db.transaction(async (tx) => {
          attempts++;
          await tx.sequences.next(first);
          if (++arrived === 2) release();
          await bothHoldALock;
          return tx.sequences.next(second);
        });
      // Seed both rows so the second next() waits on a row lock (a plain INSERT would not).
      await db.sequences.next('a');
      await db.sequences.next('b');
      await Promise.all([crossed('a', 'b'), crossed('b', 'a')]);
      expect(attempts).toBe(3);
      expect(await db.sequences.next('a')).toBe(4);
      expect(await db.sequences.next('b')).toBe(4);
    });
  }
});

describe('openDatabase options', () => {
  it('rejects an unknown URL scheme without echoing it', async () => {
    const err = await openDatabase({ url: 'mysql://root:secret@h/db' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).not.toContain('secret');
  });

  it('rejects a bad pool size', async () => {
    await expect(openDatabase({ url: 'sqlite::memory:', poolSize: 0 })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('fails with DatabaseError E_DB_OPEN when PostgreSQL is unreachable', async () => {
    const err = await openDatabase({ url: 'postgres://nobody:pw@127.0.0.1:1/none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).code).toBe('E_DB_OPEN');
  });

  it('fails with E_DB_OPEN when the SQLite folder does not exist', async () => {
    const err = await openDatabase({ url: 'sqlite:/nonexistent-dir-yinji/x.db' }).catch((e: unknown) => e);
    expect((err as DatabaseError).code).toBe('E_DB_OPEN');
  });

  it('works in memory and closes idempotently', async () => {
    const db = await openDatabase({ url: 'sqlite::memory:' });
    expect(await db.migrate()).toEqual([
      { name: '001_core', status: 'applied' },
      { name: '002_evidence', status: 'applied' },
      { name: '003_coordination', status: 'applied' },
      { name: '004_checks', status: 'applied' },
      { name: '005_audit_log', status: 'applied' },
      { name: '006_auth', status: 'applied' },
      { name: '007_workflow', status: 'applied' },
      { name: '008_replication', status: 'applied' },
      { name: '009_catalog', status: 'applied' },
      { name: '010_access_requests', status: 'applied' },
      { name: '011_catalog_holders', status: 'applied' },
      { name: '012_catalog_tags', status: 'applied' },
      { name: '013_catalog_tags_postgres', status: 'applied' },
    ]);
    expect(await db.sequences.next('x')).toBe(1);
    await db.close();
    await db.close();
  });
});
