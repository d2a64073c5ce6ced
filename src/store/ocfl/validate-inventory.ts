import { CONTENT_ALGORITHMS, FIXITY_ALGORITHMS, INVENTORY_TYPE } from './constants.js';
import type { Inventory } from './inventory.js';
import type { Findings } from './validation.js';

const INVENTORY_KEYS = new Set([
  'id',
  'type',
  'digestAlgorithm',
  'head',
  'contentDirectory',
  'manifest',
  'versions',
  'fixity',
]);
const VERSION_KEYS = new Set(['created', 'state', 'message', 'user']);
/** RFC 3339 date-time with a timezone (§3.5.3.1 E049). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Path rules shared by logical (E051–E053) and content paths (E098–E100). */
function badPath(p: string): 'segment' | 'slash' | undefined {
  if (p.startsWith('/') || p.endsWith('/')) return 'slash';
  return p.split('/').some((s) => s === '' || s === '.' || s === '..') ? 'segment' : undefined;
}

/** Paths where one is a directory prefix of another (E095 for logical, E101 for content paths). */
function conflicts(paths: Iterable<string>): string[] {
  const all = new Set(paths);
  const out: string[] = [];
  for (const p of all) {
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) if (all.has(p.slice(0, i))) out.push(p.slice(0, i));
  }
  return out;
}

/**
 * Structure checks of one inventory (OCFL 1.1 §3.5), every violation
 * recorded. Returns the inventory when it is sound enough for the checks
 * that need it (manifest, versions and head usable), else undefined.
 */
