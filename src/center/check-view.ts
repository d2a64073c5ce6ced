import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_PROFILE,
  findCatalogFile,
  probeFormat,
  readCatalog,
  scanWithClamd,
  type CatalogView,
  type CheckProfile,
  type DeclaredDigest,
  type DeclaredPackage,
  type DepositView,
  type FileView,
  type FormatReport,
  type VirusScanView,
} from '../checks/index.js';
import { InvalidInputError, forEachLimited } from '../core/index.js';
import { digestFile, isWellFormedDigest, parseDigestAlgorithm, type DigestAlgorithm } from '../digest/index.js';
import {
  decodeManifestPath,
  manifestAlgorithm,
  parseTagFile,
  readManifest,
  type DepositFile,
  type StagedDeposit,
} from '../packages/index.js';

/** What the depositor declared on the registration form (登记表): the package digest with its algorithm, counts. */
export interface DeclaredForm {
  /** `algorithm:hex`, e.g. `sm3:66c7…` or `MD5:9e10…` — the algorithm named as on the form. */
  readonly packageDigest?: string;
  readonly itemCount?: number;
  readonly fileCount?: number;
  readonly byteCount?: number;
}

/** An EEP already unpacked into the staging area (checks/eep): its metadata, signatures and problems. */
export interface UnpackedEep {
  readonly catalog: CatalogView;
  readonly signatures: DepositView['signatures'];
  readonly declared: DeclaredPackage;
}

export interface ViewInput {
  /** The received file or folder (its digest is checked against the declared one). */
  readonly source: string;
  readonly staged: StagedDeposit;
  readonly declared?: DeclaredForm;
  readonly eep?: UnpackedEep;
  /** Digests declared elsewhere, by package path (a re-check declares what the registration recorded). */
  readonly declaredDigests?: ReadonlyMap<string, readonly DeclaredDigest[]>;
  readonly profile?: CheckProfile;
  /** clamd socket path or `tcp://host:port`; null: no virus engine configured. */
  readonly clamd: string | null;
  /** Also run `qpdf --check` on every PDF (decodes every stream; ~100 PDFs/s): center config `qpdfCheck`. */
  readonly qpdf?: boolean;
  /** When the check runs (the center's clock). */
  readonly now?: Date;
  readonly signal?: AbortSignal;
}

/** bag-info.txt is a few tag lines; one larger than this is not read (an upload must not exhaust memory). */
const BAG_INFO_MAX = 1024 * 1024;
const BAG_TAG_FILE = /^(bagit\.txt|bag-info\.txt|fetch\.txt|(tag)?manifest-[a-z0-9]+\.txt)$/;
/** Catalog columns that declare a file digest, by the algorithm they name. */
const DIGEST_COLUMN = /^(md5|sha-?1|sha-?256|sha-?512|sm3)(值|摘要|摘要值)?$/i;

/**
 * Everything the check items read about a deposit (checks/types.ts), gathered
 * in one pass over what staging left: which files are metadata, what the
 * catalog, the bag and the form declare, each file's format by its content,
 * digests in any algorithm something declared, and the virus scan.
 */
