import { mkdir, readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { isYinjiError } from '../core/errors.js';
import { packageError } from './package-error.js';

/**
 * Run an extraction into `stagingDir`; on any failure remove the directory and
 * rethrow, so nothing half-extracted is ever left to be mistaken for a deposit
 * (DESIGN.md: nothing half-done is visible). The directory must be new or
 * empty: we only ever delete what we created.
 */
export async function withStaging<T>(stagingDir: string, work: () => Promise<T>): Promise<T> {
  await mkdir(stagingDir, { recursive: true });
  if ((await readdir(stagingDir)).length > 0) {
    throw packageError(
      'E_STAGING_NOT_EMPTY',
      {
        zh: `暂存目录不为空：${stagingDir}；请指定新的暂存目录`,
        en: `staging directory is not empty: ${stagingDir}; use a fresh one`,
      },
      { stagingDir },
    );
  }
  try {
    return await work();
  } catch (e) {
    await rm(stagingDir, { recursive: true, force: true });
    throw e;
  }
}

/** Wrap a parser's error (yauzl, tar-stream, zlib) once, at the boundary. */
export function corrupt(e: unknown, what: string): Error {
  if (isYinjiError(e) || (e instanceof Error && e.name === 'AbortError')) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return packageError(
    'E_ARCHIVE_CORRUPT',
    {
      zh: `${what} 文件已损坏或不完整（${detail}）；请重新打包或重新传输`,
      en: `the ${what} file is damaged or incomplete (${detail}); package or transfer it again`,
    },
    { detail },
    e,
  );
}

/** Set directory mtimes deepest first: creating a child updates its parent's mtime. */
export async function restoreDirTimes(root: string, times: ReadonlyMap<string, Date>): Promise<void> {
  const byDepth = [...times].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
  for (const [dir, t] of byDepth) if (!Number.isNaN(t.getTime())) await utimes(join(root, dir), t, t);
}
