/**
 * Registering the content of a foreign carrier (issue 7 item 2: "carrier
 * import verifies and registers or restores"): a carrier another center
 * wrote — or a unit brought, made by its own Yinji — holds registrations this
 * center does not know. With `register`, each is verified as strictly as a
 * restore (the bag against its signed manifest entry, the OCFL object's
 * content against its inventory) and its head version's deposited files are
 * registered here as a new registration, carrying the title, unit,
 * classification and file times of the original record. The provenance —
 * which center, which registration, which carrier — is recorded as an event.
 */
import { copyFile, lstat, mkdir, mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Agent } from './audit-log.js';
import { readManifest, validateBagDir } from '../packages/index.js';
import { FsStorage, INVENTORY, checkStoragePath, validateObject, versionName, type Inventory } from '../store/index.js';
import type { Center } from './center.js';
import { sha256Hex, type CarrierEntry, type CarrierManifest } from './carrier-manifest.js';
import { finding, type CarrierImportItem } from './carrier-verify.js';
import { deposit } from './deposit.js';
import { RECORD_PATH, parseRecord } from './registration-record.js';

export interface RegisterOptions {
  /** Register for this unit instead of the one the original record names. */
  readonly unit?: string;
  readonly agent?: Agent;
  readonly signal?: AbortSignal;
}

export async function registerForeignEntry(
  center: Center,
  dir: string,
  manifest: CarrierManifest,
  entry: CarrierEntry,
  options: RegisterOptions,
): Promise<CarrierImportItem> {
  const base = { regno: entry.regno, headVersion: entry.headVersion };
  const invalid = (code: string, zh: string, en: string): CarrierImportItem => ({
    ...base,
    status: 'invalid',
    problems: [finding(code, zh, en, entry.bag)],
  });
  const bagDir = join(dir, entry.bag);
  if ((await lstat(bagDir).catch(() => undefined))?.isDirectory() !== true) {
    return invalid('CARRIER_BAG_MISSING', `缺少包目录 ${entry.bag}`, `the bag directory ${entry.bag} is missing`);
  }
  const tagmanifest = await readFile(join(bagDir, 'tagmanifest-sha256.txt')).catch(() => undefined);
  if (tagmanifest === undefined || sha256Hex(tagmanifest) !== entry.tagmanifestSha256) {
    return invalid(
      'CARRIER_TAGMANIFEST_MISMATCH',
      '包的标签清单与载体清单不符',
      'the bag’s tag manifest does not match the carrier manifest',
    );
  }
  const tags = await readManifest(join(bagDir, 'tagmanifest-sha256.txt'), 'tagmanifest-sha256.txt', 'sha256');
  if (!tags.entries.has('manifest-sha256.txt')) {
    return invalid(
      'CARRIER_MANIFEST_UNCOVERED',
      '标签清单未覆盖 manifest-sha256.txt',
      'the tag manifest does not cover manifest-sha256.txt',
    );
  }
  const bag = await validateBagDir(bagDir, { ...(options.signal ? { signal: options.signal } : {}) });
  if (!bag.valid) {
    return {
      ...base,
      status: 'invalid',
      problems: bag.violations.map((v) => finding(v.code, v.message.zh, v.message.en, v.path)),
    };
  }
  const payload = join(bagDir, 'data');
  const invBytes = await readFile(join(payload, INVENTORY)).catch(() => undefined);
  if (invBytes === undefined || sha256Hex(invBytes) !== entry.inventorySha256) {
    return invalid(
      'CARRIER_BAD_INVENTORY',
      '对象清单与载体清单不符',
      'the object inventory does not match the carrier manifest',
    );
  }
  const inventory = JSON.parse(invBytes.toString('utf8')) as Inventory;
  if (inventory.id !== entry.objectId || inventory.head !== versionName(entry.headVersion)) {
    return invalid(
      'CARRIER_OBJECT_MISMATCH',
      '对象标识或版本与载体清单不符',
      'the object id or head version does not match the carrier manifest',
    );
  }
  // Content against the inventory, not only against the bag: what is registered must be what was preserved.
  const ocfl = await validateObject(new FsStorage(payload), '', {
    fixity: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!ocfl.valid) {
    return {
      ...base,
      status: 'invalid',
      problems: ocfl.errors.map((e) => finding(e.code, `OCFL：${e.message}`, `OCFL: ${e.message}`, e.path)),
    };
  }
  const state = inventory.versions[inventory.head]!.state;
  const contentOf = new Map<string, string>();
  for (const [digest, logical] of Object.entries(state)) {
    const content = inventory.manifest[digest]?.[0];
    if (content !== undefined) for (const p of logical) contentOf.set(p, content);
  }
  const recordPath = contentOf.get(RECORD_PATH);
  if (recordPath === undefined) {
    return invalid('CARRIER_NO_RECORD', '对象中没有登记记录', 'the object holds no registration record');
  }
  const record = parseRecord(await readFile(join(payload, ...recordPath.split('/')), 'utf8'));
  const tree = await mkdtemp(join(center.config.stagingDir, 'carrier-'));
  try {
    for (const d of record.dirs) await mkdir(join(tree, ...checkStoragePath(d).split('/')), { recursive: true });
    for (const f of record.files) {
      const content = contentOf.get(`data/${f.path}`);
      if (content === undefined) {
        return invalid(
          'CARRIER_BAD_OBJECT',
          `登记记录中的 ${f.path} 不在对象中`,
          `${f.path}, in the record, is not in the object`,
        );
      }
      const to = join(tree, ...checkStoragePath(f.path).split('/'));
      await mkdir(dirname(to), { recursive: true });
      await copyFile(join(payload, ...content.split('/')), to);
      await utimes(to, new Date(f.mtime), new Date(f.mtime));
    }
    const result = await deposit(center, {
      source: tree,
      unit: options.unit ?? record.unit.code,
      unitName: record.unit.name,
      title: record.title,
      ...(record.classification !== undefined ? { classification: record.classification } : {}),
      message: `载体 ${manifest.serial}：${manifest.centerId} ${entry.regno} / carrier ${manifest.serial}: ${manifest.centerId} ${entry.regno}`,
      ...(options.agent !== undefined ? { agent: options.agent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await center.db.events.append({
      regno: result.regno,
      type: 'carrier-register',
      agent: typeof options.agent === 'string' ? options.agent : 'cli',
      outcome: 'success',
      detail: {
        serial: manifest.serial,
        fromCenter: manifest.centerId,
        fromRegno: entry.regno,
        fromObject: entry.objectId,
        fromVersion: entry.headVersion,
        files: result.fileCount,
      },
    });
    return { ...base, status: 'registered', registeredAs: result.regno };
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