export function checkInventory(raw: unknown, where: string, f: Findings): Inventory | undefined {
  if (!isObject(raw)) {
    f.error('E033', where, 'inventory is not a JSON object');
    return undefined;
  }
  for (const k of Object.keys(raw)) if (!INVENTORY_KEYS.has(k)) f.error('E102', where, `unknown inventory key "${k}"`);
  for (const k of ['id', 'type', 'digestAlgorithm', 'head']) {
    if (typeof raw[k] !== 'string' || raw[k] === '') f.error('E036', where, `missing or non-string "${k}"`);
  }
  const { id, type, digestAlgorithm, head } = raw;
  if (typeof id === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(id)) f.warn('W005', where, `id "${id}" is not a URI`);
  if (typeof type === 'string' && type !== INVENTORY_TYPE)
    f.error('E038', where, `type is "${type}", not ${INVENTORY_TYPE}`);
  if (typeof digestAlgorithm === 'string') {
    if (!(CONTENT_ALGORITHMS as readonly string[]).includes(digestAlgorithm)) {
      f.error('E025', where, `digestAlgorithm "${digestAlgorithm}" is neither sha512 nor sha256`);
    } else if (digestAlgorithm === 'sha256') {
      f.warn('W004', where, 'digestAlgorithm is sha256; OCFL recommends sha512 (Yinji uses sha256 by choice)');
    }
  }
  if ('contentDirectory' in raw) {
    const cd = raw.contentDirectory;
    if (typeof cd !== 'string' || cd.includes('/')) f.error('E017', where, 'contentDirectory contains "/"');
    else if (cd === '.' || cd === '..') f.error('E018', where, 'contentDirectory is "." or ".."');
  }
  const hexLen = digestAlgorithm === 'sha512' ? 128 : 64;

  // Manifest, §3.5.2.
  const manifest = raw.manifest;
  let manifestOk = isObject(manifest);
  const contentPaths: string[] = [];
  if (manifest === undefined) f.error('E041', where, 'missing manifest');
  else if (!manifestOk) f.error('E106', where, 'manifest is not a JSON object');
  else {
    const lower = new Set<string>();
    for (const [digest, paths] of Object.entries(manifest as Record<string, unknown>)) {
      if (lower.has(digest.toLowerCase()))
        f.error('E096', where, `digest ${digest} occurs more than once in the manifest`);
      lower.add(digest.toLowerCase());
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digest))
        f.error('E096', where, `manifest key ${digest} is not a ${String(digestAlgorithm)} digest`);
      if (!isStringArray(paths)) {
        f.error('E092', where, `manifest value for ${digest} is not an array of content paths`);
        manifestOk = false;
        continue;
      }
      for (const p of paths) {
        const bad = badPath(p);
        if (bad === 'slash') f.error('E100', where, `content path "${p}" begins or ends with "/"`);
        if (bad === 'segment') f.error('E099', where, `content path "${p}" has a ".", ".." or empty segment`);
        if (p.includes('\\')) f.error('E035', where, `content path "${p}" uses "\\"`);
        contentPaths.push(p);
      }
    }
    const seen = new Set<string>();
    for (const p of contentPaths) {
      if (seen.has(p)) f.error('E101', where, `content path "${p}" appears more than once`);
      seen.add(p);
    }
    for (const c of conflicts(contentPaths)) f.error('E101', where, `content path "${c}" is also a directory`);
  }

  // Versions, §3.5.3.
  const versions = raw.versions;
  let versionsOk = isObject(versions);
  if (versions === undefined) f.error('E043', where, 'missing versions');
  else if (!versionsOk) f.error('E044', where, 'versions is not a JSON object');
  const names = versionsOk ? Object.keys(versions as object) : [];
  if (versionsOk) {
    if (names.length === 0) f.error('E008', where, 'no versions');
    const nums: number[] = [];
    const padded = new Set<number>();
    for (const n of names) {
      const m = /^v(\d+)$/.exec(n);
      if (m === null || Number(m[1]) === 0) {
        f.error('E104', where, `version name "${n}" is not v followed by a positive integer`);
        versionsOk = false;
        continue;
      }
      nums.push(Number(m[1]));
      if (m[1]!.startsWith('0')) padded.add(n.length);
    }
    if (padded.size > 0) f.warn('W001', where, 'zero-padded version names');
    if (padded.size > 0 && (padded.size > 1 || nums.length !== names.filter((n) => n.startsWith('v0')).length)) {
      f.error('E012', where, 'version names mix naming conventions');
    }
    nums.sort((a, b) => a - b);
    if (nums.length > 0 && nums[0] !== 1) f.error('E009', where, 'version sequence does not start at 1');
    nums.forEach((n, i) => {
      if (i > 0 && n !== nums[i - 1]! + 1)
        f.error('E010', where, `version sequence skips from v${nums[i - 1]} to v${n}`);
    });
    const highest = names.find((n) => Number(n.slice(1)) === nums[nums.length - 1]);
    if (typeof head === 'string' && highest !== undefined && head !== highest) {
      f.error('E040', where, `head is "${head}" but the highest version is "${highest}"`);
    }
  }
  const manifestDigests = new Set(manifestOk ? Object.keys(manifest as object) : []);
  const stateDigests = new Set<string>();
  for (const n of versionsOk ? names : []) {
    const v = (versions as Record<string, unknown>)[n];
    const at = `${where} versions.${n}`;
    if (!isObject(v)) {
      f.error('E047', at, 'version is not a JSON object');
      versionsOk = false;
      continue;
    }
    for (const k of Object.keys(v)) if (!VERSION_KEYS.has(k)) f.error('E102', at, `unknown version key "${k}"`);
    if (typeof v.created !== 'string') f.error('E048', at, 'missing created');
    else if (!RFC3339.test(v.created)) f.error('E049', at, `created "${v.created}" is not an RFC 3339 date-time`);
    if (v.message === undefined || v.user === undefined) f.warn('W007', at, 'version lacks message or user');
    if (v.message !== undefined && typeof v.message !== 'string') f.error('E094', at, 'message is not a string');
    if (v.user !== undefined) {
      if (!isObject(v.user) || typeof v.user.name !== 'string') f.error('E054', at, 'user lacks a string name');
      else if (v.user.address === undefined) f.warn('W008', at, 'user lacks an address');
      else if (typeof v.user.address !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(v.user.address)) {
        f.warn('W009', at, 'user address is not a URI');
      }
    }
    if (!isObject(v.state)) {
      f.error('E048', at, 'missing or non-object state');
      versionsOk = false;
      continue;
    }
    const logical: string[] = [];
    for (const [digest, paths] of Object.entries(v.state)) {
      stateDigests.add(digest);
      if (manifestOk && !manifestDigests.has(digest))
        f.error('E050', at, `state digest ${digest} is not in the manifest`);
      if (!isStringArray(paths)) {
        f.error('E051', at, `state value for ${digest} is not an array of logical paths`);
        continue;
      }
      for (const p of paths) {
        const bad = badPath(p);
        if (bad === 'slash') f.error('E053', at, `logical path "${p}" begins or ends with "/"`);
        if (bad === 'segment') f.error('E052', at, `logical path "${p}" has a ".", ".." or empty segment`);
        logical.push(p);
      }
    }
    const seen = new Set<string>();
    for (const p of logical) {
      if (seen.has(p)) f.error('E095', at, `logical path "${p}" appears more than once`);
      seen.add(p);
    }
    for (const c of conflicts(logical)) f.error('E095', at, `logical path "${c}" is also a directory`);
  }
  if (manifestOk && versionsOk) {
    for (const d of manifestDigests)
      if (!stateDigests.has(d)) f.error('E107', where, `manifest digest ${d} is in no version state`);
  }

  // Fixity, §3.5.4.
  if ('fixity' in raw) {
    const fixity = raw.fixity;
    if (!isObject(fixity)) f.error('E111', where, 'fixity is not a JSON object');
    else {
      const known = new Set(contentPaths);
      for (const [alg, block] of Object.entries(fixity)) {
        if (!FIXITY_ALGORITHMS.has(alg)) f.error('E056', where, `unknown fixity algorithm "${alg}"`);
        if (!isObject(block)) {
          f.error('E057', where, `fixity block for ${alg} is not a JSON object`);
          continue;
        }
        const lower = new Set<string>();
        for (const [digest, paths] of Object.entries(block)) {
          if (lower.has(digest.toLowerCase())) f.error('E097', where, `fixity ${alg} digest ${digest} repeated`);
          lower.add(digest.toLowerCase());
          if (!isStringArray(paths)) f.error('E057', where, `fixity ${alg} value for ${digest} is not an array`);
          else
            for (const p of paths)
              if (!known.has(p)) f.error('E057', where, `fixity path "${p}" is not in the manifest`);
        }
      }
    }
  }
  const usable =
    manifestOk &&
    versionsOk &&
    typeof head === 'string' &&
    typeof id === 'string' &&
    typeof digestAlgorithm === 'string';
  return usable ? (raw as unknown as Inventory) : undefined;
}
