import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited } from '../core/index.js';
import { MultiHasher, digestWorkers, type DigestAlgorithm } from '../digest/index.js';
import type { OcflStore, VersionReader } from '../store/index.js';

export interface FixityProblem {
  /** Logical path in the version, or `inventory` for the version's inventory. */
  readonly path: string;
  readonly problem: 'digest-mismatch' | 'unreadable';
  readonly expected?: string;
  readonly actual?: string;
  readonly message?: string;
}

export interface FixityReport {
  readonly objectId: string;
  readonly version: number;
  readonly files: number;
  readonly bytes: number;
  readonly problems: readonly FixityProblem[];
}

export interface FixityOptions {
  /** sha256 of vN/inventory.json as registered (the evidence binds it); checked when given. */
  readonly inventoryDigest?: string;
  /** Read rate limit, bytes/s; 0 or absent = unlimited. */
  readonly bytesPerSecond?: number;
  readonly signal?: AbortSignal;
  /** Files read at once; default READ_CONCURRENCY. */
  readonly concurrency?: number;
}

const READ_CONCURRENCY = 8;

/**
 * A fixity check (PREMIS "fixity check") of one stored version: every file is
 * read back from the storage and its digest compared with the inventory, and
 * the version's inventory with the digest the registration recorded. Local
 * files are hashed on the digest workers, others streamed; when asked, reads
 * are paced to a byte rate so audits running beside deposits do not take all
 * of the disk or the network.
 *
 * A problem is reported, never repaired here: repair is a separate,
 * recorded action from a copy that passes (issue 7).
 */
export async function checkVersionFixity(
  store: OcflStore,
  objectId: string,
  version: number,
  options: FixityOptions = {},
): Promise<FixityReport> {
  const problems: FixityProblem[] = [];
  const pace = pacer(options.bytesPerSecond ?? 0, options.signal);
  if (options.inventoryDigest !== undefined) {
    const actual = await store.inventoryDigest(objectId, version);
    if (actual !== options.inventoryDigest) {
      problems.push({ path: 'inventory', problem: 'digest-mismatch', expected: options.inventoryDigest, actual });
    }
  }
  const reader = await store.openVersion(objectId, version);
  let files = 0;
  let bytes = 0;
  // Several files at once: with many small files the opens and reads overlap (the hashing itself
  // stays on this thread). Problems are sorted afterwards, so the report does not depend on timing.
  await forEachLimited([...reader.state], options.concurrency ?? READ_CONCURRENCY, async ([path, entry]) => {
    options.signal?.throwIfAborted();
    files++;
    let actual: string | undefined;
    try {
      actual = await digestOf(reader, path, store.digestAlgorithm, options.signal, async (n) => {
        bytes += n;
        await pace(n);
      });
    } catch (e) {
      if (options.signal?.aborted) throw e;
      problems.push({ path, problem: 'unreadable', message: (e as Error).message });
      return;
    }
    if (actual !== entry.digest) problems.push({ path, problem: 'digest-mismatch', expected: entry.digest, actual });
  });
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { objectId, version, files, bytes, problems };
}

/**
 * A stored file's digest: on the digest workers when the storage is local
 * (every core, and cheap reads), else streamed from the storage here.
 */
async function digestOf(
  reader: VersionReader,
  path: string,
  algorithm: DigestAlgorithm,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => Promise<void>,
): Promise<string | undefined> {
  const local = reader.localPath(path);
  if (local !== undefined) {
    const r = await digestWorkers().digestFile(local, [algorithm], { signal });
    await onBytes(r.size); // paced per file: a rate limit holds on average all the same
    return r.digests[algorithm];
  }
  const hasher = new MultiHasher([algorithm]);
  for await (const chunk of await reader.open(path, { signal })) {
    hasher.update(chunk as Buffer);
    await onBytes((chunk as Buffer).length);
  }
  return hasher.digest().digests[algorithm];
}

/** Sleep as needed so that, on average, no more than `rate` bytes pass per second. */
function pacer(rate: number, signal: AbortSignal | undefined): (n: number) => Promise<void> {
  if (rate <= 0) return () => Promise.resolve();
  const start = Date.now();
  let total = 0;
  return async (n) => {
    total += n;
    const due = start + (total / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 5) await sleep(wait, undefined, { signal });
  };
}
