import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DigestAlgorithm } from '../digest/index.js';
import { parseFetch, checkBagitTxt, checkOxum, escapes, finding } from './bag-checks.js';
import { hashFiles, loadManifests } from './bag-manifests.js';
import type { BagFinding } from './bag-text.js';
import { walkBag } from './bag-walk.js';
import { validateZippedBag } from './bag-zip.js';

export interface ValidateBagOptions {
  /** Accept a fetch.txt (nothing is fetched; the payload is reported incomplete). Default false. */
  readonly allowFetch?: boolean;
  readonly signal?: AbortSignal;
  /** Cumulative bytes hashed and files checked. */
  readonly onProgress?: (bytes: number, files: number) => void;
  /** Where a zipped bag is unpacked for checking. Default: the OS temp directory. */
  readonly tempDir?: string;
}

export interface BagValidationReport {
  readonly valid: boolean;
  readonly violations: BagFinding[];
  readonly warnings: BagFinding[];
}

/**
 * Validate a bag (RFC 8493 §3) — a directory or a zip serialisation — and
 * report every violation, not the first: the depositor fixes them all at once.
 */
export async function validateBag(path: string, options: ValidateBagOptions = {}): Promise<BagValidationReport> {
  const st = await stat(path);
  if (!st.isDirectory()) return validateZippedBag(path, options, (root) => validateBagDir(root, options));
  return validateBagDir(path, options);
}

