/**
 * One object of a storage copy (migrate-storage.ts), copied the way
 * store/ocfl/commit.ts commits a version: content verified as it is written,
 * then version inventories, the root inventory and its sidecar last.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pipeline, Transform, type Readable } from 'node:stream';
import { ConflictError, DigestMismatchError, StorageError, forEachLimited } from '../core/index.js';
import {
  CONTENT_DIR,
  INVENTORY,
  digestHex,
  joinPath,
  parseSidecar,
  readInventory,
  type ExpectedDigest,
  type Inventory,
  type Storage,
} from '../store/index.js';
import type { ObjectCopyResult } from './migrate-storage.js';

interface Committed {
  readonly inventory: Inventory;
  readonly bytes: Buffer;
  readonly sidecar: Buffer;
}

/**
 * The source object's root inventory and sidecar, read as one consistent
 * pair. A version committed at this moment writes the inventory, then the
 * sidecar, so a mismatch is first read again before it counts as damage.
 */
async function readCommitted(storage: Storage, root: string): Promise<Committed | undefined> {
  for (let attempt = 1; ; attempt++) {
    const r = await readInventory(storage, root);
    if (r === undefined) return undefined;
    const alg = r.inventory.digestAlgorithm;
    const sidecar = await storage.readBytes(joinPath(root, `${INVENTORY}.${alg}`)).catch(() => undefined);
    if (sidecar !== undefined && parseSidecar(sidecar.toString('utf8')) === digestHex(alg, r.bytes)) {
      return { inventory: r.inventory, bytes: r.bytes, sidecar };
    }
    if (attempt === 3) {
      throw new StorageError(
        'E_STORAGE_CORRUPT',
        {
          zh: `源对象 ${r.inventory.id} 的根清单与其摘要文件不符；请先运行 yinji store validate`,
          en: `source object ${r.inventory.id}: the root inventory does not match its sidecar; run yinji store validate`,
        },
        { details: { path: root, objectId: r.inventory.id } },
      );
    }
    await sleep(250);
  }
}

export interface Tally {
  bytes(n: number): void;
  file(): void;
}

/** Count bytes as they flow from the source read to the target write. */
function counting(input: Readable, tally: Tally): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      tally.bytes(chunk.length);
      done(null, chunk);
    },
  });
  return pipeline(input, counter, () => undefined);
}

export async function copyObject(
  source: Storage,
  target: Storage,
  root: string,
  options: { readonly signal?: AbortSignal; readonly concurrency?: number },
  tally: Tally,
): Promise<Omit<ObjectCopyResult, 'path' | 'files' | 'bytes'>> {
  const { signal } = options;
  const src = await readCommitted(source, root);
  if (src === undefined) return { status: 'skipped' };
  const { inventory } = src;
  const alg = inventory.digestAlgorithm;
  const done = { objectId: inventory.id, head: inventory.head };
  const there = await readInventory(target, root).catch(() => undefined);
  if (there?.sidecarOk === true && there.bytes.equals(src.bytes)) return { status: 'unchanged', ...done };
  if (there !== undefined && there.inventory.id !== inventory.id) {
    throw new ConflictError(
      {
        zh: `目标存储中 ${root} 处是另一个对象 ${there.inventory.id}`,
        en: `the target holds another object, ${there.inventory.id}, at ${root}`,
      },
      { details: { path: root, objectId: inventory.id, found: there.inventory.id } },
    );
  }
  // An older complete copy (the source has gained versions since): its content and version
  // inventories are immutable in OCFL and were verified when written, so only the rest is copied.
  const kept = there?.sidecarOk === true && there.inventory.digestAlgorithm === alg ? there.inventory : undefined;
  const keptContent = new Set(Object.entries(kept?.manifest ?? {}).flatMap(([d, ps]) => ps.map((p) => `${d} ${p}`)));

  /** Stream one file across; `expected` is checked while the bytes flow, so a mismatch stores nothing. */
  const stream = async (rel: string, expected?: ExpectedDigest): Promise<void> => {
    const input = await source.read(joinPath(root, rel), { signal });
    const flowing = counting(input, tally);
    try {
      await target.put(joinPath(root, rel), flowing, { signal, ...(expected !== undefined ? { expected } : {}) });
    } catch (e) {
      // A put that failed before reading must not leave the source file open.
      flowing.destroy();
      input.destroy();
      throw e;
    }
    tally.file();
  };
  const copyPlain = (rel: string): Promise<void> => stream(rel);
  const copyContent = async (rel: string, digest: string): Promise<void> => {
    try {
      await stream(rel, { algorithm: alg, digest });
    } catch (e) {
      if (!(e instanceof DigestMismatchError)) throw e;
      throw new DigestMismatchError(
        {
          zh: `源对象 ${inventory.id} 的文件 ${rel} 与清单摘要不符（源已损坏），该对象未复制；请从副本修复后重试`,
          en: `source object ${inventory.id}: ${rel} does not match its manifest digest (the source is damaged); object not copied — repair it from a replica and retry`,
        },
        { cause: e, details: { ...e.details, path: joinPath(root, rel), objectId: inventory.id } },
      );
    }
  };
  const tasks: (() => Promise<void>)[] = [];
  const manifestPaths = new Set<string>();
  for (const [digest, paths] of Object.entries(inventory.manifest)) {
    for (const p of paths) {
      manifestPaths.add(p);
      if (!keptContent.has(`${digest} ${p}`)) tasks.push(() => copyContent(p, digest));
    }
  }
  const contentDir = (inventory as { contentDirectory?: string }).contentDirectory ?? CONTENT_DIR;
  for await (const path of source.list(root, { signal })) {
    const rel = path.slice(root.length + 1);
    const top = rel.split('/')[0]!;
    if (rel === INVENTORY || rel.startsWith(`${INVENTORY}.`) || manifestPaths.has(rel)) continue;
    if (/^v[0-9]+$/.test(top)) {
      // Not in the inventory: a version being committed now, or debris of a failed commit.
      if (inventory.versions[top] === undefined || rel.startsWith(`${top}/${contentDir}/`)) continue;
      if (kept?.versions[top] !== undefined) continue;
    }
    tasks.push(() => copyPlain(rel)); // the object declaration, version inventories, logs/, extensions/
  }

  await forEachLimited(tasks, options.concurrency ?? 4, (task) => task());

  // The commit point of the copy: the root inventory, then its sidecar (OCFL 1.1 §3.5.6, as commit.ts).
  await target.writeBytes(joinPath(root, INVENTORY), src.bytes, { signal });
  await target.writeBytes(joinPath(root, `${INVENTORY}.${alg}`), src.sidecar);
  tally.file();
  tally.file();
  return { status: 'copied', ...done };
}
