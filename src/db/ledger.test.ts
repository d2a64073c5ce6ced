import { expect, it, onTestFinished } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { runLogStorageSuite } from '../ledger/log-storage.suite.js';
import { openDatabase } from './open-database.js';
import { describeEachDialect, sampleVersion } from './database.suite.js';

const h = (n: number): Uint8Array => new Uint8Array(32).fill(n);

describeEachDialect('ledger and evidence storage', (t) => {
  it('appends contiguous leaves and nodes, reads them back byte-exact', async () => {
    const db = t.db();
    await db.transaction(async (tx) => {
      expect(await tx.ledger.lockHead()).toBe(0);
      await tx.ledger.append(
        [
          { index: 0, data: Buffer.from('{"登记号":"A-1"}'), hash: h(1) },
          { index: 1, data: Buffer.from('{"登记号":"A-2"}'), hash: h(2) },
        ],
        [{ level: 1, index: 0, hash: h(3) }],
      );
    });
    expect(await db.ledger.size()).toBe(2);
    const nodes = await db.ledger.getNodes([
      { level: 1, index: 0 },
      { level: 0, index: 1 },
      { level: 4, index: 9 },
    ]);
    expect(nodes).toEqual([h(3), h(2), undefined]);
    const leaf = await db.ledger.getLeaf(1);
    expect(Buffer.from(leaf!.data).toString()).toBe('{"登记号":"A-2"}');
    expect(leaf!.hash).toEqual(h(2));
  });

  it('refuses an append that is not contiguous, so the log cannot fork', async () => {
    const db = t.db();
    await db.transaction((tx) => tx.ledger.append([{ index: 0, data: Buffer.from('a'), hash: h(1) }], []));
    await expect(
      db.transaction((tx) => tx.ledger.append([{ index: 0, data: Buffer.from('b'), hash: h(2) }], [])),
    ).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await expect(
      db.transaction((tx) => tx.ledger.append([{ index: 2, data: Buffer.from('c'), hash: h(3) }], [])),
    ).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect(await db.ledger.size()).toBe(1);
  });

  it('serialises concurrent appenders: each sees the size the previous one left', async () => {
    const db = t.db();
    const appendOne = (n: number): Promise<void> =>
      db.transaction(async (tx) => {
        const size = await tx.ledger.lockHead();
        await tx.ledger.append([{ index: size, data: Buffer.from(`leaf ${n}`), hash: h(n) }], []);
      });
    await Promise.all(Array.from({ length: 10 }, (_, n) => appendOne(n)));
    expect(await db.ledger.size()).toBe(10);
  });

  it('keeps checkpoints by size and returns the latest', async () => {
    const db = t.db();
    await db.ledger.putCheckpoint(3, 'note three');
    await db.ledger.putCheckpoint(10, 'note ten');
    await db.ledger.putCheckpoint(3, 'ignored duplicate');
    expect((await db.ledger.latestCheckpoint())?.note).toBe('note ten');
    expect((await db.ledger.checkpoint(3))?.note).toBe('note three');
    expect(await db.ledger.checkpoint(4)).toBeUndefined();
  });

  it('stores evidence per registration version', async () => {
    const db = t.db();
    const unit = await db.units.getOrCreateByCode({ code: 'U', name: '单位' });
    await db.registrations.insert({
      regno: 'R-1',
      unitId: unit.id,
      title: 't',
      objectId: 'o',
      firstVersion: sampleVersion(2),
    });
    const token = new Uint8Array([0x30, 0x82, 0x01, 0x00, 0xff]);
    await db.evidence.put({ regno: 'R-1', version: 1, leafIndex: 0, statement: '{"a":1}', timestampToken: token });
    expect(await db.evidence.get('R-1', 1)).toEqual({
      regno: 'R-1',
      version: 1,
      leafIndex: 0,
      statement: '{"a":1}',
      timestampToken: token,
    });
    expect(await db.evidence.get('R-1', 2)).toBeUndefined();
  });
});

// The ledger's own contract for log storage, on both dialects (each call gets a fresh database).
const contractDatabases = withTestDatabases();
for (const dialect of TEST_DIALECTS) {
  runLogStorageSuite(`db/${dialect}`, async () => {
    const db = await openDatabase({ url: await contractDatabases.fresh(dialect) });
    await db.migrate();
    onTestFinished(() => db.close());
    return db.ledger;
  });
}
