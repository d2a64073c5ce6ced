/**
 * The files of a registration's OCFL object as replication copies them
 * (center/replication.ts, replica-audit.ts): the carrier's plan of the
 * object as of its head (carrier-plan.ts planObject, which checks the head
 * inventory against the digest recorded at registration), with each file's
 * registered digest, in the order a copy must be written — content first,
 * the root inventory last, so a copy cut short never looks complete.
 */
import type { Registration } from '../db/index.js';
import type { DigestAlgorithm } from '../digest/index.js';
import type { ObjectFile } from '../replication/index.js';
import { INVENTORY } from '../store/index.js';
import type { Center } from './center.js';
import { planObject } from './carrier-plan.js';

export interface ObjectFiles {
  /** Written in any order, several at once. */
  readonly content: readonly ObjectFile[];
  /** Then these, in this order; the last two are the root inventory and its sidecar. */
  readonly rest: readonly ObjectFile[];
  readonly bytes: number;
}

/** The root inventory and its sidecar: the only files of an object whose content changes (with each version). */
export function isMutable(path: string): boolean {
  return path === INVENTORY || path.startsWith(`${INVENTORY}.`);
}

/**
 * `encrypted`: the copy is encrypted, so the root inventory and its sidecar
 * are left out — they change with every version, and encryption must never
 * see two plaintexts under one context (transfer.ts cipherContext). A copy
 * without them still holds everything: they are the head version's
 * inventory and sidecar again (OCFL 1.1 §3.5.5).
 */
export async function objectFiles(
  center: Center,
  reg: Registration,
  options: { encrypted: boolean; signal?: AbortSignal },
): Promise<ObjectFiles> {
  const signal = options.signal;
  const plan = await planObject(center, reg, signal);
  const files: ObjectFile[] = plan.files.map((f) => {
    const [algorithm, hex] = Object.entries(f.digests ?? {})[0] ?? [];
    return {
      path: f.path,
      size: f.size,
      ...(algorithm !== undefined && hex !== undefined
        ? { digest: { algorithm: algorithm as DigestAlgorithm, hex } }
        : {}),
      read: f.read,
    };
  });
  const isContent = (p: string): boolean => /^v[0-9]+\/content\//.test(p);
  const isVersionInventory = (p: string): boolean => /^v[0-9]+\/inventory\.json/.test(p);
  const content = files.filter((f) => isContent(f.path));
  const rest = [
    ...files.filter((f) => !isContent(f.path) && !isVersionInventory(f.path) && !isMutable(f.path)),
    ...files.filter((f) => isVersionInventory(f.path)),
    ...(options.encrypted
      ? []
      : [
          ...files.filter((f) => f.path === INVENTORY),
          ...files.filter((f) => isMutable(f.path) && f.path !== INVENTORY),
        ]),
  ];
  return { content, rest, bytes: plan.bytes };
}
