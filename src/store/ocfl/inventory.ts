import { createHash } from 'node:crypto';
import { InvalidInputError, StorageError } from '../../core/errors.js';
import type { Storage } from '../storage.js';
import { joinPath } from '../storage-path.js';
import { INVENTORY, INVENTORY_TYPE, type ContentAlgorithm } from './constants.js';

/** OCFL 1.1 §3.5.3.1 user block. */
export interface OcflUser {
  readonly name: string;
  /** Should be a URI (mailto: or a URL), W009. */
  readonly address?: string;
}

/** OCFL 1.1 §3.5.3.1: one version block. State maps digest → logical paths. */
export interface OcflVersion {
  readonly created: string;
  readonly state: Record<string, string[]>;
  readonly message?: string;
  readonly user?: OcflUser;
}

/** OCFL 1.1 §3.5 inventory; `contentDirectory` is omitted (default "content"). */
export interface Inventory {
  readonly id: string;
  readonly type: string;
  readonly digestAlgorithm: ContentAlgorithm;
  readonly head: string;
  readonly manifest: Record<string, string[]>;
  readonly versions: Record<string, OcflVersion>;
  /** algorithm → digest → content paths (§3.5.4). */
  readonly fixity?: Record<string, Record<string, string[]>>;
}

export const versionName = (n: number): string => `v${n}`;

/** Version number of a non-padded name ("v3" → 3), undefined for anything else. */
export function versionNumber(name: string): number | undefined {
  const m = /^v([1-9][0-9]*)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Serialised form: stable key order, two-space indent, UTF-8, trailing newline. */
export function serializeInventory(inv: Inventory): Buffer {
  const ordered = {
    id: inv.id,
    type: inv.type,
    digestAlgorithm: inv.digestAlgorithm,
    head: inv.head,
    manifest: inv.manifest,
    versions: inv.versions,
    ...(inv.fixity === undefined ? {} : { fixity: inv.fixity }),
  };
  return Buffer.from(JSON.stringify(ordered, null, 2) + '\n', 'utf8');
}

export function digestHex(algorithm: string, data: Uint8Array): string {
  return createHash(algorithm).update(data).digest('hex');
}

/** Sidecar content, OCFL 1.1 §3.5.6: "DIGEST inventory.json". */
export function sidecarContent(algorithm: ContentAlgorithm, inventoryBytes: Uint8Array): string {
  return `${digestHex(algorithm, inventoryBytes)} ${INVENTORY}\n`;
}

/** The digest a sidecar states, undefined when it does not follow §3.5.6 (E061). */
export function parseSidecar(text: string): string | undefined {
  const m = /^([0-9a-fA-F]+)[ \t]+inventory\.json\n?$/.exec(text);
  return m?.[1]?.toLowerCase();
}

/**
 * Logical path rules, OCFL 1.1 §3.5.3.1 (E052, E053), plus the storage path
 * rules, since new content lands at `vN/content/<logicalPath>`. Logical paths
 * come from deposit file names: attacker-controlled.
 */
export function checkLogicalPath(path: string): void {
  const bad = (zh: string, en: string): never => {
    throw new InvalidInputError(
      { zh: `逻辑路径 "${path}" 不合法：${zh}`, en: `invalid logical path "${path}": ${en}` },
      { details: { logicalPath: path } },
    );
  };
  if (typeof path !== 'string' || path === '') bad('为空', 'empty');
  if (path.startsWith('/') || path.endsWith('/')) bad('不能以 "/" 开头或结尾', 'must not begin or end with "/"');
  if (path.includes('\\') || path.includes('\0')) bad('不能包含反斜杠或空字符', 'must not contain "\\" or NUL');
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') bad('包含 "."、".." 或空路径段', 'has a ".", ".." or empty segment');
    if (seg.startsWith('.yinji-tmp-')) bad('使用了保留前缀', 'uses a reserved prefix');
  }
}

export interface ReadInventoryResult {
  readonly inventory: Inventory;
  readonly bytes: Buffer;
  /** Whether the sidecar exists and states the digest of `bytes`. */
  readonly sidecarOk: boolean;
}

/**
 * Read `<dir>/inventory.json` and check its sidecar. Undefined when there is
 * no inventory; a file that is not JSON throws (corruption, not absence).
 */
export async function readInventory(storage: Storage, dir: string): Promise<ReadInventoryResult | undefined> {
  const path = joinPath(dir, INVENTORY);
  if (!(await storage.exists(path))) return undefined;
  const bytes = await storage.readBytes(path);
  let inventory: Inventory;
  try {
    inventory = JSON.parse(bytes.toString('utf8')) as Inventory;
    if (inventory === null || typeof inventory !== 'object' || inventory.type !== INVENTORY_TYPE)
      throw new Error('type');
  } catch (e) {
    throw new StorageError(
      'E_STORAGE_CORRUPT',
      { zh: `清单 "${path}" 不是有效的 OCFL 1.1 清单`, en: `"${path}" is not a valid OCFL 1.1 inventory` },
      { cause: e, details: { path } },
    );
  }
  const algorithm = inventory.digestAlgorithm;
  const sidecarPath = `${path}.${algorithm}`;
  let sidecarOk = false;
  if ((algorithm === 'sha256' || algorithm === 'sha512') && (await storage.exists(sidecarPath))) {
    const stated = parseSidecar((await storage.readBytes(sidecarPath)).toString('utf8'));
    sidecarOk = stated === digestHex(algorithm, bytes);
  }
  return { inventory, bytes, sidecarOk };
}
