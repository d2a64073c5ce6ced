/**
 * What an offline carrier holds of each registration (carrier-export.ts):
 * the selection, and the files of each OCFL object as of the head version
 * the database records.
 */
import { Readable } from 'node:stream';
import { DigestMismatchError, NotFoundError, StorageError, forEachLimited } from '../core/index.js';
import type { Registration } from '../db/index.js';
import type { BagSourceFile } from '../packages/index.js';
import {
  EXTENSIONS_DIR,
  INVENTORY,
  OBJECT_NAMASTE,
  digestHex,
  joinPath,
  parseSidecar,
  versionName,
  type Inventory,
} from '../store/index.js';
import type { Center } from './center.js';
import { sha256Hex } from './carrier-manifest.js';
import { getRegistration } from './queries.js';

/** Which registrations go on the carrier. */
export type CarrierSelection =
  { readonly all: true } | { readonly unit: string } | { readonly regnos: readonly string[] };

/** Every registration the selection names, by regno; unknown regnos or units are refused before anything is written. */
export async function selectRegistrations(center: Center, select: CarrierSelection): Promise<Registration[]> {
  if ('regnos' in select) {
    const out: Registration[] = [];
    for (const regno of new Set(select.regnos)) out.push(await getRegistration(center, regno));
    return out.sort((a, b) => (a.regno < b.regno ? -1 : 1));
  }
  let unitId: number | undefined;
  if ('unit' in select) {
    const unit = await center.db.units.getByCode(select.unit);
    if (unit === undefined) {
      throw new NotFoundError({ zh: `单位 ${select.unit} 不存在`, en: `unit ${select.unit} does not exist` });
    }
    unitId = unit.id;
  }
  const out: Registration[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await center.db.registrations.list({ unitId, limit: 1000, offset });
    out.push(...page.items);
    if (page.items.length < 1000) break;
  }
  return out.sort((a, b) => (a.regno < b.regno ? -1 : 1));
}

export interface PlannedObject {
  readonly reg: Registration;
  readonly unit: { readonly code: string; readonly name: string };
  readonly inventorySha256: string;
  readonly files: readonly (Omit<BagSourceFile, 'source'> & { readonly read: () => Promise<Readable> })[];
  readonly bytes: number;
}

function damaged(reg: Registration, zh: string, en: string, details: Record<string, unknown> = {}): StorageError {
  return new StorageError(
    'E_STORAGE_CORRUPT',
    {
      zh: `${reg.regno}：${zh}；该登记未写入载体，请先运行 yinji store validate 并修复`,
      en: `${reg.regno}: ${en}; not written to the carrier — run yinji store validate and repair it first`,
    },
    { details: { regno: reg.regno, objectId: reg.objectId, ...details } },
  );
}

/**
 * The files of the object as of the head version the database records.
 * Versions up to it are immutable in OCFL, so reading them while a new
 * version is committed is safe; the root inventory is taken from
 * v<head>/inventory.json (OCFL 1.1 §3.5.5: identical to it), so the bag holds
 * a consistent object even if the store has moved on meanwhile. The head
 * inventory is checked against the digest the database recorded at
 * registration; content against the inventory as it is copied (writeBag).
 */
export async function planObject(center: Center, reg: Registration, signal?: AbortSignal): Promise<PlannedObject> {
  const storage = center.storage;
  const root = center.store.objectRoot(reg.objectId);
  const recorded = new Map(
    (await center.db.registrations.versions(reg.regno)).map((v) => [v.version, v.inventoryDigest]),
  );
  const head = reg.headVersion;
  const headDir = joinPath(root, versionName(head));
  const invBytes = await storage.readBytes(joinPath(headDir, INVENTORY)).catch((e: unknown) => {
    throw damaged(reg, `缺少第 ${head} 版清单`, `the version ${head} inventory is missing`, { cause: String(e) });
  });
  const inventorySha256 = sha256Hex(invBytes);
  if (inventorySha256 !== recorded.get(head)) {
    throw new DigestMismatchError(
      {
        zh: `${reg.regno} 第 ${head} 版清单与登记时记录的摘要不符；该登记未写入载体，请先巡检`,
        en: `${reg.regno}: the version ${head} inventory does not match the digest recorded at registration; not written to the carrier — audit it first`,
      },
      { details: { regno: reg.regno, expected: recorded.get(head), actual: inventorySha256 } },
    );
  }
  const inventory = JSON.parse(invBytes.toString('utf8')) as Inventory;
  if (inventory.id !== reg.objectId || inventory.head !== versionName(head)) {
    throw damaged(reg, '清单的对象标识或版本不符', 'the inventory names another object or version');
  }
  const alg = inventory.digestAlgorithm;
  const sidecarName = `${INVENTORY}.${alg}`;
  const sidecar = await storage.readBytes(joinPath(headDir, sidecarName)).catch(() => undefined);
  if (sidecar === undefined || parseSidecar(sidecar.toString('utf8')) !== digestHex(alg, invBytes)) {
    throw damaged(reg, '清单摘要文件缺失或不符', 'the inventory sidecar is missing or wrong');
  }

  const wanted: { path: string; digests?: BagSourceFile['digests']; bytes?: Buffer }[] = [];
  for (const [digest, paths] of Object.entries(inventory.manifest)) {
    for (const p of paths) wanted.push({ path: p, digests: { [alg]: digest } });
  }
  for (let v = 1; v <= head; v++) {
    const sha256 = recorded.get(v);
    wanted.push({ path: `${versionName(v)}/${INVENTORY}`, ...(sha256 ? { digests: { sha256 } } : {}) });
    wanted.push({ path: `${versionName(v)}/${sidecarName}` });
  }
  wanted.push({ path: OBJECT_NAMASTE });
  for await (const p of storage.list(joinPath(root, EXTENSIONS_DIR), { signal }))
    wanted.push({ path: p.slice(root.length + 1) });
  for await (const p of storage.list(joinPath(root, 'logs'), { signal }))
    wanted.push({ path: p.slice(root.length + 1) });
  wanted.push({ path: INVENTORY, digests: { sha256: inventorySha256 }, bytes: invBytes });
  wanted.push({ path: sidecarName, bytes: sidecar });

  const sizes = new Map<string, number>();
  await forEachLimited(wanted, 8, async (w) => {
    if (w.bytes !== undefined) return void sizes.set(w.path, w.bytes.length);
    const st = await storage.stat(joinPath(root, w.path));
    if (st === undefined) throw damaged(reg, `缺少文件 ${w.path}`, `${w.path} is missing`, { path: w.path });
    sizes.set(w.path, st.size);
  });
  const files = wanted.map((w) => ({
    path: w.path,
    size: sizes.get(w.path)!,
    ...(w.digests !== undefined ? { digests: w.digests } : {}),
    read:
      w.bytes !== undefined
        ? () => Promise.resolve(Readable.from([w.bytes!]))
        : () => storage.read(joinPath(root, w.path), { signal }),
  }));
  const unit = await center.db.units.getById(reg.unitId);
  return {
    reg,
    unit: { code: unit?.code ?? String(reg.unitId), name: unit?.name ?? '' },
    inventorySha256,
    files,
    bytes: files.reduce((n, f) => n + f.size, 0),
  };
}
