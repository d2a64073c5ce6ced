import { InvalidInputError } from '../core/errors.js';

/**
 * Prefix of the temporary files an implementation writes before the atomic
 * rename. Listings hide them and `sweepTemporaries` removes them; a stored
 * path may not use the prefix, so a deposit cannot collide with one.
 */
export const TEMP_PREFIX = '.yinji-tmp-';

function reject(path: string, zh: string, en: string): never {
  throw new InvalidInputError(
    { zh: `存储路径 "${path}" 不合法：${zh}`, en: `invalid storage path "${path}": ${en}` },
    { details: { path } },
  );
}

/**
 * Check a '/'-separated path relative to a storage root.
 *
 * Security: the path is attacker-influenced (it is built from deposit file
 * names), so anything that could escape the root or alias another path is
 * refused rather than normalised: '..', '.', empty segments, absolute paths,
 * backslashes and NUL. `allowRoot` admits '' (the root itself) for prefix
 * operations such as listing.
 */
export function checkStoragePath(path: string, allowRoot = false): string {
  if (typeof path !== 'string') reject(String(path), '不是字符串', 'not a string');
  if (path === '') {
    if (allowRoot) return path;
    reject(path, '为空', 'empty');
  }
  if (path.startsWith('/')) reject(path, '不能是绝对路径', 'must be relative');
  if (path.includes('\\')) reject(path, '不能包含反斜杠', 'must not contain a backslash');
  if (path.includes('\0')) reject(path, '不能包含空字符', 'must not contain NUL');
  for (const seg of path.split('/')) {
    if (seg === '') reject(path, '包含空的路径段', 'has an empty segment');
    if (seg === '.' || seg === '..') reject(path, '不能包含 "." 或 ".."', 'must not contain "." or ".."');
    if (seg.startsWith(TEMP_PREFIX)) reject(path, '使用了保留的临时文件前缀', 'uses the reserved temp-file prefix');
  }
  return path;
}

/** Join path segments with '/', skipping empty ones ('' is the root). */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** The parent of a path, '' for a top-level name. */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
