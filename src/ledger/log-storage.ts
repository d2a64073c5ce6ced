import { ConflictError, InvalidInputError } from '../core/errors.js';
import type { NodeKey } from './ranges.js';

/** One log entry: its position, the bytes logged, and RFC 9162 leaf hash HASH(0x00 ‖ data). */
export interface LogLeaf {
  readonly index: number;
  readonly data: Uint8Array;
  readonly hash: Uint8Array;
}

/** The hash of the complete subtree (level, index), covering leaves [index·2^level, (index+1)·2^level). */
export interface LogNode extends NodeKey {
  readonly hash: Uint8Array;
}

/**
 * What MerkleLog needs from a store; small enough for two SQL tables:
 *
 *   log_leaves(idx PRIMARY KEY, data, hash)            -- level 0
 *   log_nodes(level, idx, hash, PRIMARY KEY(level, idx)) -- levels ≥ 1
 *
 * Level-0 nodes ARE the leaf hashes: `append` never passes them in `nodes`,
 * and `getNodes` answers level-0 keys from the leaf table.
 * Every implementation must pass `runLogStorageSuite` (log-storage.suite.ts).
 */
export interface LogStorage {
  /** Number of leaves appended so far. */
  size(): Promise<number>;
  /** The hashes of the given nodes, in the same order; `undefined` where absent. */
  getNodes(keys: readonly NodeKey[]): Promise<(Uint8Array | undefined)[]>;
  /** The leaf at `index`, or `undefined` if the log is not that long. */
  getLeaf(index: number): Promise<LogLeaf | undefined>;
  /**
   * Atomically add `leaves` (consecutive, starting at the current size) and
   * the complete-subtree `nodes` (levels ≥ 1) they complete. All or nothing:
   * if the first index is not the current size — another writer won — throw
   * ConflictError (code E_CONFLICT) and write nothing (in SQL: the leaf
   * primary key, inside one transaction).
   */
  append(leaves: readonly LogLeaf[], nodes: readonly LogNode[]): Promise<void>;
}

/** In-memory LogStorage for tests, benchmarks and throwaway logs. */
export class MemoryLogStorage implements LogStorage {
  readonly #leaves: LogLeaf[] = [];
  /** #levels[ℓ - 1][i] is node (ℓ, i). */
  readonly #levels: Uint8Array[][] = [];

  async size(): Promise<number> {
    return this.#leaves.length;
  }

  async getNodes(keys: readonly NodeKey[]): Promise<(Uint8Array | undefined)[]> {
    return keys.map(({ level, index }) => (level === 0 ? this.#leaves[index]?.hash : this.#levels[level - 1]?.[index]));
  }

  async getLeaf(index: number): Promise<LogLeaf | undefined> {
    return this.#leaves[index];
  }

  async append(leaves: readonly LogLeaf[], nodes: readonly LogNode[]): Promise<void> {
    // Check everything before changing anything: all or nothing.
    const size = this.#leaves.length;
    leaves.forEach((leaf, i) => {
      if (leaf.index !== size + i) {
        throw new ConflictError(
          {
            zh: `日志叶子序号冲突：应为 ${size + i}，实为 ${leaf.index}`,
            en: `log leaf index ${leaf.index} is not the next index ${size + i}`,
          },
          { details: { expected: size + i, got: leaf.index } },
        );
      }
    });
    for (const n of nodes) {
      if (n.level < 1 || (this.#levels[n.level - 1]?.[n.index] ?? undefined) !== undefined) {
        throw new InvalidInputError({
          zh: `日志节点 ${n.level}/${n.index} 无效或已存在`,
          en: `log node ${n.level}/${n.index} is invalid or already stored`,
        });
      }
    }
    for (const leaf of leaves) {
      // Copy (the caller may reuse its buffers); Buffer.from packs small copies into shared slabs.
      this.#leaves.push({ index: leaf.index, data: Buffer.from(leaf.data), hash: Buffer.from(leaf.hash) });
    }
    for (const n of nodes) {
      const level = (this.#levels[n.level - 1] ??= []);
      level[n.index] = Buffer.from(n.hash);
    }
  }
}