export async function buildDepositView(input: ViewInput): Promise<DepositView> {
  const { staged, signal } = input;
  const profile = input.profile ?? DEFAULT_PROFILE;
  const isBag = staged.files.some((f) => f.path === 'bagit.txt');
  const paths = staged.files.map((f) => f.path);
  const catalogPath = input.eep === undefined ? findCatalogFile(paths) : undefined;
  // In a bag the catalog is payload like any other file (its manifests and Payload-Oxum count it);
  // only the bag's own tag files are metadata.
  const metadataFiles = staged.files
    .map((f) => f.path)
    .filter((p) => (isBag ? !p.includes('/') && BAG_TAG_FILE.test(p) : p === catalogPath));
  const isMetadata = new Set(metadataFiles);
  const content = staged.files.filter((f) => !isMetadata.has(f.path));
  const contentPaths = content.map((f) => f.path);

  const catalog =
    input.eep?.catalog ??
    (catalogPath !== undefined
      ? await readCatalog(join(staged.root, fsPathOf(staged, catalogPath)), contentPaths, { name: catalogPath, signal })
      : { sources: [], records: [], columns: [], problems: [] });
  const bag = isBag ? await readBagDeclarations(staged) : undefined;

  const declaredDigests = new Map<string, DeclaredDigest[]>();
  const declare = (path: string, d: DeclaredDigest): void => {
    declaredDigests.set(path, [...(declaredDigests.get(path) ?? []), d]);
  };
  for (const [path, list] of bag?.digests ?? []) for (const d of list) declare(path, d);
  for (const [path, list] of input.declaredDigests ?? []) for (const d of list) declare(path, d);
  for (const record of catalog.records) {
    if (record.files.length !== 1) continue; // a digest column describes one file
    for (const [column, value] of Object.entries(record.fields)) {
      const m = DIGEST_COLUMN.exec(column.trim());
      if (m === null || value.trim() === '') continue;
      const algorithm = parseDigestAlgorithm(m[1]!);
      declare(record.files[0]!, { algorithm, value: value.trim().toLowerCase(), source: record.source });
    }
  }

  const files: FileView[] = [];
  await forEachLimited(content, 4, async (f) => {
    signal?.throwIfAborted();
    const onDisk = join(staged.root, f.fsPath);
    const declaredHere = declaredDigests.get(f.path) ?? [];
    const missing = [...new Set(declaredHere.map((d) => d.algorithm))].filter((a) => f.digests[a] === undefined);
    const extra = missing.length > 0 ? (await digestFile(onDisk, missing, { signal })).digests : {};
    const format: FormatReport = await probeFormat(onDisk, f.path, {
      signal,
      qpdf: input.qpdf === true ? 'auto' : 'off',
    });
    files.push({
      path: f.path,
      size: f.size,
      digests: { ...f.digests, ...extra },
      declaredDigests: declaredHere,
      format,
    });
  });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const form = parseForm(input.declared);
  // The package as received is a file (an archive, an EEP) — a folder has no digest of its own.
  const receivedFile = staged.kind !== 'folder' || input.eep !== undefined;
  const packageDigests =
    form.packageDigest !== undefined && receivedFile
      ? (await digestFile(input.source, [form.packageDigest.algorithm], { signal })).digests
      : undefined;

  return {
    package: {
      name: input.source.split(/[\\/]/).filter(Boolean).at(-1) ?? input.source,
      kind: input.eep !== undefined ? 'eep' : isBag ? 'bag' : staged.kind,
      ...(packageDigests !== undefined ? { digests: packageDigests } : {}),
    },
    declared: { ...bag?.declared, ...input.eep?.declared, ...form },
    files,
    metadataFiles,
    catalog: bag === undefined ? catalog : { ...catalog, problems: [...catalog.problems, ...bag.problems] },
    signatures: input.eep?.signatures ?? [],
    // Every staged file, metadata too: a catalog .xls can carry a macro virus as well as any record.
    virusScan: await scanForViruses(input.clamd, staged.files, staged.root, signal),
    settings: profile.settings,
    checkedAt: (input.now ?? new Date()).toISOString(),
  };
}

function fsPathOf(staged: StagedDeposit, path: string): string {
  return staged.files.find((f) => f.path === path)?.fsPath ?? path;
}

