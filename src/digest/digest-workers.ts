import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from './algorithms.js';
import type { DigestResult, Digests } from './multi-digest.js';

/**
 * Hashing of local files on worker threads, one per core (issue 10: audits
 * "scaling with cores"). Node hashes on the thread that calls `update`, so
 * the main thread alone tops out at one core; and for small files the
 * promise-based fs calls cost several times the hashing (an open, read and
 * close of a 32 KiB file: ~75 µs through fs/promises, ~20 µs synchronously).
 * A worker blocks only itself, so it reads synchronously.
 *
 * The worker is plain CommonJS evaluated from a string, so it needs no build
 * step and runs the same from the sources (tsx, Vitest) and from dist/.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, path, algorithms }) => {
  let fd;
  try {
    fd = openSync(path, 'r');
    const hashes = algorithms.map((a) => createHash(a));
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      for (const h of hashes) h.update(buffer.subarray(0, n));
      size += n;
    }
    const digests = {};
    algorithms.forEach((a, i) => (digests[a] = hashes[i].digest('hex')));
    parentPort.postMessage({ id, size, digests });
  } catch (e) {
    parentPort.postMessage({ id, error: { message: String(e && e.message), code: e && e.code } });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

/** Jobs sent ahead to each worker, so it never waits for the next message. */
const QUEUED_PER_WORKER = 4;

interface Job {
  readonly id: number;
  readonly path: string;
  readonly algorithms: readonly DigestAlgorithm[];
  readonly resolve: (r: DigestResult) => void;
  readonly reject: (e: Error) => void;
}

type Reply = { id: number; size: number; digests: Digests } | { id: number; error: { message: string; code?: string } };

interface Slot {
  readonly worker: Worker;
  readonly running: Map<number, Job>;
}

export class DigestWorkers {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 0;

  constructor(private readonly size = availableParallelism()) {}

  /** Digests of a local file, as digestFile gives them; a failed read rejects with the fs error's code and message. */
  digestFile(
    path: string,
    algorithms: readonly DigestAlgorithm[],
    options: { signal?: AbortSignal } = {},
  ): Promise<DigestResult> {
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<DigestResult>((resolve, reject) => {
      // An abort answers at once; the worker finishes its read and the answer is dropped.
      const onAbort = (): void => reject(signal!.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      this.waiting.push({
        id: this.nextId++,
        path,
        algorithms: [...new Set(algorithms)],
        resolve: (r) => (settle(), resolve(r)),
        reject: (e) => (settle(), reject(e)),
      });
      this.dispatch();
    });
  }

  /** Stop the workers; jobs still queued are rejected. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const job of this.waiting.splice(0)) job.reject(new Error('digest workers closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const slot = this.freeSlot();
      if (slot === undefined) return;
      const job = this.waiting.shift()!;
      slot.running.set(job.id, job);
      slot.worker.ref(); // busy: keep the process alive until the answer comes
      slot.worker.postMessage({ id: job.id, path: job.path, algorithms: job.algorithms });
    }
  }

  private freeSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (best === undefined || s.running.size < best.running.size) best = s;
    if (best !== undefined && best.running.size === 0) return best;
    if (this.slots.length < this.size) return this.start();
    return best !== undefined && best.running.size < QUEUED_PER_WORKER ? best : undefined;
  }

  private start(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_SOURCE, { eval: true }), running: new Map() };
    slot.worker.unref(); // idle workers never keep the process alive
    slot.worker.on('message', (reply: Reply) => {
      const job = slot.running.get(reply.id);
      if (job === undefined) return;
      slot.running.delete(reply.id);
      if (slot.running.size === 0) slot.worker.unref();
      if ('error' in reply) job.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else job.resolve({ size: reply.size, digests: reply.digests });
      this.dispatch();
    });
    // A worker that dies takes its jobs with it: fail them, and let a new worker take the queue.
    slot.worker.on('error', (e) => this.retire(slot, e));
    slot.worker.on('exit', (code) => this.retire(slot, new Error(`digest worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private retire(slot: Slot, error: Error): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    for (const job of slot.running.values()) job.reject(error);
    slot.running.clear();
    this.dispatch();
  }
}

let shared: DigestWorkers | undefined;

/** The process's digest workers, started on first use (their threads are unreferenced while idle). */
export function digestWorkers(): DigestWorkers {
  return (shared ??= new DigestWorkers());
}
