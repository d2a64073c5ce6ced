/**
 * Issue 5 "Must show": tampering with one audit-log row (raw SQL, as someone
 * with database access would) is detected — and so are deletions, reordering
 * and a rewrite of the whole chain with every hash recomputed (by the anchors).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, rawSql, withTestDatabases } from '../../test/support/databases.js';
import { auditEntryHash, type AuditEntry } from '../db/index.js';
import { anchorAuditLogNow, verifyCenterAuditLog } from './audit-log.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { exportBag } from './export-bag.js';
import { restore } from './restore.js';

const databases = withTestDatabases();
let tmp: string;
let src: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-audit-'));
  src = join(tmp, 'src');
  await mkdir(join(src, '文书'), { recursive: true });
  await writeFile(join(src, '文书', '通知.txt'), '关于开展电子文件登记备份工作的通知');
  await writeFile(join(src, 'readme.txt'), 'hello');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const COLUMNS = ['at', 'actor', 'role', 'action', 'target', 'outcome', 'detail', 'prev_hash', 'hash'] as const;
const columnsOf = (e: AuditEntry): unknown[] => [
  e.at,
  e.actor,
  e.role,
  e.action,
  e.target,
  e.outcome,
  e.detailText,
  e.prevHash,
  e.hash,
];
const problems = (r: { findings: readonly { seq: number; problem: string }[] }): [number, string][] =>
  r.findings.map((f) => [f.seq, f.problem]);

for (const dialect of TEST_DIALECTS) {
  describe(`security audit log on ${dialect}`, () => {
    let center: Center;
    let url: string;
    let n = 0;

    /** Overwrite a row with the given stored values. */
    const writeRow = (seq: number, values: unknown[]): Promise<void> =>
      rawSql(url, `update audit_log set ${COLUMNS.map((c) => `${c} = ?`).join(', ')} where seq = ?`, [...values, seq]);

    beforeEach(async () => {
      url = await databases.fresh(dialect);
      center = await Center.open({ dataDir: join(tmp, `${dialect}-${n++}`), config: { database: url } });
      // Real center operations append the entries: 1 deposit, 2 deposit, 3 restore, 4 export.
      const a = await deposit(center, { source: src, unit: 'ZJ001', agent: '张三' });
      await deposit(center, { source: src, unit: 'ZJ001' });
      await restore(center, { regno: a.regno, to: join(tmp, `restored-${dialect}-${n}`), agent: '李四' });
      await exportBag(center, { regno: a.regno, dest: join(tmp, `bag-${dialect}-${n}`) });
    });
    afterEach(async () => {
      await center.close();
    });

    it('records deposits, restores and exports, and verifies an intact chain', async () => {
      const entries = await center.db.auditLog.list();
      expect(entries.map((e) => [e.seq, e.action, e.actor, e.role, e.outcome])).toEqual([
        [1, 'deposit', '张三', 'local', 'success'],
        [2, 'deposit', 'ZJ001', 'unit', 'success'],
        [3, 'restore', '李四', 'local', 'success'],
        [4, 'export', 'system', 'system', 'success'],
      ]);
      expect(JSON.parse(entries[0]!.detailText)).toMatchObject({ version: 1, unit: 'ZJ001', files: 2 });
      const report = await verifyCenterAuditLog(center);
      expect(report).toMatchObject({ ok: true, entries: 4, head: { length: 4, hash: entries[3]!.hash }, findings: [] });
    });

    it('detects an SQL UPDATE of one row’s detail, and reports exactly that row', async () => {
      await rawSql(url, `update audit_log set detail = ? where seq = ?`, ['{"bytes":0,"files":0}', 2]);
      const report = await verifyCenterAuditLog(center);
      expect(report.ok).toBe(false);
      expect(problems(report)).toEqual([[2, 'altered']]);
      expect(report.findings[0]!.message.en).toContain('audit entry 2');
    });

    it('detects a deleted middle row and a deleted last row', async () => {
      await rawSql(url, `delete from audit_log where seq = ?`, [2]);
      expect((await verifyCenterAuditLog(center)).findings).toMatchObject([{ seq: 2, toSeq: 2, problem: 'missing' }]);
      await rawSql(url, `delete from audit_log where seq = ?`, [4]);
      expect(problems(await verifyCenterAuditLog(center))).toEqual([
        [2, 'missing'],
        [4, 'missing'],
      ]);
    });

    it('detects two rows swapped (reordered)', async () => {
      const [, two, three] = await center.db.auditLog.list();
      await writeRow(2, columnsOf(three!));
      await writeRow(3, columnsOf(two!));
      // Both moved rows hash wrongly for their new place, and the chain breaks before, between and after them.
      expect(problems(await verifyCenterAuditLog(center))).toEqual([
        [2, 'altered'],
        [2, 'broken-link'],
        [3, 'altered'],
        [3, 'broken-link'],
        [4, 'broken-link'],
      ]);
    });

    it('catches a rewrite with every later hash recomputed, by the anchor in the transparency log', async () => {
      const anchor = await anchorAuditLogNow(center);
      expect(anchor).toMatchObject({ seq: 5, action: 'anchor', actor: 'system' });
      expect(await anchorAuditLogNow(center)).toBeUndefined(); // nothing new since
      const intact = await verifyCenterAuditLog(center);
      expect(intact).toMatchObject({ ok: true, anchors: 1, anchoredLength: 4 });
      const leaf = await center.db.ledger.getLeaf(JSON.parse(anchor!.detailText).leafIndex as number);
      expect(JSON.parse(Buffer.from(leaf!.data).toString())).toMatchObject({
        kind: 'security-audit-log',
        length: 4,
        head: JSON.parse(anchor!.detailText).head,
      });

      // The attacker edits entry 2 and recomputes every hash after it, head included: the chain is consistent…
      const rewrite = async (edit: (e: AuditEntry) => AuditEntry): Promise<void> => {
        let prev: string | undefined;
        for (const stored of await center.db.auditLog.list()) {
          if (stored.seq < 2) {
            prev = stored.hash;
            continue;
          }
          const changed = edit({ ...stored, prevHash: prev! });
          const e = { ...changed, hash: auditEntryHash(changed)! };
          await writeRow(e.seq, columnsOf(e));
          prev = e.hash;
        }
        await rawSql(url, `update audit_head set hash = ? where id = 1`, [prev]);
      };
      await rewrite((e) => (e.seq === 2 ? { ...e, actor: 'someone-else' } : e));
      const forged = await verifyCenterAuditLog(center);
      // …but the anchored head at length 4 no longer matches.
      expect(problems(forged)).toEqual([[5, 'anchor-mismatch']]);
      expect(forged.anchoredLength).toBe(0);

      // Rewriting the anchor entry's recorded head too does not help: the transparency log holds the real one.
      const newHead4 = (await center.db.auditLog.list({ from: 4, to: 4 }))[0]!.hash;
      await rewrite((e) =>
        e.seq === 5 ? { ...e, detailText: JSON.stringify({ ...JSON.parse(e.detailText), head: newHead4 }) } : e,
      );
      const forged2 = await verifyCenterAuditLog(center);
      expect(problems(forged2)).toEqual([[5, 'anchor-mismatch']]);
      expect(forged2.findings[0]!.message.en).toContain('transparency log leaf');
    });
  });
}
