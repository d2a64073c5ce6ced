import { expect, it } from 'vitest';
import { describeEachDialect, T0 } from './database.suite.js';
import type { Database } from './database.js';

async function setup(db: Database): Promise<{ unitA: number; unitB: number; user: number; op: number }> {
  const a = await db.units.getOrCreateByCode({ code: 'A', name: '甲单位' });
  const b = await db.units.getOrCreateByCode({ code: 'B', name: '乙单位' });
  const user = await db.users.create({
    username: 'dep-a',
    displayName: '报送员',
    unitId: a.id,
    passwordHash: null,
    clearance: 'open',
  });
  const op = await db.users.create({
    username: 'op',
    displayName: '审核员',
    unitId: null,
    passwordHash: null,
    clearance: 'internal',
  });
  return { unitA: a.id, unitB: b.id, user: user.id, op: op.id };
}

describeEachDialect('submissions and annual reports', (t) => {
  it('creates a submission with its creating event; JSON columns round-trip', async () => {
    const db = t.db();
    const { unitA, user } = await setup(db);
    const s = await db.submissions.create({
      unitId: unitA,
      createdBy: user,
      title: '2025年文书档案',
      classification: 'open',
      declared: { packageDigest: 'sm3:' + 'a'.repeat(64), carrier: { type: 'online' } },
      actor: 'dep-a',
      note: '首次',
    });
    expect(s).toMatchObject({
      unitId: unitA,
      createdBy: user,
      status: 'draft',
      declared: { packageDigest: 'sm3:' + 'a'.repeat(64), carrier: { type: 'online' } },
      packagePath: null,
      checkReport: null,
      reasons: [],
      reviewerId: null,
      regno: null,
      createdAt: T0,
      updatedAt: T0,
    });
    expect(await db.submissions.getById(s.id)).toEqual(s);
    expect(await db.submissions.getById(s.id + 1000)).toBeUndefined();
    expect(await db.submissions.events(s.id)).toEqual([
      {
        id: expect.any(Number),
        submissionId: s.id,
        fromStatus: null,
        toStatus: 'draft',
        actorId: user,
        actor: 'dep-a',
        at: T0,
        note: '首次',
      },
    ]);
  });

  it('moves the status by compare-and-set, with the changes and an event in the same step', async () => {
    const db = t.db();
    const { unitA, user, op } = await setup(db);
    const s = await db.submissions.create({
      unitId: unitA,
      createdBy: user,
      title: 't',
      classification: 'open',
      declared: {},
      actor: 'dep-a',
    });
    const up = await db.submissions.transition(s.id, {
      from: ['draft'],
      to: 'uploaded',
      actor: 'dep-a',
      actorId: user,
      changes: { packagePath: 'submissions/1-x.pkg', packageBytes: 5_000_000_000, checkReport: { blocked: false } },
    });
    expect(up).toMatchObject({ status: 'uploaded', packagePath: 'submissions/1-x.pkg', packageBytes: 5_000_000_000 });
    expect(up?.checkReport).toEqual({ blocked: false });
    // Wrong state, wrong package: nothing happens.
    expect(await db.submissions.transition(s.id, { from: ['draft'], to: 'uploaded', actor: 'x', actorId: null })).toBe(
      undefined,
    );
    expect(
      await db.submissions.transition(s.id, {
        from: ['uploaded'],
        to: 'self-checked',
        actor: 'x',
        actorId: null,
        expectPackagePath: 'submissions/1-other.pkg',
      }),
    ).toBeUndefined();
    expect(await db.submissions.transition(999_999, { from: ['draft'], to: 'x', actor: 'x', actorId: null })).toBe(
      undefined,
    );
    const back = await db.submissions.transition(s.id, {
      from: ['uploaded', 'self-checked'],
      to: 'returned',
      actor: 'op',
      actorId: op,
      note: 'r',
      changes: { reasons: ['目录缺失', 'catalog missing'], reviewerId: op, checkReport: null, packagePath: null },
    });
    expect(back).toMatchObject({ status: 'returned', reasons: ['目录缺失', 'catalog missing'], reviewerId: op });
    expect(back).toMatchObject({ checkReport: null, packagePath: null, packageBytes: 5_000_000_000 });
    const events = await db.submissions.events(s.id);
    expect(events.map((e) => [e.fromStatus, e.toStatus, e.actor, e.actorId, e.note])).toEqual([
      [null, 'draft', 'dep-a', user, ''],
      ['draft', 'uploaded', 'dep-a', user, ''],
      ['uploaded', 'returned', 'op', op, 'r'],
    ]);
  });

  it('lets exactly one of many concurrent transitions win', async () => {
    const db = t.db();
    // PostgreSQL: two pools, as two server instances would have. SQLite: one handle (two in one process
    // would block each other's synchronous busy wait), whose writers take turns.
    const other = t.dialect === 'postgres' ? await t.reopen({ poolSize: 10 }) : db;
    const { unitA, user, op } = await setup(db);
    const s = await db.submissions.create({
      unitId: unitA,
      createdBy: user,
      title: 't',
      classification: 'open',
      declared: {},
      actor: 'dep-a',
    });
    await db.submissions.transition(s.id, { from: ['draft'], to: 'under-review', actor: 'op', actorId: op });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? db : other).submissions.transition(s.id, {
          from: ['under-review'],
          to: 'approved',
          actor: `op${i}`,
          actorId: op,
        }),
      ),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const events = await db.submissions.events(s.id);
    expect(events.filter((e) => e.toStatus === 'approved')).toHaveLength(1);
  });

  it('lists by unit, status and classification, oldest first, with a total', async () => {
    const db = t.db();
    const { unitA, unitB, user } = await setup(db);
    const make = (unitId: number, classification: string) =>
      db.submissions.create({ unitId, createdBy: user, title: 't', classification, declared: {}, actor: 'dep-a' });
    const a1 = await make(unitA, 'open');
    const b1 = await make(unitB, 'open');
    const a2 = await make(unitA, 'internal');
    await db.submissions.transition(a2.id, { from: ['draft'], to: 'submitted', actor: 'x', actorId: null });
    await db.submissions.transition(b1.id, { from: ['draft'], to: 'submitted', actor: 'x', actorId: null });

    const ids = async (o: Parameters<Database['submissions']['list']>[0]) => {
      const page = await db.submissions.list(o);
      return [page.items.map((s) => s.id), page.total];
    };
    expect(await ids({})).toEqual([[a1.id, b1.id, a2.id], 3]);
    expect(await ids({ unitId: unitA })).toEqual([[a1.id, a2.id], 2]);
    expect(await ids({ statuses: ['submitted'] })).toEqual([[b1.id, a2.id], 2]);
    expect(await ids({ statuses: [] })).toEqual([[], 0]);
    expect(await ids({ unitId: unitA, classifications: ['open'] })).toEqual([[a1.id], 1]);
    expect(await ids({ limit: 1, offset: 1 })).toEqual([[b1.id], 3]);
  });

  it('keeps one annual report per unit and year, editable until submitted', async () => {
    const db = t.db();
    const { unitA, unitB, user, op } = await setup(db);
    expect(await db.annualReports.get(unitA, 2025)).toBeUndefined();
    const d1 = await db.annualReports.saveDraft({ unitId: unitA, year: 2025, form: { a: 1 }, updatedBy: user });
    expect(d1).toEqual({
      unitId: unitA,
      year: 2025,
      status: 'draft',
      form: { a: 1 },
      updatedBy: user,
      updatedAt: T0,
      submittedAt: null,
    });
    const d2 = await db.annualReports.saveDraft({ unitId: unitA, year: 2025, form: { a: 2 }, updatedBy: op });
    expect(d2).toMatchObject({ form: { a: 2 }, updatedBy: op, status: 'draft' });
    await db.annualReports.saveDraft({ unitId: unitB, year: 2025, form: {}, updatedBy: user });
    await db.annualReports.saveDraft({ unitId: unitA, year: 2024, form: {}, updatedBy: user });

    expect(await db.annualReports.markSubmitted(unitA, 2025, user)).toMatchObject({
      status: 'submitted',
      submittedAt: T0,
    });
    expect(await db.annualReports.markSubmitted(unitA, 2025, user)).toBeUndefined();
    expect(await db.annualReports.markSubmitted(unitA, 2023, user)).toBeUndefined();
    // Submitted: a later save changes nothing.
    expect(await db.annualReports.saveDraft({ unitId: unitA, year: 2025, form: { a: 3 }, updatedBy: user })).toBe(
      undefined,
    );
    expect((await db.annualReports.get(unitA, 2025))?.form).toEqual({ a: 2 });

    const keys = (rs: readonly { unitId: number; year: number }[]) => rs.map((r) => [r.unitId, r.year]);
    expect(keys(await db.annualReports.list())).toEqual([
      [unitA, 2024],
      [unitA, 2025],
      [unitB, 2025],
    ]);
    expect(keys(await db.annualReports.list({ year: 2025 }))).toEqual([
      [unitA, 2025],
      [unitB, 2025],
    ]);
    expect(keys(await db.annualReports.list({ unitId: unitA }))).toEqual([
      [unitA, 2024],
      [unitA, 2025],
    ]);
  });
});
