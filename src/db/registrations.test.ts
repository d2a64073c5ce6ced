import { expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../core/index.js';
import { describeEachDialect, sampleVersion, T0 } from './database.suite.js';
import { compareText } from './repositories/context.js';

describeEachDialect('registrations', (t) => {
  const setup = async () => {
    const db = t.db();
    const unit = await db.units.getOrCreateByCode({
      code: '91330100MA2XXXXX1Y',
      name: '杭州市档案馆',
      type: '事业单位',
    });
    return { db, unit };
  };

  it('inserts, gets and lists registrations with Chinese titles', async () => {
    const { db, unit } = await setup();
    const other = await db.units.getOrCreateByCode({ code: 'ZJ002', name: '宁波市档案馆', type: '事业单位' });
    const titles = ['二〇二五年度文书档案', '会计凭证（第一册）', '照片档案·西湖', '科技档案 🏯', '人事档案'];
    for (const [i, title] of titles.entries()) {
      await db.registrations.insert({
        regno: `ZJ001-2026-${String(i + 1).padStart(6, '0')}`,
        unitId: i < 3 ? unit.id : other.id,
        title,
        objectId: `urn:yinji:ZJ001:${i + 1}`,
        firstVersion: sampleVersion(2),
      });
    }
    const got = await db.registrations.getByRegno('ZJ001-2026-000002');
    expect(got).toEqual({
      id: expect.any(Number),
      regno: 'ZJ001-2026-000002',
      unitId: unit.id,
      title: '会计凭证（第一册）',
      objectId: 'urn:yinji:ZJ001:2',
      headVersion: 1,
      fileCount: 2,
      byteCount: 2001,
      createdAt: T0,
      updatedAt: T0,
      classification: 'open',
    });
    expect(await db.registrations.getByRegno('nope')).toBeUndefined();

    const all = await db.registrations.list();
    expect(all.total).toBe(5);
    expect(all.items.map((r) => r.title)).toEqual([...titles].reverse()); // newest first

    const page2 = await db.registrations.list({ unitId: unit.id, limit: 2, offset: 2 });
    expect(page2.total).toBe(3);
    expect(page2.items.map((r) => r.title)).toEqual(['二〇二五年度文书档案']);
    expect((await db.registrations.list({ unitId: other.id })).items.map((r) => r.title)).toEqual(
      titles.slice(3).reverse(),
    );
  });

  it('keeps units unique by code and lists them in code-point order', async () => {
    const { db, unit } = await setup();
    const again = await db.units.getOrCreateByCode({ code: unit.code, name: '别的名字', type: '企业' });
    expect(again).toEqual(unit); // existing unit unchanged
    await Promise.all(['b', 'B', '甲', 'a'].map((code) => db.units.getOrCreateByCode({ code, name: code })));
    expect((await db.units.list()).map((u) => u.code)).toEqual(['91330100MA2XXXXX1Y', 'B', 'a', 'b', '甲']);
    expect(await db.units.getById(unit.id)).toEqual(unit);
    expect(await db.units.getById(999_999)).toBeUndefined();
  });

  it('stores a 10,000-file version in batches and returns it in path order', async () => {
    const { db, unit } = await setup();
    const version = sampleVersion(10_000, '卷宗');
    // Shuffle, so the order returned is the repository's doing.
    const files = [...version.files].reverse();
    files.push({ path: 'ZZ/Ä.txt', size: 5_000_000_000, sha256: 'a'.repeat(64), mtime: null });
    files.push({ path: 'ZZ/𠀀.txt', size: 1, sha256: 'b'.repeat(64), mtime: null });
    files.push({ path: 'ZZ/\uFF21.txt', size: 1, sha256: 'c'.repeat(64), mtime: null });
    const reg = await db.registrations.insert({
      regno: 'BIG-1',
      unitId: unit.id,
      title: '大批量',
      objectId: 'big',
      firstVersion: { ...version, files },
    });
    expect(reg.fileCount).toBe(10_003);
    expect(reg.byteCount).toBe(files.reduce((s, f) => s + f.size, 0));
    const back = await db.registrations.versionFiles('BIG-1', 1);
    expect(back).toHaveLength(10_003);
    expect(back).toEqual([...files].sort((a, b) => compareText(a.path, b.path)));
    // Code-point order on both dialects: the astral character sorts after U+FF21.
    expect(back.map((f) => f.path).filter((p) => p.startsWith('ZZ/'))).toEqual([
      'ZZ/Ä.txt',
      'ZZ/\uFF21.txt',
      'ZZ/𠀀.txt',
    ]);
  });

  it('adds versions, each with its full file state', async () => {
    const { db, unit } = await setup();
    await db.registrations.insert({
      regno: 'R-1',
      unitId: unit.id,
      title: '案卷',
      objectId: 'o1',
      firstVersion: sampleVersion(3),
    });
    const v2 = {
      ...sampleVersion(5),
      message: '补充材料',
      sourceKind: 'upload',
      createdAt: '2026-03-02T10:00:00+08:00',
    };
    const updated = await db.registrations.addVersion('R-1', 2, v2);
    expect(updated).toMatchObject({
      regno: 'R-1',
      headVersion: 2,
      fileCount: 5,
      createdAt: T0,
      updatedAt: '2026-03-02T02:00:00.000Z',
    });
    expect(await db.registrations.getByRegno('R-1')).toEqual(updated);

    const versions = await db.registrations.versions('R-1');
    expect(versions.map((v) => [v.version, v.fileCount, v.message, v.sourceKind, v.createdAt])).toEqual([
      [1, 3, '登记', 'folder', T0],
      [2, 5, '补充材料', 'upload', '2026-03-02T02:00:00.000Z'],
    ]);
    expect(versions[1]?.newContentBytes).toBe(v2.newContentBytes);
    expect(await db.registrations.versionFiles('R-1', 1)).toHaveLength(3);
    expect(await db.registrations.versionFiles('R-1', 2)).toEqual(v2.files);

    // Not head + 1: someone else got there first.
    await expect(db.registrations.addVersion('R-1', 2, sampleVersion(1))).rejects.toBeInstanceOf(ConflictError);
    await expect(db.registrations.addVersion('R-1', 4, sampleVersion(1))).rejects.toBeInstanceOf(ConflictError);
    await expect(db.registrations.addVersion('R-404', 2, sampleVersion(1))).rejects.toBeInstanceOf(NotFoundError);
    expect((await db.registrations.getByRegno('R-1'))?.headVersion).toBe(2);
    await expect(db.registrations.versionFiles('R-1', 3)).rejects.toBeInstanceOf(NotFoundError);
    await expect(db.registrations.versions('R-404')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('maps a duplicate regno to ConflictError and leaves the first untouched', async () => {
    const { db, unit } = await setup();
    const first = await db.registrations.insert({
      regno: 'DUP',
      unitId: unit.id,
      title: '原件',
      objectId: 'o-a',
      firstVersion: sampleVersion(1),
    });
    const err = await db.registrations
      .insert({ regno: 'DUP', unitId: unit.id, title: '重复', objectId: 'o-b', firstVersion: sampleVersion(4) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).code).toBe('E_CONFLICT');
    expect(await db.registrations.getByRegno('DUP')).toEqual(first);
    expect(await db.registrations.versionFiles('DUP', 1)).toHaveLength(1);
    expect((await db.registrations.list()).total).toBe(1);
  });

  it('removes the pending entry in the same transaction that inserts the registration', async () => {
    const { db, unit } = await setup();
    await db.pending.put({ regno: 'P-1', objectId: 'op', version: 1, detail: { pid: 42 } });
    await db.transaction(async (tx) => {
      await tx.registrations.insert({
        regno: 'P-1',
        unitId: unit.id,
        title: '题',
        objectId: 'op',
        firstVersion: sampleVersion(1),
      });
      expect(await tx.pending.remove('P-1')).toBe(true);
    });
    expect(await db.pending.list()).toEqual([]);
    expect(await db.registrations.getByRegno('P-1')).toBeDefined();
  });
});
