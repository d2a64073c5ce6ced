import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { AUDIT_GENESIS, auditEntryHash } from './repositories/audit-log.js';
import { describeEachDialect, T0 } from './database.suite.js';

describeEachDialect('security audit log', (t) => {
  it('starts empty at the genesis hash', async () => {
    expect(await t.db().auditLog.head()).toEqual({ length: 0, hash: AUDIT_GENESIS });
    expect(await t.db().auditLog.list()).toEqual([]);
  });

  it('chains each entry to the one before, by the documented hash rule', async () => {
    const db = t.db();
    const a = await db.auditLog.append({
      actor: '张三',
      role: 'depositor',
      action: 'deposit',
      target: 'YINJI-2026-000001',
      outcome: 'success',
      detail: { version: 1, files: 3 },
    });
    const b = await db.auditLog.append({
      actor: 'system',
      role: 'system',
      action: 'restore',
      target: 'YINJI-2026-000001',
      outcome: 'failure',
    });
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(a.prevHash).toBe(AUDIT_GENESIS);
    expect(b.prevHash).toBe(a.hash);
    expect(a.at).toBe(T0);
    // Known answer: the rule written out by hand (RFC 8785 sorts the members).
    const text =
      '{"action":"deposit","actor":"张三","at":"2026-03-01T08:00:00.000Z","detail":{"files":3,"version":1},' +
      `"outcome":"success","prev_hash":"${AUDIT_GENESIS}","role":"depositor","seq":1,"target":"YINJI-2026-000001"}`;
    expect(a.hash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(a.detailText).toBe('{"files":3,"version":1}');
    expect(auditEntryHash(b)).toBe(b.hash);
    expect(await db.auditLog.head()).toEqual({ length: 2, hash: b.hash });
    expect(await db.auditLog.list()).toEqual([a, b]);
    expect(await db.auditLog.list({ from: 2 })).toEqual([b]);
    expect(await db.auditLog.list({ to: 1 })).toEqual([a]);
    expect(await db.auditLog.list({ limit: 1, newestFirst: true })).toEqual([b]);
    expect(auditEntryHash({ ...a, detailText: 'not json' })).toBeUndefined();
  });

  it('serialises 20 concurrent appenders into one unbroken chain', async () => {
    const db = t.db();
    // On PostgreSQL these run on up to 20 pool connections at once; half inside callers' own transactions.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const entry = {
          actor: `user-${i}`,
          role: 'operator',
          action: 'review',
          target: `R-${i}`,
          outcome: 'success',
          detail: { i },
        } as const;
        return i % 2 === 0 ? db.auditLog.append(entry) : db.transaction((tx) => tx.auditLog.append(entry));
      }),
    );
    const entries = await t.db().auditLog.list();
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    let prev = AUDIT_GENESIS;
    for (const e of entries) {
      expect(e.prevHash).toBe(prev);
      expect(auditEntryHash(e)).toBe(e.hash);
      prev = e.hash;
    }
    expect(new Set(entries.map((e) => e.actor)).size).toBe(20);
    expect(await t.db().auditLog.head()).toEqual({ length: 20, hash: prev });
  });

  it('rolls an append back with the caller’s transaction, leaving no gap', async () => {
    const db = t.db();
    await expect(
      db.transaction(async (tx) => {
        await tx.auditLog.append({ actor: 'a', role: 'r', action: 'x', target: 't', outcome: 'success' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const e = await db.auditLog.append({ actor: 'a', role: 'r', action: 'x', target: 't', outcome: 'success' });
    expect(e.seq).toBe(1);
    expect(e.prevHash).toBe(AUDIT_GENESIS);
  });
});
