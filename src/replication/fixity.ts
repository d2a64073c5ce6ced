import { setTimeout as sleep } from 'node:timers/promises';
import { MultiHasher } from '../digest/index.js';
import type { OcflStore } from '../store/index.js';

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
}

/**
 * A fixity check (PREMIS "fixity check") of one stored version: every file is
 * read back from the storage and its digest compared with the inventory, and
 * the version's inventory with the digest the registration recorded. Reads
 * are streamed and, when asked, paced to a byte rate so audits running
 * beside deposits do not take all of the disk or the network.
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
    const actual = (await store.versionStats(objectId, version)).inventoryDigest;
    if (actual !== options.inventoryDigest) {
      problems.push({ path: 'inventory', problem: 'digest-mismatch', expected: options.inventoryDigest, actual });
    }
  }
  const reader = await store.openVersion(objectId, version);
  let files = 0;
  let bytes = 0;
  for (const [path, entry] of reader.state) {
    options.signal?.throwIfAborted();
    files++;
    const hasher = new MultiHasher([store.digestAlgorithm]);
    try {
      for await (const chunk of await reader.open(path, { signal: options.signal })) {
        hasher.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        await pace((chunk as Buffer).length);
      }
    } catch (e) {
      if (options.signal?.aborted) throw e;
      problems.push({ path, problem: 'unreadable', message: (e as Error).message });
      continue;
    }
    const actual = hasher.digest().digests[store.digestAlgorithm];
    if (actual !== entry.digest) problems.push({ path, problem: 'digest-mismatch', expected: entry.digest, actual });
  }
  return { objectId, version, files, bytes, problems };
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
