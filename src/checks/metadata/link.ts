/**
 * Where the catalog is in a package, and which package files each catalog
 * row describes.
 */
import { posix } from 'node:path';
import type { CatalogRecord } from '../types.js';

/**
 * Folders a catalog may sit in: the package root, a `metadata/` folder, and
 * the same under a BagIt payload `data/` (case-insensitive).
 */
const CATALOG_DIRS = ['', 'metadata/', 'data/', 'data/metadata/'];
/** Readable catalog formats; .xls is found too, so that it is reported as unreadable rather than missed. */
const CATALOG_EXTENSIONS = ['.xlsx', '.csv', '.xls'];

/** 0 = the plain names (目录, catalog), 1 = other catalog-like names, undefined = not a catalog name. */
function nameRank(stem: string): number | undefined {
  const s = stem.normalize('NFKC').toLowerCase();
  if (s === '目录' || s === 'catalog' || s === 'catalogue') return 0;
  if (/目录|著录|元数据/u.test(s) || s.startsWith('catalog') || s === 'metadata') return 1;
  return undefined;
}

/**
 * Catalog files of a package, best first. The rule: a .xlsx, .csv (or .xls)
 * file directly in the root, in `metadata/`, or in `data/` or
 * `data/metadata/` (a BagIt payload), whose name without extension is 目录 or
 * catalog(ue), or contains 目录, 著录 or 元数据 (归档文件目录, 卷内目录,
 * 著录数据 …), or starts with "catalog", or is "metadata". Office lock files
 * (~$目录.xlsx) and hidden files (._目录.csv) are ignored. Ranked by folder in
 * the order above, then plain names first, then .xlsx before .csv, then path.
 */
export function findCatalogFiles(packageFiles: readonly string[]): string[] {
  const ranked: { path: string; key: number[] }[] = [];
  for (const path of packageFiles) {
    const base = posix.basename(path);
    const dir = path.slice(0, path.length - base.length).toLowerCase();
    const dirRank = CATALOG_DIRS.indexOf(dir);
    const ext = posix.extname(base).toLowerCase();
    const extRank = CATALOG_EXTENSIONS.indexOf(ext);
    if (dirRank < 0 || extRank < 0 || base.startsWith('~$') || base.startsWith('.')) continue;
    const rank = nameRank(base.slice(0, base.length - ext.length));
    if (rank !== undefined) ranked.push({ path, key: [dirRank, rank, extRank] });
  }
  ranked.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      const d = (a.key[i] ?? 0) - (b.key[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  });
  return ranked.map((r) => r.path);
}

/** The package's catalog file (see findCatalogFiles for the rule), or undefined. */
export function findCatalogFile(packageFiles: readonly string[]): string | undefined {
  return findCatalogFiles(packageFiles)[0];
}

/**
 * The key a 档号 and a file name are compared by: full-width folded, upper
 * case, and every separator or look-alike ("·", "•", "・", ".", "_", "-",
 * dashes, spaces) made one "-", since file systems and people replace "·".
 */
export function codeKey(s: string): string {
  return s
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\u00b7\u2022\u30fb\u2027\u2219\u22c5._\-\u2010-\u2015\u2212]+/gu, '-');
}

/** Normalise a path as a depositor wrote it: "\" to "/", no leading "./" or "/", NFC, "." and ".." resolved. */
function cleanPath(p: string): string {
  const s = posix.normalize(
    p
      .normalize('NFC')
      .replaceAll('\\', '/')
      .replace(/^[./]*\//u, ''),
  );
  return s === '.' ? '' : s;
}

const push = (map: Map<string, Set<string>>, key: string, value: string) => {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
};

/** Splits a 计算机文件名 cell that lists several files. */
const FILE_LIST_SEPARATORS = /[;；|｜\r\n]+/u;

/**
 * Fill each record's `files`.
 *
 * - 计算机文件名 (one path or several separated by ; or |) is resolved, in
 *   order, as a package path; relative to the catalog's folder; ignoring
 *   case; or as the end of exactly one package path ("a.pdf" for
 *   "files/a.pdf"). A name that resolves to nothing is kept as written
 *   (normalised), so the item comparing metadata with files (1-11) can name it.
 * - Where the column is absent or the cell is empty, the files are those
 *   whose name — with or without extension — or one of whose folders is the
 *   row's 档号 (compared by codeKey, so "Z109-WS.2011.Y.BGS-0001.pdf" matches
 *   "Z109-WS·2011·Y·BGS-0001"). Only existing files are linked this way.
 */
export function linkRecords<R extends CatalogRecord>(
  records: readonly R[],
  packageFiles: readonly string[],
  catalogPath: string,
  fields: readonly string[],
): R[] {
  const files = packageFiles.filter((f) => f !== catalogPath);
  const exact = new Set(files);
  const byLower = new Map<string, Set<string>>();
  const byBase = new Map<string, Set<string>>();
  const byCode = new Map<string, Set<string>>();
  for (const f of files) {
    push(byLower, f.toLowerCase(), f);
    const base = posix.basename(f);
    push(byBase, base.toLowerCase(), f);
    push(byCode, codeKey(base), f);
    const ext = posix.extname(base);
    if (ext !== '') push(byCode, codeKey(base.slice(0, -ext.length)), f);
    for (const dir of posix.dirname(f).split('/')) if (dir !== '.' && dir !== '') push(byCode, codeKey(dir), f);
  }
  const catalogDir = posix.dirname(catalogPath);
  const resolve = (written: string): string => {
    const p = cleanPath(written);
    if (exact.has(p)) return p;
    const rel = catalogDir === '.' ? p : posix.normalize(posix.join(catalogDir, written.replaceAll('\\', '/')));
    if (exact.has(rel)) return rel;
    const lower = byLower.get(p.toLowerCase());
    if (lower?.size === 1) return [...lower][0] ?? p;
    const tail = `/${p.toLowerCase()}`;
    const ends = [...(byBase.get(posix.basename(p).toLowerCase()) ?? [])].filter((f) => f.toLowerCase().endsWith(tail));
    return ends.length === 1 ? (ends[0] ?? p) : p;
  };
  const hasFileColumn = fields.includes('计算机文件名');
  return records.map((r) => {
    const declared = hasFileColumn ? (r.fields['计算机文件名'] ?? '') : '';
    let linked: string[];
    if (declared !== '') {
      linked = declared
        .split(FILE_LIST_SEPARATORS)
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map(resolve);
    } else {
      const code = r.fields['档号'] ?? '';
      linked = code === '' ? [] : [...(byCode.get(codeKey(code)) ?? [])].sort();
    }
    return { ...r, files: [...new Set(linked)] };
  });
}
