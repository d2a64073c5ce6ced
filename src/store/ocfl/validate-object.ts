import { createHash, getHashes, type Hash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Storage } from '../storage.js';
import { joinPath } from '../storage-path.js';
import { CONTENT_DIR, EXTENSIONS_DIR, INVENTORY, OBJECT_NAMASTE } from './constants.js';
import { digestHex, parseSidecar, type Inventory } from './inventory.js';
import { checkInventory } from './validate-inventory.js';
import { Findings, type ValidationResult } from './validation.js';

export interface ValidateObjectOptions {
  /** Recompute every content digest (manifest and fixity, streaming). Default true; false for a quick structural check. */
  readonly fixity?: boolean;
  readonly signal?: AbortSignal;
}

/** OCFL fixity algorithm names → Node hash names; algorithms Node lacks are ignored (§3.5.4, E028). */
const NODE_HASH: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
  'blake2b-512': 'blake2b512',
  'sha512/256': 'sha512-256',
  sm3: 'sm3',
};

interface Loaded {
  readonly bytes: Buffer;
  readonly inventory: Inventory | undefined;
}

/** Read, parse and structure-check `<dir>/inventory.json` and its sidecar (§3.5.6). */
async function loadInventory(
  storage: Storage,
  root: string,
  dir: string,
  files: Set<string>,
  f: Findings,
): Promise<Loaded | undefined> {
  const rel = joinPath(dir, INVENTORY);
  const where = joinPath(root, rel);
  if (!files.has(rel)) return undefined;
  const bytes = await storage.readBytes(where);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    f.error('E033', where, 'inventory is not valid JSON');
    return { bytes, inventory: undefined };
  }
  const inventory = checkInventory(raw, where, f);
  const alg = (raw as { digestAlgorithm?: unknown } | null)?.digestAlgorithm;
  if (alg === 'sha256' || alg === 'sha512') {
    const sidecar = `${rel}.${alg}`;
    if (!files.has(sidecar)) f.error('E058', where, `missing sidecar ${INVENTORY}.${alg}`);
    else {
      const stated = parseSidecar((await storage.readBytes(joinPath(root, sidecar))).toString('utf8'));
      if (stated === undefined) f.error('E061', joinPath(root, sidecar), 'sidecar is not "DIGEST inventory.json"');
      else if (stated !== digestHex(alg, bytes))
        f.error('E060', joinPath(root, sidecar), 'sidecar digest does not match inventory.json');
    }
  }
  return { bytes, inventory };
}

/** Recompute the digests of every content file the inventory lists (E092 manifest, E093 fixity). */
async function checkContentDigests(
  storage: Storage,
  root: string,
  inv: Inventory,
  present: Set<string>,
  f: Findings,
  signal?: AbortSignal,
): Promise<void> {
  const expect = new Map<string, Map<string, string>>(); // content path → node hash → digest
  const add = (alg: string, digest: string, path: string): void => {
    const node = NODE_HASH[alg];
    if (node === undefined || !getHashes().includes(node)) return;
    let m = expect.get(path);
    if (m === undefined) expect.set(path, (m = new Map<string, string>()));
    m.set(node, digest.toLowerCase());
  };
  for (const [d, paths] of Object.entries(inv.manifest)) for (const p of paths) add(inv.digestAlgorithm, d, p);
  for (const [alg, block] of Object.entries(inv.fixity ?? {})) {
    if (typeof block !== 'object' || block === null) continue;
    for (const [d, paths] of Object.entries(block)) if (Array.isArray(paths)) for (const p of paths) add(alg, d, p);
  }
  const contentNode = NODE_HASH[inv.digestAlgorithm];
  for (const [path, wanted] of expect) {
    if (!present.has(path)) continue;
    signal?.throwIfAborted();
    const hashes = [...wanted.keys()].map((a): [string, Hash] => [a, createHash(a)]);
    for await (const chunk of await storage.read(joinPath(root, path), { signal })) {
      for (const [, h] of hashes) h.update(chunk as Buffer);
    }
    for (const [alg, h] of hashes) {
      const got = h.digest('hex');
      if (got === wanted.get(alg)) continue;
      if (alg === contentNode)
        f.error('E092', joinPath(root, path), `content ${alg} is ${got}, manifest says ${wanted.get(alg)}`);
      else f.error('E093', joinPath(root, path), `content ${alg} is ${got}, fixity says ${wanted.get(alg)}`);
    }
  }
}

/**
 * Validate one OCFL 1.1 object at `root` (relative to the storage root),
 * reporting every violation with its OCFL validation code.
 */
