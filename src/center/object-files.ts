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
import { createHash } from 'node:crypto';
import {
  INVENTORY,
  OBJECT_NAMASTE,
  OBJECT_NAMASTE_CONTENT,
  joinPath,
  sidecarContent,
  versionName,
  versionNumber,
} from '../store/index.js';
import type { Center } from './center.js';
import { planObject } from './carrier-plan.js';

export interface ObjectFiles {
  /** Written in any order, several at once. */
  readonly content: readonly ObjectFile[];
  /** Then these, in this order; the last two are the root inventory and its sidecar. */
  readonly rest: readonly ObjectFile[];
  readonly bytes: number;
}

/**
 * Files whose content may change under the same path, so a copy of the right
 * size is not proof of the right bytes: the root inventory and its sidecar
 * (with each version), and an object's `logs/` and `extensions/` (OCFL 1.1
 * §3.1 lets them change; Yinji writes none, but an imported object may).
 */
export function isMutable(path: string): boolean {
  return path === INVENTORY || path.startsWith(`${INVENTORY}.`) || /^(logs|extensions)\//.test(path);
}

/**
 * Every file carries the digest it must have, so a local file that rotted is
 * never passed on: content and inventories their registered ones; sidecars
 * and the NAMASTE file the digest of what they must say (derived from the
 * checked inventories).
 */
export async function objectFiles(center: Center, reg: Registration, signal?: AbortSignal): Promise<ObjectFiles> {
  const plan = await planObject(center, reg, signal);
  const derived = await derivedDigests(center, reg, plan.files, signal);
  const files: ObjectFile[] = plan.files.map((f) => {
    const [algorithm, hex] = Object.entries(f.digests ?? {})[0] ?? [];
    const digest =
      algorithm !== undefined && hex !== undefined
        ? { algorithm: algorithm as DigestAlgorithm, hex }
        : derived.get(f.path);
    return { path: f.path, size: f.size, ...(digest !== undefined ? { digest } : {}), read: f.read };
  });
  const isContent = (p: string): boolean => /^v[0-9]+\/content\//.test(p);
  const isVersionInventory = (p: string): boolean => /^v[0-9]+\/inventory\.json/.test(p);
  const content = files.filter((f) => isContent(f.path));
  const rest = [
    ...files.filter((f) => !isContent(f.path) && !isVersionInventory(f.path) && !isMutable(f.path)),
    ...files.filter((f) => isVersionInventory(f.path)),
    ...files.filter((f) => f.path === INVENTORY),
    ...files.filter((f) => isMutable(f.path) && f.path !== INVENTORY),
  ];
  return { content, rest, bytes: plan.bytes };
}

/**
 * What the sidecars and the NAMASTE file must hold, as SHA-256 digests: a
 * sidecar states its inventory's digest (OCFL 1.1 §3.5.6), and each version
 * inventory was checked against the digest recorded at registration.
 */
async function derivedDigests(
  center: Center,
  reg: Registration,
  files: readonly { path: string; digests?: Readonly<Record<string, string>> }[],
  signal?: AbortSignal,
): Promise<Map<string, { algorithm: DigestAlgorithm; hex: string }>> {
  const sha256 = (text: string): { algorithm: DigestAlgorithm; hex: string } => ({
    algorithm: 'sha256',
    hex: createHash('sha256').update(text).digest('hex'),
  });
  const out = new Map([[OBJECT_NAMASTE, sha256(OBJECT_NAMASTE_CONTENT)]]);
  const root = center.store.objectRoot(reg.objectId);
  const recorded = new Map(
    (await center.db.registrations.versions(reg.regno)).map((v) => [v.version, v.inventoryDigest]),
  );
  for (const f of files) {
    const m = /^(?:(v[0-9]+)\/)?inventory\.json\.(sha256|sha512)$/.exec(f.path);
    if (m === null) continue;
    signal?.throwIfAborted();
    const version = m[1] !== undefined ? versionNumber(m[1]) : reg.headVersion;
    const bytes = await center.storage
      .readBytes(joinPath(root, versionName(version ?? 0), INVENTORY))
      .catch(() => undefined);
    // An inventory that is not the registered one gets no derived digest: its sidecar then fails the check.
    if (bytes === undefined || createHash('sha256').update(bytes).digest('hex') !== recorded.get(version ?? 0)) {
      out.set(f.path, { algorithm: 'sha256', hex: 'unverifiable' });
      continue;
    }
    out.set(f.path, sha256(sidecarContent(m[2] as 'sha256' | 'sha512', bytes)));
  }
  return out;
}
