import type { Cosignature, WitnessState } from '../records.js';
import { guarded } from '../db-errors.js';
import { timestamp, type RepoContext } from './context.js';

/**
 * Both sides of checkpoint witnessing (C2SP tlog-witness): as a witness, the
 * latest checkpoint of each partner's log this center cosigned — a later
 * checkpoint must extend it; as a log, the cosignatures partners gave.
 */
export interface WitnessRepository {
  state(peerId: string): Promise<WitnessState | undefined>;
  /**
   * Move the witnessed state of `peerId` from `previousSize` (undefined: first
   * sight) to `next`; false when another request moved it first (the caller
   * re-reads and re-checks).
   */
  advance(
    peerId: string,
    previousSize: number | undefined,
    next: Omit<WitnessState, 'peerId' | 'updatedAt'>,
  ): Promise<boolean>;
  listStates(): Promise<readonly WitnessState[]>;
  addCosignature(c: Omit<Cosignature, 'receivedAt'>): Promise<void>;
  /** Cosignatures of the checkpoint at exactly this log size. */
  cosignatures(logSize: number): Promise<readonly Cosignature[]>;
  /** The newest cosignature each witness gave. */
  latestCosignatures(): Promise<readonly Cosignature[]>;
}

export function witnessRepository(ctx: RepoContext): WitnessRepository {
  const toState = (r: {
    peer_id: string;
    size: number;
    root_hash: string;
    checkpoint: string;
    updated_at: string;
  }): WitnessState => ({
    peerId: r.peer_id,
    size: Number(r.size),
    rootHash: r.root_hash,
    checkpoint: r.checkpoint,
    updatedAt: r.updated_at,
  });
  const toCosig = (r: {
    log_size: number;
    witness_id: string;
    cosignature: string;
    received_at: string;
  }): Cosignature => ({
    logSize: Number(r.log_size),
    witnessId: r.witness_id,
    cosignature: r.cosignature,
    receivedAt: r.received_at,
  });
  return {
    state: (peerId) =>
      guarded({ zh: `读取见证状态 ${peerId}`, en: `read witness state ${peerId}` }, async () => {
        const r = await ctx.db.selectFrom('witness_state').selectAll().where('peer_id', '=', peerId).executeTakeFirst();
        return r && toState(r);
      }),
    advance: (peerId, previousSize, next) =>
      guarded({ zh: `更新见证状态 ${peerId}`, en: `update witness state ${peerId}` }, async () => {
        const row = {
          size: next.size,
          root_hash: next.rootHash,
          checkpoint: next.checkpoint,
          updated_at: timestamp(ctx),
        };
        if (previousSize === undefined) {
          const r = await ctx.db
            .insertInto('witness_state')
            .values({ peer_id: peerId, ...row })
            .onConflict((oc) => oc.column('peer_id').doNothing())
            .returning('peer_id')
            .executeTakeFirst();
          return r !== undefined;
        }
        const r = await ctx.db
          .updateTable('witness_state')
          .set(row)
          .where('peer_id', '=', peerId)
          .where('size', '=', previousSize)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
    listStates: () =>
      guarded({ zh: '列出见证状态', en: 'list witness states' }, async () =>
        (await ctx.db.selectFrom('witness_state').selectAll().orderBy('peer_id').execute()).map(toState),
      ),
    addCosignature: (c) =>
      guarded({ zh: '保存副署签名', en: 'store cosignature' }, async () => {
        await ctx.db
          .insertInto('checkpoint_cosignatures')
          .values({
            log_size: c.logSize,
            witness_id: c.witnessId,
            cosignature: c.cosignature,
            received_at: timestamp(ctx),
          })
          .onConflict((oc) => oc.columns(['log_size', 'witness_id']).doUpdateSet({ cosignature: c.cosignature }))
          .execute();
      }),
    cosignatures: (logSize) =>
      guarded({ zh: '读取副署签名', en: 'read cosignatures' }, async () =>
        (
          await ctx.db
            .selectFrom('checkpoint_cosignatures')
            .selectAll()
            .where('log_size', '=', logSize)
            .orderBy('witness_id')
            .execute()
        ).map(toCosig),
      ),
    latestCosignatures: () =>
      guarded({ zh: '读取副署签名', en: 'read cosignatures' }, async () => {
        const rows = await ctx.db
          .selectFrom('checkpoint_cosignatures')
          .selectAll()
          .orderBy('witness_id')
          .orderBy('log_size', 'desc')
          .execute();
        const seen = new Set<string>();
        return rows.filter((r) => !seen.has(r.witness_id) && seen.add(r.witness_id)).map(toCosig);
      }),
  };
}