export async function validateObject(
  storage: Storage,
  root: string,
  options: ValidateObjectOptions = {},
): Promise<ValidationResult> {
  const f = new Findings();
  const files = new Set<string>();
  for await (const p of storage.list(root, { signal: options.signal }))
    files.add(root === '' ? p : p.slice(root.length + 1));
  const top = [...files].filter((p) => !p.includes('/'));
  const dirs = await storage.listDirs(root);

  // Conformance declaration, §3.2.
  const decl = top.filter((p) => p.startsWith('0='));
  if (decl.length !== 1) f.error('E003', root, `expected exactly one version declaration, found ${decl.length}`);
  for (const d of decl) {
    if (d !== OBJECT_NAMASTE) f.error('E004', joinPath(root, d), `declaration "${d}" is not ${OBJECT_NAMASTE}`);
    else if ((await storage.readBytes(joinPath(root, d))).toString('utf8') !== 'ocfl_object_1.1\n') {
      f.error('E007', joinPath(root, d), 'declaration content is not "ocfl_object_1.1\\n"');
    }
  }

  // Root inventory, §3.5; E063 when absent.
  const rootInv = await loadInventory(storage, root, '', files, f);
  if (rootInv === undefined) f.error('E063', root, 'no inventory.json in the object root');
  const inv = rootInv?.inventory;
  const versionNames = new Set(inv === undefined ? dirs.filter((d) => /^v\d+$/.test(d)) : Object.keys(inv.versions));

  // Nothing else in the object root, §3.1 E001.
  const allowedFiles = new Set([...decl, INVENTORY, `${INVENTORY}.${inv?.digestAlgorithm ?? 'sha512'}`]);
  for (const p of top)
    if (!allowedFiles.has(p) && !(inv === undefined && p.startsWith(`${INVENTORY}.`)))
      f.error('E001', joinPath(root, p), 'unexpected file in object root');
  for (const d of dirs)
    if (!versionNames.has(d) && d !== EXTENSIONS_DIR && d !== 'logs')
      f.error('E001', joinPath(root, d), 'unexpected directory in object root');
  for (const p of files)
    if (p.startsWith(`${EXTENSIONS_DIR}/`) && p.split('/').length === 2)
      f.error('E067', joinPath(root, p), 'file directly in extensions/');

  // Version directories, §3.3.
  const contentFiles = new Set<string>();
  for (const v of [...versionNames].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) {
    const vroot = joinPath(root, v);
    if (!dirs.includes(v)) {
      f.error('E046', vroot, `version ${v} has no directory`);
      continue;
    }
    const vfiles = [...files].filter((p) => p.startsWith(`${v}/`));
    for (const p of vfiles) {
      const rest = p.slice(v.length + 1);
      if (rest.startsWith(`${CONTENT_DIR}/`)) contentFiles.add(p);
      else if (!rest.includes('/') && rest !== INVENTORY && !rest.startsWith(`${INVENTORY}.`))
        f.error('E015', joinPath(root, p), 'unexpected file in version directory');
      else if (rest.includes('/'))
        f.warn('W002', joinPath(root, p), 'directory other than content in version directory');
    }
    const vinv = await loadInventory(storage, root, v, files, f);
    if (vinv === undefined) {
      f.warn('W010', vroot, `no inventory.json in ${v}`);
      continue;
    }
    if (inv === undefined || vinv.inventory === undefined) continue;
    if (vinv.inventory.id !== inv.id) f.error('E110', vroot, `id "${vinv.inventory.id}" differs from "${inv.id}"`);
    if (v === inv.head) {
      if (rootInv !== undefined && !vinv.bytes.equals(rootInv.bytes))
        f.error('E064', vroot, 'head version inventory differs from the root inventory');
      continue;
    }
    for (const [name, block] of Object.entries(vinv.inventory.versions)) {
      const now = inv.versions[name];
      if (now === undefined) continue;
      if (vinv.inventory.digestAlgorithm === inv.digestAlgorithm && !isDeepStrictEqual(block.state, now.state)) {
        f.error('E066', vroot, `state of ${name} differs from the root inventory`);
      }
      if (block.created !== now.created || block.message !== now.message || !isDeepStrictEqual(block.user, now.user)) {
        f.warn('W011', vroot, `created/message/user of ${name} differ from the root inventory`);
      }
    }
  }

  // Manifest ↔ content, §3.3.1 E023 and §3.5.2 E092.
  if (inv !== undefined) {
    const listed = new Set(Object.values(inv.manifest).flat());
    for (const p of contentFiles)
      if (!listed.has(p)) f.error('E023', joinPath(root, p), 'content file not in the manifest');
    for (const p of listed) if (!files.has(p)) f.error('E092', joinPath(root, p), 'manifest entry has no file');
    if (options.fixity ?? true) await checkContentDigests(storage, root, inv, files, f, options.signal);
  }
  return f.result();
}
