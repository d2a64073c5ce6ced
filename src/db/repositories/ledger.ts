import { ConflictError } from '../../core/index.js';
import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

export interface LedgerNodeKey {
  readonly level: number;
  readonly index: number;
}

export interface LedgerNode extends LedgerNodeKey {
  readonly hash: Uint8Array;
}

export interface LedgerLeaf {
  readonly index: number;
  readonly data: Uint8Array;
  readonly hash: Uint8Array;
}

export interface StoredCheckpoint {
  readonly size: number;
  /** The signed note (C2SP tlog-checkpoint). */
  readonly note: string;
  readonly createdAt: string;
}

/**
 * Storage of the transparency log: leaves, the hashes of complete subtrees
 * (levels ≥ 1; level 0 is the leaf hash) and signed checkpoints. It is the
 * ledger's LogStorage (ledger/log-storage.ts) over SQL and passes that
 * module's shared suite. Appends run inside a transaction that first calls
 * lockHead(), so concurrent appenders (pool connections, server instances)
 * are serialised and the log never forks.
 */
export interface LedgerRepository {
  /** Lock the log for appending until the transaction ends; returns its size. */
  lockHead(): Promise<number>;
  size(): Promise<number>;
  /** Hashes of the given nodes, in key order; undefined where absent. */
  getNodes(keys: readonly LedgerNodeKey[]): Promise<(Uint8Array | undefined)[]>;
  getLeaf(index: number): Promise<LedgerLeaf | undefined>;
  /**
   * Append leaves (contiguous from the current size) and the complete nodes
   * (levels ≥ 1) they finish; ConflictError and nothing written otherwise.
   */
  append(leaves: readonly LedgerLeaf[], nodes: readonly LedgerNode[]): Promise<void>;
  putCheckpoint(size: number, note: string): Promise<void>;
  /** The checkpoint of the largest size, if any. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  checkpoint(size: number): Promise<StoredCheckpoint | undefined>;
}

export const nodeKey = (level: number, index: number): string => `${level}/${index}`;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const BATCH = 500;

export function ledgerRepository(ctx: RepoContext): LedgerRepository {
  const size = async (): Promise<number> =>
    Number((await ctx.db.selectFrom('ledger_head').select('size').where('id', '=', 1).executeTakeFirstOrThrow()).size);

  return {
    lockHead: () =>
      guarded({ zh: '锁定登记日志', en: 'lock the log' }, async () => {
        // An UPDATE that changes nothing still takes the row lock (PostgreSQL) / the write lock (SQLite).
        const row = await ctx.db
          .updateTable('ledger_head')
          .set((eb) => ({ size: eb.ref('size') }))
          .where('id', '=', 1)
          .returning('size')
          .executeTakeFirstOrThrow();
        return Number(row.size);
      }),

    size: () => guarded({ zh: '读取日志大小', en: 'read the log size' }, size),

    getNodes: (keys) =>
      guarded({ zh: '读取日志节点', en: 'read log nodes' }, async () => {
        // A proof needs ~2·log2(n) nodes: one query for the leaf hashes (level 0 IS the
        // leaf hash, RFC 9162 §2.1.1) and one for the inner nodes, not one per level.
        const found = new Map<string, Uint8Array>();
        const leafIndexes = keys.filter((k) => k.level === 0).map((k) => k.index);
        const inner = keys.filter((k) => k.level > 0);
        for (let i = 0; i < leafIndexes.length; i += BATCH) {
          const rows = await ctx.db
            .selectFrom('ledger_leaves')
            .select(['idx', 'leaf_hash as hash'])
            .where('idx', 'in', leafIndexes.slice(i, i + BATCH))
            .execute();
          for (const r of rows) found.set(nodeKey(0, Number(r.idx)), bytes(r.hash));
        }
        for (let i = 0; i < inner.length; i += BATCH) {
          const batch = inner.slice(i, i + BATCH);
          const rows = await ctx.db
            .selectFrom('ledger_nodes')
            .select(['level', 'idx', 'hash'])
            .where((eb) =>
              eb(
                eb.refTuple('level', 'idx'),
                'in',
                batch.map((k) => eb.tuple(k.level, k.index)),
              ),
            )
            .execute();
          for (const r of rows) found.set(nodeKey(Number(r.level), Number(r.idx)), bytes(r.hash));
        }
        return keys.map((k) => found.get(nodeKey(k.level, k.index)));
      }),

    append: (leaves, nodes) =>
      guarded({ zh: '追加日志条目', en: 'append to the log' }, async () => {
        if (leaves.length === 0) return;
        const current = await size();
        if (leaves[0]!.index !== current || leaves.some((l, i) => l.index !== current + i)) {
          throw new ConflictError({
            zh: `日志追加位置不连续（当前大小 ${current}），已拒绝以免分叉`,
            en: `log append is not contiguous with size ${current}; refused so the log cannot fork`,
          });
        }
        for (let i = 0; i < leaves.length; i += BATCH) {
          await ctx.db
            .insertInto('ledger_leaves')
            .values(
              leaves.slice(i, i + BATCH).map((l) => ({
                idx: l.index,
                data: Buffer.from(l.data).toString('base64'),
                leaf_hash: hex(l.hash),
              })),
            )
            .execute();
        }
        for (let i = 0; i < nodes.length; i += BATCH) {
          await ctx.db
            .insertInto('ledger_nodes')
            .values(nodes.slice(i, i + BATCH).map((n) => ({ level: n.level, idx: n.index, hash: hex(n.hash) })))
            .execute();
        }
        await ctx.db
          .updateTable('ledger_head')
          .set({ size: current + leaves.length })
          .where('id', '=', 1)
          .execute();
      }),

    getLeaf: (index) =>
      guarded({ zh: `读取日志条目 ${index}`, en: `read log leaf ${index}` }, async () => {
        const row = await ctx.db.selectFrom('ledger_leaves').selectAll().where('idx', '=', index).executeTakeFirst();
        return (
          row && {
            index: Number(row.idx),
            data: new Uint8Array(Buffer.from(row.data, 'base64')),
            hash: bytes(row.leaf_hash),
          }
        );
      }),

    putCheckpoint: (cpSize, note) =>
      guarded({ zh: '保存检查点', en: 'store a checkpoint' }, async () => {
        await ctx.db
          .insertInto('ledger_checkpoints')
          .values({ size: cpSize, note, created_at: timestamp(ctx) })
          .onConflict((oc) => oc.column('size').doNothing())
          .execute();
      }),

    latestCheckpoint: () =>
      guarded({ zh: '读取最新检查点', en: 'read the latest checkpoint' }, async () => {
        const row = await ctx.db
          .selectFrom('ledger_checkpoints')
          .selectAll()
          .orderBy('size', 'desc')
          .limit(1)
          .executeTakeFirst();
        return row && { size: Number(row.size), note: row.note, createdAt: row.created_at };
      }),

    checkpoint: (cpSize) =>
      guarded({ zh: `读取检查点 ${cpSize}`, en: `read checkpoint ${cpSize}` }, async () => {
        const row = await ctx.db
          .selectFrom('ledger_checkpoints')
          .selectAll()
          .where('size', '=', cpSize)
          .executeTakeFirst();
        return row && { size: Number(row.size), note: row.note, createdAt: row.created_at };
      }),
  };
}
