import { expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../core/index.js';
import { describeEachDialect, sampleVersion, T0 } from './database.suite.js';

describeEachDialect('sequences, pending commits and events', (t) => {
  it('hands out gap-free numbers to 20 concurrent callers', async () => {
    const db = t.db();
    // On PostgreSQL these run on up to 20 pool connections at once.
    const got = await Promise.all(Array.from({ length: 20 }, () => db.sequences.next('ZJ001-2026-{seq}')));
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Also when each caller is inside its own transaction.
    const inTx = await Promise.all(
      Array.from({ length: 20 }, () => db.transaction((tx) => tx.sequences.next('ZJ001-2026-{seq}'))),
    );
    expect([...inTx].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 21));
    // Series are independent.
    expect(await db.sequences.next('ZJ001-2027-{seq}')).toBe(1);
  });

  it('journals pending commits, refuses a second for the same regno, and removes them', async () => {
    const db = t.db();
    const a = await db.pending.put({
      regno: 'A-2',
      objectId: 'oa',
      version: 1,
      startedAt: '2026-03-01T09:00:00Z',
      detail: { pid: 7, 路径: '暂存/1' },
    });
    expect(a).toEqual({
      regno: 'A-2',
      objectId: 'oa',
      version: 1,
      startedAt: '2026-03-01T09:00:00.000Z',
      detail: { pid: 7, 路径: '暂存/1' },
    });
    await db.pending.put({ regno: 'A-1', objectId: 'ob', version: 3 });
    await db.pending.put({ regno: 'A-0', objectId: 'oc', version: 1 });
    expect(await db.pending.list()).toEqual([
      { regno: 'A-0', objectId: 'oc', version: 1, startedAt: T0, detail: {} },
      { regno: 'A-1', objectId: 'ob', version: 3, startedAt: T0, detail: {} },
      a,
    ]);
    await expect(db.pending.put({ regno: 'A-1', objectId: 'ob', version: 4 })).rejects.toBeInstanceOf(ConflictError);
    expect(await db.pending.remove('A-1')).toBe(true);
    expect(await db.pending.remove('A-1')).toBe(false);
    expect((await db.pending.list()).map((p) => p.regno)).toEqual(['A-0', 'A-2']);
  });

  it('appends events and lists them in append order', async () => {
    const db = t.db();
    const unit = await db.units.getOrCreateByCode({ code: 'U', name: '单位' });
    await db.registrations.insert({
      regno: 'E-1',
      unitId: unit.id,
      title: '题',
      objectId: 'oe1',
      firstVersion: sampleVersion(1),
    });
    await db.registrations.insert({
      regno: 'E-2',
      unitId: unit.id,
      title: '题',
      objectId: 'oe2',
      firstVersion: sampleVersion(1),
    });
    // Same timestamp for all: the order must come from the append order, not the clock.
    const appended = [];
    for (const [regno, type] of [
      ['E-1', 'deposit'],
      ['E-2', 'deposit'],
      [undefined, 'abandoned'],
      ['E-1', 'version'],
      ['E-1', 'restore'],
      ['E-2', 'export'],
    ] as const) {
      appended.push(
        await db.events.append({
          ...(regno ? { regno } : {}),
          type,
          agent: '张三',
          outcome: 'success',
          detail: { 说明: type },
        }),
      );
    }
    expect(appended[0]).toEqual({
      id: expect.any(Number),
      regno: 'E-1',
      type: 'deposit',
      at: T0,
      agent: '张三',
      outcome: 'success',
      detail: { 说明: 'deposit' },
    });
    expect(appended[2]?.regno).toBeNull();
    const ids = appended.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    expect((await db.events.listForRegistration('E-1')).map((e) => e.type)).toEqual(['deposit', 'version', 'restore']);
    expect(await db.events.list()).toEqual(appended);
    expect(await db.events.list({ afterId: ids[2], limit: 2 })).toEqual(appended.slice(3, 5));
    expect((await db.events.list({ type: 'deposit' })).map((e) => e.regno)).toEqual(['E-1', 'E-2']);
    await expect(
      db.events.append({ regno: 'E-404', type: 'restore', agent: 'x', outcome: 'failure' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const dated = await db.events.append({
      type: 'recovered',
      agent: 'system',
      outcome: 'warning',
      at: '2026-01-01T00:00:00+08:00',
    });
    expect(dated.at).toBe('2025-12-31T16:00:00.000Z');
  });
});
