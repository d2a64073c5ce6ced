/**
 * Put one verified carrier object back into the store (carrier-import.ts).
 *
 * Not migrate-object.ts copyObject: that one treats a target object whose
 * root inventory is complete as verified (it keeps its content and skips it
 * when the inventories are equal), which is right for resuming a copy but
 * would leave a damaged object damaged here; and it reads and writes one
 * object path in two storages, where the source here is a local directory.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ConflictError, forEachLimited } from '../core/index.js';
import { INVENTORY, joinPath, readInventory, versionNumber, type ExpectedDigest } from '../store/index.js';
import type { Center } from './center.js';
import type { Verified } from './carrier-verify.js';

/**
 * Write the verified object into the store, the way a commit does (store/
 * ocfl/commit.ts): content first, each file checked against its inventory
 * digest as it is written; then the version inventories; the root inventory
 * and its sidecar last, so an interrupted restore leaves the old root
 * inventory (or none) in place. Files the store already holds identically
 * are not rewritten. When the store holds a newer head than the carrier, its
 * root inventory is kept: only the carrier's versions are repaired.
 */
export async function writeObject(
  center: Center,
  v: Verified,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<{ files: number; bytes: number }> {
  const storage = center.storage;
  const root = center.store.objectRoot(v.reg.objectId);
  const alg = v.inventory.digestAlgorithm;
  const there = await readInventory(storage, root).catch(() => undefined);
  if (there !== undefined && there.inventory.id !== v.reg.objectId) {
    throw new ConflictError({
      zh: `保存库中 ${root} 处是另一个对象 ${there.inventory.id}，未覆盖`,
      en: `the store holds another object, ${there.inventory.id}, at ${root}; not overwritten`,
    });
  }
  const keepRoot = there !== undefined && (versionNumber(there.inventory.head) ?? 0) > v.entry.headVersion;
  const contentDigest = new Map<string, string>();
  for (const [digest, paths] of Object.entries(v.inventory.manifest))
    for (const p of paths) contentDigest.set(p, digest);

  const rootFiles = [INVENTORY, `${INVENTORY}.${alg}`];
  const versionInventories = [...v.files.keys()].filter((p) => /^v[0-9]+\//.test(p) && !contentDigest.has(p));
  versionInventories.sort((a, b) => (versionNumber(a.split('/')[0]!) ?? 0) - (versionNumber(b.split('/')[0]!) ?? 0));
  const others = [...v.files.keys()].filter(
    (p) => !contentDigest.has(p) && !rootFiles.includes(p) && !versionInventories.includes(p),
  );
  let files = 0;
  let bytes = 0;
  const write = async (rel: string): Promise<void> => {
    const f = v.files.get(rel)!;
    const path = joinPath(root, rel);
    if (there !== undefined && (await sameFile(center, path, f))) return;
    const digest = contentDigest.get(rel);
    const expected: ExpectedDigest =
      digest !== undefined ? { algorithm: alg, digest } : { algorithm: 'sha256', digest: f.sha256 };
    await storage.put(path, { file: join(v.payloadDir, rel) }, { signal, expected });
    files++;
    bytes += f.size;
    onBytes(f.size);
  };
  await forEachLimited([...contentDigest.keys()], 4, write);
  for (const rel of [...others, ...versionInventories]) await write(rel);
  if (!keepRoot) for (const rel of rootFiles) await write(rel);
  return { files, bytes };
}

async function sameFile(center: Center, path: string, f: { sha256: string; size: number }): Promise<boolean> {
  const st = await center.storage.stat(path);
  if (st?.size !== f.size) return false;
  const hash = createHash('sha256');
  try {
    for await (const chunk of await center.storage.read(path)) hash.update(chunk as Buffer);
  } catch {
    return false;
  }
  return hash.digest('hex') === f.sha256;
}
