/**
 * Ledger benchmark (not a Vitest test): `npx tsx bench/ledger.bench.ts [leaves] [memory|sqlite]`.
 *
 * Appends 1,000,000 leaves of 64 bytes in batches of 1,000 — to a
 * MemoryLogStorage, or (`sqlite`) to the center's real log storage, a SQLite
 * database with one transaction per batch exactly as registrations append —
 * then times 1,000 random inclusion proofs and 1,000 random
 * consistency proofs at the final size, each followed by its verification.
 * The first 100 rounds of each proof loop warm the JIT and are not recorded.
 * Targets: ≥ 5,000 appends/s; < 1 ms per proof + verification.
 * Prints one JSON line with the results and keeps them in
 * bench/results/<date>-ledger-<storage>.json.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/index.js';
import { saveResults } from './results.js';
import { leafHash, MemoryLogStorage, MerkleLog, verifyConsistency, verifyInclusion } from '../src/ledger/index.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const STORAGE = process.argv[3] === 'sqlite' ? 'sqlite' : 'memory';
const BATCH = 1_000;
const PROOFS = 1_000;
const WARMUP = 100;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samplesMs: number[]): { medianUs: number; p99Us: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { medianUs: Math.round(percentile(s, 50) * 1000), p99Us: Math.round(percentile(s, 99) * 1000) };
}

interface Target {
  /** Append one batch as the center would. */
  append(batch: Buffer[]): Promise<void>;
  /** A log for reading roots and proofs. */
  readonly log: MerkleLog;
  close(): Promise<void>;
}

async function openTarget(): Promise<Target> {
  if (STORAGE === 'memory') {
    const log = new MerkleLog(new MemoryLogStorage());
    return { append: async (b) => void (await log.append(b)), log, close: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), 'yinji-ledger-bench-'));
  const db = await openDatabase({ url: `sqlite:${join(dir, 'bench.db')}` });
  await db.migrate();
  return {
    append: (batch) =>
      db.transaction(async (tx) => {
        await tx.ledger.lockHead();
        await new MerkleLog(tx.ledger).append(batch);
      }),
    log: new MerkleLog(db.ledger),
    close: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const target = await openTarget();
  const log = target.log;
  const pool = randomBytes(64 * BATCH * 4); // leaf data drawn from a pool: the benchmark measures the log, not the RNG
  const started = performance.now();
  for (let done = 0; done < TOTAL; done += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, TOTAL - done) }, (_, i) => {
      const at = ((done + i) % (BATCH * 4)) * 64;
      const data = Buffer.from(pool.subarray(at, at + 64));
      data.writeUInt32BE(done + i, 0); // distinct leaves
      return data;
    });
    await target.append(batch);
  }
  const appendSeconds = (performance.now() - started) / 1000;
  const size = await log.size();
  const root = await log.root(size);

  const inclusion: number[] = [];
  // The first WARMUP rounds of each loop are not recorded (JIT warm-up).
  for (let i = -WARMUP; i < PROOFS; i++) {
    const index = randomInt(size);
    const t0 = performance.now();
    const leaf = await log.leaf(index);
    const proof = await log.inclusionProof(index, size);
    const ok = verifyInclusion({ leafHash: leafHash(leaf.data), index, treeSize: size, proof, root });
    if (i >= 0) inclusion.push(performance.now() - t0);
    if (!ok) throw new Error(`inclusion proof ${index} failed`);
  }

  const consistency: number[] = [];
  for (let i = -WARMUP; i < PROOFS; i++) {
    const size1 = 1 + randomInt(size - 1);
    const t0 = performance.now();
    const root1 = await log.root(size1);
    const proof = await log.consistencyProof(size1, size);
    const ok = verifyConsistency({ size1, size2: size, proof, root1, root2: root });
    if (i >= 0) consistency.push(performance.now() - t0);
    if (!ok) throw new Error(`consistency proof ${size1} failed`);
  }

  const result = {
    bench: 'ledger',
    storage: STORAGE,
    leaves: size,
    batch: BATCH,
    appendSeconds: Math.round(appendSeconds * 100) / 100,
    appendsPerSecond: Math.round(size / appendSeconds),
    // Each sample: read leaf + build proof + verify (inclusion); root(size1) + proof + verify (consistency).
    inclusionProof: summary(inclusion),
    consistencyProof: summary(consistency),
    heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    node: process.version,
  };
  console.log(JSON.stringify(result));
  process.stderr.write(`saved ${await saveResults(`ledger-${STORAGE}`, result)}\n`);
  await target.close();
}

await main();
