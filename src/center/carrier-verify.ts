/**
 * Verification of one carrier entry (carrier-import.ts): the bag, the OCFL
 * object in it against this center's records, and the state of the store's
 * own copy. Nothing here writes. The carrier is untrusted input: a path it
 * names is only read inside its directory, and every file it holds must be
 * one an exported object may hold (carrier-export.ts), so nothing else can
 * reach the store.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Message } from '../core/index.js';
import type { Registration } from '../db/index.js';
import { readManifest, validateBagDir } from '../packages/index.js';
import {
  EXTENSIONS_DIR,
  FsStorage,
  INVENTORY,
  OBJECT_NAMASTE,
  digestHex,
  joinPath,
  parseSidecar,
  readInventory,
  validateObject,
  versionName,
  versionNumber,
  type Inventory,
} from '../store/index.js';
import type { Center } from './center.js';
import { sha256Hex, type CarrierEntry } from './carrier-manifest.js';

/**
 * restored: written into the store and validated; intact: the store's copy is
 * valid, nothing written; restorable: would be restored (verifyOnly);
 * invalid: the bag fails verification, nothing written; mismatch: the object
 * on the carrier is not what this center registered; unknown: not registered
 * here, not imported; registered: not registered here, verified and
 * registered as a new registration (`register`); failed: verified, but
 * writing or validating it failed.
 */
export type CarrierItemStatus =
  'restored' | 'intact' | 'restorable' | 'invalid' | 'mismatch' | 'unknown' | 'registered' | 'failed';

/** The store's copy before import. behind: valid, but with fewer versions than the carrier. */
export type StoredState = 'missing' | 'damaged' | 'behind' | 'intact';

export interface CarrierItemFinding {
  readonly code: string;
  readonly message: Message;
  readonly path?: string;
}

export interface CarrierImportItem {
  readonly regno: string;
  readonly status: CarrierItemStatus;
  readonly headVersion: number;
  readonly storeState?: StoredState;
  /** This center has registered versions after the carrier's head; they are not on it. */
  readonly outdated?: boolean;
  readonly filesWritten?: number;
  readonly bytesWritten?: number;
  readonly problems?: readonly CarrierItemFinding[];
  /** The registration number it got here ('registered'). */
  readonly registeredAs?: string;
}

export interface Verified {
  readonly entry: CarrierEntry;
  readonly reg: Registration;
  readonly payloadDir: string;
  readonly inventory: Inventory;
  /** Object-relative path → SHA-256 (from the verified bag manifest) and size. */
  readonly files: ReadonlyMap<string, { readonly sha256: string; readonly size: number }>;
  readonly outdated: boolean;
}

export const finding = (code: string, zh: string, en: string, path?: string): CarrierItemFinding => ({
  code,
  message: { zh, en },
  ...(path !== undefined ? { path } : {}),
});

/** Files an exported OCFL object may hold (carrier-export.ts planObject), so nothing else reaches the store. */
function allowedPath(rel: string, inv: Inventory, head: number, contentPaths: ReadonlySet<string>): boolean {
  const alg = inv.digestAlgorithm;
  if (rel === OBJECT_NAMASTE || rel === INVENTORY || rel === `${INVENTORY}.${alg}` || contentPaths.has(rel))
    return true;
  if (rel.startsWith(`${EXTENSIONS_DIR}/`) || rel.startsWith('logs/')) return true;
  const m = /^(v[0-9]+)\/(.+)$/.exec(rel);
  const v = m === null ? undefined : versionNumber(m[1]!);
  return v !== undefined && v <= head && (m![2] === INVENTORY || m![2] === `${INVENTORY}.${alg}`);
}

/**
 * Check one bag and the OCFL object in it; never writes. Returns the verified
 * object, or the item to report.
 */