export async function validateBagDir(root: string, options: ValidateBagOptions = {}): Promise<BagValidationReport> {
  const violations: BagFinding[] = [];
  const warnings: BagFinding[] = [];
  const tree = await walkBag(root, options.signal);
  violations.push(...tree.problems);
  const topLevel = [...tree.files.keys()].filter((p) => !p.includes('/'));

  await checkBagitTxt(root, tree.files.has('bagit.txt'), violations, warnings);
  const hasPayloadDir = await stat(join(root, 'data')).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!hasPayloadDir)
    violations.push(finding('BAG_NO_PAYLOAD_DIR', '缺少 data/ 载荷目录', 'the data/ payload directory is missing'));

  // fetch.txt (§2.2.3): allowed only when asked; even then nothing is downloaded here.
  let fetched = new Set<string>();
  if (tree.files.has('fetch.txt')) {
    const fetch = parseFetch(await readFile(join(root, 'fetch.txt'), 'utf8'));
    violations.push(...fetch.problems);
    fetched = fetch.paths;
    if (options.allowFetch) {
      warnings.push(
        finding(
          'BAG_FETCH_NOT_PERFORMED',
          'fetch.txt 中列出的文件未下载，载荷不完整',
          'files listed in fetch.txt were not fetched; the payload is incomplete',
          'fetch.txt',
        ),
      );
    } else {
      violations.push(
        finding(
          'BAG_FETCH_NOT_ALLOWED',
          '包含 fetch.txt（需从网络补全的文件），不予接收',
          'the bag has a fetch.txt (files to be fetched from the network), which is not accepted',
          'fetch.txt',
        ),
      );
    }
  }

  const manifests = await loadManifests(root, topLevel, violations, warnings);

  // Tag manifests SHOULD cover every tag file (§2.2.1); a gap is worth telling, not rejecting.
  for (const m of manifests.filter((x) => x.tag)) {
    for (const p of tree.files.keys()) {
      if (p.startsWith('data/') || p.startsWith('tagmanifest-') || m.entries.has(p)) continue;
      warnings.push(
        finding(
          'BAG_TAG_FILE_UNLISTED',
          `标签文件“${p}”未列入 ${m.name}`,
          `tag file "${p}" is not listed in ${m.name}`,
          p,
        ),
      );
    }
  }

  // Which files to hash with which algorithms: every file read once, all algorithms together.
  const want = new Map<string, Set<DigestAlgorithm>>();
  const nfc = new Map([...tree.files.keys()].map((p) => [p.normalize('NFC'), p]));
  const resolved = new Map<string, string>(); // manifest path → path on disk
  for (const m of manifests) {
    for (const listed of m.entries.keys()) {
      if (escapes(listed)) {
        violations.push(
          finding(
            'BAG_PATH_ESCAPE',
            `${m.name} 中的路径跳出了包：“${listed}”`,
            `${m.name} lists a path outside the bag: "${listed}"`,
            listed,
          ),
        );
        m.entries.delete(listed);
        continue;
      }
      if (!m.tag && !listed.startsWith('data/')) {
        violations.push(
          finding(
            'BAG_MANIFEST_PATH_NOT_PAYLOAD',
            `${m.name} 列出了 data/ 之外的文件“${listed}”`,
            `${m.name} lists "${listed}", which is not under data/`,
            listed,
          ),
        );
      }
      if (m.tag && listed.startsWith('data/')) {
        warnings.push(
          finding(
            'BAG_TAGMANIFEST_LISTS_PAYLOAD',
            `${m.name} 列出了载荷文件“${listed}”`,
            `${m.name} lists payload file "${listed}"`,
            listed,
          ),
        );
      }
      let onDisk = tree.files.has(listed) ? listed : undefined;
      if (onDisk === undefined) {
        onDisk = nfc.get(listed.normalize('NFC'));
        if (onDisk !== undefined) {
          warnings.push(
            finding(
              'BAG_UNICODE_NORMALIZATION',
              `“${listed}”在磁盘上的 Unicode 规范化形式不同`,
              `"${listed}" is stored under a different Unicode normalisation`,
              listed,
            ),
          );
        }
      }
      if (onDisk === undefined) {
        if (fetched.has(listed) && options.allowFetch) continue;
        violations.push(
          finding(
            'BAG_MISSING_FILE',
            `${m.name} 列出的“${listed}”不存在`,
            `"${listed}" listed in ${m.name} is missing`,
            listed,
          ),
        );
        m.entries.delete(listed);
        continue;
      }
      resolved.set(listed, onDisk);
      const set = want.get(onDisk) ?? new Set();
      set.add(m.algorithm);
      want.set(onDisk, set);
    }
  }

  // §3: every payload file must be listed in every payload manifest.
  const payloadManifests = manifests.filter((m) => !m.tag);
  const listedOnDisk = new Map(
    payloadManifests.map((m) => [m, new Set([...m.entries.keys()].map((p) => resolved.get(p) ?? p))]),
  );
  let payloadBytes = 0;
  let payloadCount = 0;
  for (const [p, size] of tree.files) {
    if (!p.startsWith('data/')) continue;
    payloadBytes += size;
    payloadCount++;
    const missingFrom = payloadManifests.filter((m) => !listedOnDisk.get(m)?.has(p)).map((m) => m.name);
    if (missingFrom.length > 0) {
      violations.push(
        finding(
          'BAG_UNLISTED_FILE',
          `“${p}”未列入 ${missingFrom.join('、')}`,
          `"${p}" is not listed in ${missingFrom.join(', ')}`,
          p,
        ),
      );
    }
  }
  await checkOxum(
    root,
    tree.files.has('bag-info.txt'),
    payloadBytes,
    payloadCount,
    fetched.size > 0 && !!options.allowFetch,
    violations,
    warnings,
  );

  const actual = await hashFiles(root, want, options);
  for (const m of manifests) {
    for (const [listed, expected] of m.entries) {
      const onDisk = resolved.get(listed);
      if (onDisk === undefined) continue;
      const got = actual.get(onDisk)?.[m.algorithm];
      if (got !== expected) {
        violations.push(
          finding(
            'BAG_DIGEST_MISMATCH',
            `“${listed}”的 ${m.algorithm} 校验值与 ${m.name} 不符`,
            `${m.algorithm} of "${listed}" does not match ${m.name}`,
            listed,
          ),
        );
      }
    }
  }
  return { valid: violations.length === 0, violations, warnings };
}
