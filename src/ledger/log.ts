import { InvalidInputError, StorageError } from '../core/errors.js';
import { DEFAULT_LEDGER_HASH, emptyRoot, isLedgerHashAlgorithm, leafHash, nodeHash } from './hash.js';
import type { LedgerHashAlgorithm } from './hash.js';
import type { LogLeaf, LogNode, LogStorage } from './log-storage.js';
import { checkRange } from './check-range.js';
import { foldSubtrees } from './merkle.js';
import { completeSubtrees, consistencyRanges, inclusionRanges, type LeafRange, type NodeKey } from './ranges.js';

export interface MerkleLogOptions {
  /** Hash of leaves and nodes (RFC 9162 §2.1). Default 'sha256'; fixed for the life of a log. */
  readonly alg?: LedgerHashAlgorithm;
}

export interface AppendResult {
  /** Index of the first leaf appended (= the size before the append). */
  readonly firstIndex: number;
  /** Size of the log after the append. */
  readonly size: number;
}

/**
 * An append-only RFC 9162 Merkle log over a LogStorage. The storage keeps the
 * hash of every complete subtree, so root(size), inclusion and consistency
 * proofs for any sizes cost one `getNodes` call of O(log n) keys: a range
 * that is not a complete subtree (the right edge of an older tree) is folded
 * from the complete subtrees it splits into (ranges.ts).
 *
 * Appends through one MerkleLog run one at a time; appends from several
 * processes are ordered by the storage (a loser gets ConflictError and may
 * retry). No I/O happens in the constructor.
 */
export class MerkleLog {
  readonly alg: LedgerHashAlgorithm;
  readonly #storage: LogStorage;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(storage: LogStorage, options: MerkleLogOptions = {}) {
    const alg = options.alg ?? DEFAULT_LEDGER_HASH;
    if (!isLedgerHashAlgorithm(alg)) {
      throw new InvalidInputError({
        zh: `日志不支持哈希算法 "${String(alg)}"（可用：sha256、sm3）`,
        en: `unsupported log hash algorithm "${String(alg)}" (known: sha256, sm3)`,
      });
    }
    this.alg = alg;
    this.#storage = storage;
  }

  size(): Promise<number> {
    return this.#storage.size();
  }

  /** Append `datas` as consecutive leaves: all new complete nodes are computed here, then one storage.append. */
  append(datas: readonly Uint8Array[]): Promise<AppendResult> {
    const run = this.#tail.then(() => this.#append(datas));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #append(datas: readonly Uint8Array[]): Promise<AppendResult> {
    if (!Array.isArray(datas) || !datas.every((d) => d instanceof Uint8Array)) {
      throw new InvalidInputError({ zh: '日志条目必须是字节数组', en: 'log entries must be byte arrays' });
    }
    const firstIndex = await this.#storage.size();
    if (datas.length === 0) return { firstIndex, size: firstIndex };
    // The right edge of the current tree, largest subtree first: a binary counter of complete nodes.
    const edgeKeys = completeSubtrees({ start: 0, end: firstIndex });
    const edgeHashes = await this.#nodes(edgeKeys);
    const edge: LogNode[] = edgeKeys.map((k, i) => ({ ...k, hash: edgeHashes[i]! }));
    const leaves: LogLeaf[] = [];
    const nodes: LogNode[] = [];
    datas.forEach((data, j) => {
      const index = firstIndex + j;
      const hash = leafHash(data, this.alg);
      leaves.push({ index, data, hash });
      let node: LogNode = { level: 0, index, hash };
      // Same level as the top of the edge = its right sibling: merge into the parent (RFC 9162 §2.1.1).
      for (let left = edge.at(-1); left !== undefined && left.level === node.level; left = edge.at(-1)) {
        edge.pop();
        node = { level: node.level + 1, index: left.index / 2, hash: nodeHash(left.hash, node.hash, this.alg) };
        nodes.push(node);
      }
      edge.push(node);
    });
    await this.#storage.append(leaves, nodes);
    return { firstIndex, size: firstIndex + datas.length };
  }

  /** RFC 9162 §2.1.1 MTH of the first `size` leaves (default: the whole log). */
  async root(size?: number): Promise<Uint8Array> {
    const n = size ?? (await this.#storage.size());
    await this.#checkSize('size', n, 0);
    if (n === 0) return emptyRoot(this.alg);
    const [root] = await this.#rangeHashes([{ start: 0, end: n }]);
    return root!;
  }

  /** RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size` leaves. */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    await this.#checkSize('size', size, 1);
    checkRange('index', index, 0, size - 1);
    return this.#rangeHashes(inclusionRanges(index, size));
  }

  /** RFC 9162 §2.1.4.1 consistency proof from the tree of `size1` leaves to that of `size2`. */
  async consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    await this.#checkSize('size2', size2, 0);
    checkRange('size1', size1, 0, size2);
    if (size1 === 0 || size1 === size2) return [];
    return this.#rangeHashes(consistencyRanges(size1, size2));
  }

  /** The leaf at `index` (data and leaf hash). */
  async leaf(index: number): Promise<LogLeaf> {
    checkRange('index', index, 0, Number.MAX_SAFE_INTEGER);
    const leaf = await this.#storage.getLeaf(index);
    if (leaf === undefined) {
      throw new InvalidInputError({ zh: `日志中没有序号 ${index} 的条目`, en: `the log has no leaf ${index}` });
    }
    return leaf;
  }

  /** MTH of each range, with one storage read for all of them. */
  async #rangeHashes(ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
    const parts = ranges.map(completeSubtrees);
    const hashes = await this.#nodes(parts.flat());
    let at = 0;
    return parts.map((keys) => {
      const own = hashes.slice(at, at + keys.length);
      at += keys.length;
      return foldSubtrees(own, this.alg);
    });
  }

  async #nodes(keys: readonly NodeKey[]): Promise<Uint8Array[]> {
    if (keys.length === 0) return [];
    const got = await this.#storage.getNodes(keys);
    return keys.map((k, i) => {
      const h = got[i];
      if (h === undefined) {
        throw new StorageError(
          'E_STORAGE_CORRUPT',
          { zh: `日志存储缺少节点 ${k.level}/${k.index}`, en: `log storage is missing node ${k.level}/${k.index}` },
          { details: { level: k.level, index: k.index } },
        );
      }
      return h;
    });
  }

  async #checkSize(what: string, size: number, min: number): Promise<void> {
    checkRange(what, size, min, Number.MAX_SAFE_INTEGER);
    const current = await this.#storage.size();
    checkRange(what, size, min, current);
  }
}