export async function verifyEntry(
  center: Center,
  dir: string,
  entry: CarrierEntry,
  options: { signal?: AbortSignal; onBytes: (bytes: number, files: number) => void },
): Promise<Verified | CarrierImportItem> {
  const base = { regno: entry.regno, headVersion: entry.headVersion };
  const reg = await center.db.registrations.getByRegno(entry.regno);
  if (reg === undefined) {
    return {
      ...base,
      status: 'unknown',
      problems: [
        finding(
          'CARRIER_UNKNOWN_REGISTRATION',
          '本中心没有这一登记，未导入（用 --register 登记为本中心的新登记）',
          'this center has no such registration; not imported (--register registers it here as a new registration)',
        ),
      ],
    };
  }
  const mismatch = (zh: string, en: string, path?: string): CarrierImportItem => ({
    ...base,
    status: 'mismatch',
    problems: [finding('CARRIER_OBJECT_MISMATCH', zh, en, path)],
  });
  const invalid = (problems: CarrierItemFinding[]): CarrierImportItem => ({ ...base, status: 'invalid', problems });
  if (reg.objectId !== entry.objectId) {
    return mismatch(
      `载体上的对象 ${entry.objectId} 不是本中心登记的 ${reg.objectId}`,
      `the carrier's object ${entry.objectId} is not ${reg.objectId}, which this center registered`,
    );
  }

  // The bag: its directory (not a link out of the carrier), the tag manifest the signed manifest names, then every file.
  const bagDir = join(dir, entry.bag);
  const st = await lstat(bagDir).catch(() => undefined);
  if (st?.isDirectory() !== true) {
    return invalid([
      finding('CARRIER_BAG_MISSING', `缺少包目录 ${entry.bag}`, `the bag directory ${entry.bag} is missing`, entry.bag),
    ]);
  }
  const tagmanifest = await readFile(join(bagDir, 'tagmanifest-sha256.txt')).catch(() => undefined);
  if (tagmanifest === undefined || sha256Hex(tagmanifest) !== entry.tagmanifestSha256) {
    return invalid([
      finding(
        'CARRIER_TAGMANIFEST_MISMATCH',
        'tagmanifest-sha256.txt 缺失或与载体清单不符',
        'tagmanifest-sha256.txt is missing or does not match the carrier manifest',
        `${entry.bag}/tagmanifest-sha256.txt`,
      ),
    ]);
  }
  const tags = await readManifest(join(bagDir, 'tagmanifest-sha256.txt'), 'tagmanifest-sha256.txt', 'sha256');
  if (!tags.entries.has('manifest-sha256.txt')) {
    return invalid([
      finding(
        'CARRIER_MANIFEST_UNCOVERED',
        'tagmanifest-sha256.txt 未覆盖 manifest-sha256.txt',
        'tagmanifest-sha256.txt does not cover manifest-sha256.txt',
        `${entry.bag}/tagmanifest-sha256.txt`,
      ),
    ]);
  }
  const report = await validateBagDir(bagDir, { signal: options.signal, onProgress: options.onBytes });
  if (!report.valid) {
    return invalid(
      report.violations.map((v) => ({
        code: v.code,
        message: v.message,
        ...(v.path !== undefined ? { path: `${entry.bag}/${v.path}` } : {}),
      })),
    );
  }

  // The OCFL object in data/: its inventories against what this center recorded at registration.
  const payloadDir = join(bagDir, 'data');
  const manifest = await readManifest(join(bagDir, 'manifest-sha256.txt'), 'manifest-sha256.txt', 'sha256');
  const files = new Map<string, { sha256: string; size: number }>();
  for (const [p, sha256] of manifest.entries) {
    const rel = p.slice('data/'.length);
    files.set(rel, { sha256, size: (await lstat(join(payloadDir, rel))).size });
  }
  const rootInv = files.get(INVENTORY);
  if (rootInv === undefined)
    return invalid([
      finding('CARRIER_NO_INVENTORY', '对象缺少 inventory.json', 'the object has no inventory.json', entry.bag),
    ]);
  const invBytes = await readFile(join(payloadDir, INVENTORY));
  let inventory: Inventory;
  try {
    inventory = JSON.parse(invBytes.toString('utf8')) as Inventory;
  } catch {
    return invalid([
      finding('CARRIER_BAD_INVENTORY', 'inventory.json 不是 JSON', 'inventory.json is not JSON', entry.bag),
    ]);
  }
  const head = entry.headVersion;
  if (inventory.id !== reg.objectId || inventory.head !== versionName(head)) {
    return mismatch('对象清单的标识或最新版本与载体清单不符', 'the inventory names another object or head version');
  }
  if (sha256Hex(invBytes) !== entry.inventorySha256) {
    return mismatch(
      '对象清单与载体清单记录的摘要不符',
      'the inventory does not match the digest in the carrier manifest',
    );
  }
  const recorded = new Map(
    (await center.db.registrations.versions(reg.regno)).map((v) => [v.version, v.inventoryDigest]),
  );
  for (let v = 1; v <= head; v++) {
    const rel = `${versionName(v)}/${INVENTORY}`;
    const want = recorded.get(v);
    if (want === undefined) {
      return mismatch(
        `载体上有第 ${v} 版，本中心未登记该版本`,
        `the carrier holds version ${v}, which this center has not registered`,
        rel,
      );
    }
    if (files.get(rel)?.sha256 !== want) {
      return mismatch(
        `第 ${v} 版清单与本中心登记时记录的摘要不符`,
        `the version ${v} inventory does not match the digest this center recorded at registration`,
        rel,
      );
    }
  }
  const alg = inventory.digestAlgorithm;
  const sidecar = await readFile(join(payloadDir, `${INVENTORY}.${alg}`)).catch(() => undefined);
  const problems: CarrierItemFinding[] = [];
  if (files.get(`${versionName(head)}/${INVENTORY}`)?.sha256 !== rootInv.sha256) {
    problems.push(
      finding(
        'CARRIER_BAD_OBJECT',
        '根清单与最新版本清单不同',
        'the root inventory differs from the head version inventory',
      ),
    );
  }
  if (sidecar === undefined || parseSidecar(sidecar.toString('utf8')) !== digestHex(alg, invBytes)) {
    problems.push(
      finding('CARRIER_BAD_OBJECT', '清单摘要文件缺失或不符', 'the inventory sidecar is missing or wrong', INVENTORY),
    );
  }
  const contentPaths = new Set(Object.values(inventory.manifest).flat());
  for (const p of contentPaths) {
    if (!files.has(p))
      problems.push(finding('CARRIER_BAD_OBJECT', `缺少内容文件 ${p}`, `content file ${p} is missing`, p));
  }
  if (!files.has(OBJECT_NAMASTE))
    problems.push(finding('CARRIER_BAD_OBJECT', `缺少 ${OBJECT_NAMASTE}`, `${OBJECT_NAMASTE} is missing`));
  for (const p of files.keys()) {
    if (!allowedPath(p, inventory, head, contentPaths)) {
      problems.push(finding('CARRIER_BAD_OBJECT', `对象中有多余的文件 ${p}`, `unexpected file ${p} in the object`, p));
    }
  }
  if (problems.length === 0) {
    // Structure only (content was just hashed by the bag check, and is checked again as it is written).
    const ocfl = await validateObject(new FsStorage(payloadDir), '', { fixity: false, signal: options.signal });
    for (const e of ocfl.errors) problems.push(finding(e.code, `OCFL：${e.message}`, `OCFL: ${e.message}`, e.path));
  }
  if (problems.length > 0)
    return invalid(problems.map((p) => (p.path ? { ...p, path: `${entry.bag}/data/${p.path}` } : p)));
  return { entry, reg, payloadDir, inventory, files, outdated: head < reg.headVersion };
}

/** The store's copy of the object, judged against the verified carrier object. */
export async function storedState(center: Center, v: Verified, signal?: AbortSignal): Promise<StoredState> {
  const root = center.store.objectRoot(v.reg.objectId);
  const there = await readInventory(center.storage, root).catch(() => 'corrupt' as const);
  if (there === undefined) return (await hasAnyFile(center, root)) ? 'damaged' : 'missing';
  if (there === 'corrupt' || !there.sidecarOk) return 'damaged';
  if ((await validateObject(center.storage, root, { fixity: true, signal })).valid === false) return 'damaged';
  const storeHead = versionNumber(there.inventory.head) ?? 0;
  if (storeHead < v.entry.headVersion) return 'behind';
  const headInv = await center.storage
    .readBytes(joinPath(root, versionName(v.entry.headVersion), INVENTORY))
    .catch(() => undefined);
  return headInv !== undefined && sha256Hex(headInv) === v.entry.inventorySha256 ? 'intact' : 'damaged';
}

async function hasAnyFile(center: Center, root: string): Promise<boolean> {
  for await (const _ of center.storage.list(root)) return true;
  return false;
}