function parseForm(form: DeclaredForm | undefined): DeclaredPackage {
  if (form === undefined) return {};
  let packageDigest: DeclaredPackage['packageDigest'];
  if (form.packageDigest !== undefined) {
    const m = /^([A-Za-z0-9-]+):([0-9A-Fa-f]+)$/.exec(form.packageDigest.trim());
    const algorithm = m ? parseDigestAlgorithm(m[1]!) : undefined;
    const value = m?.[2]?.toLowerCase();
    if (algorithm === undefined || value === undefined || !isWellFormedDigest(algorithm, value)) {
      throw new InvalidInputError({
        zh: `申报的登记包摘要 "${form.packageDigest}" 无效：应为“算法:十六进制值”，如 sm3:66c7…`,
        en: `declared package digest "${form.packageDigest}" is invalid: expected algorithm:hex, e.g. sm3:66c7…`,
      });
    }
    packageDigest = { algorithm, value, source: '登记表 registration form' };
  }
  return {
    ...(packageDigest !== undefined ? { packageDigest } : {}),
    ...(form.itemCount !== undefined ? { itemCount: form.itemCount } : {}),
    ...(form.fileCount !== undefined ? { fileCount: form.fileCount } : {}),
    ...(form.byteCount !== undefined ? { byteCount: form.byteCount } : {}),
  };
}

/** A BagIt bag's declarations: manifest digests (any algorithm), Payload-Oxum, the payload list. */
async function readBagDeclarations(staged: StagedDeposit): Promise<{
  digests: Map<string, DeclaredDigest[]>;
  declared: DeclaredPackage;
  problems: CatalogView['problems'];
}> {
  const digests = new Map<string, DeclaredDigest[]>();
  const problems: CatalogView['problems'][number][] = [];
  const listed = new Set<string>();
  for (const f of staged.files) {
    if (f.path.includes('/')) continue;
    const alg = manifestAlgorithm(f.path, false);
    if (alg === undefined) continue;
    let algorithm: DigestAlgorithm;
    try {
      algorithm = parseDigestAlgorithm(alg);
    } catch {
      continue; // an algorithm Yinji does not know: nothing to compare
    }
    const parsed = await readManifest(join(staged.root, f.fsPath), f.path, algorithm);
    for (const p of parsed.problems) problems.push({ object: { kind: 'package', ref: f.path }, reason: p.message });
    for (const [path, value] of parsed.entries) {
      const decoded = decodeManifestPath(path);
      listed.add(decoded);
      digests.set(decoded, [...(digests.get(decoded) ?? []), { algorithm, value, source: f.path }]);
    }
  }
  const declared: { fileCount?: number; byteCount?: number; files?: string[] } = { files: [...listed].sort() };
  const info = staged.files.find((f) => f.path === 'bag-info.txt');
  if (info !== undefined && info.size > BAG_INFO_MAX) {
    problems.push({
      object: { kind: 'package', ref: 'bag-info.txt' },
      reason: {
        zh: `bag-info.txt 过大（${info.size} 字节），未读取`,
        en: `bag-info.txt is too large (${info.size} bytes) and was not read`,
      },
    });
  } else if (info !== undefined) {
    const { fields } = parseTagFile(await readFile(join(staged.root, info.fsPath), 'utf8'));
    const oxum = fields.find(([k]) => k.toLowerCase() === 'payload-oxum')?.[1];
    const m = oxum === undefined ? null : /^(\d+)\.(\d+)$/.exec(oxum.trim());
    if (m !== null) {
      declared.byteCount = Number(m[1]);
      declared.fileCount = Number(m[2]);
    }
  }
  return { digests, declared, problems };
}

async function scanForViruses(
  clamd: string | null,
  files: readonly DepositFile[],
  root: string,
  signal: AbortSignal | undefined,
): Promise<VirusScanView> {
  if (clamd === null) {
    return {
      ran: false,
      reason: { zh: '中心未配置杀毒引擎（clamd）', en: 'no anti-virus engine (clamd) is configured for this center' },
    };
  }
  const tcp = /^tcp:\/\/([^:/]+):(\d+)$/.exec(clamd);
  const target = tcp ? { host: tcp[1]!, port: Number(tcp[2]) } : { socket: clamd };
  const scan = await scanWithClamd(
    target,
    files.map((f) => ({ path: f.path, file: join(root, f.fsPath) })),
    { signal },
  );
  // Configured but not reachable is a failure of the environment, not a check that may be skipped.
  return scan.ran ? scan : { ...scan, configured: true };
}
