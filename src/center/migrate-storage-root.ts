import { StorageError } from '../core/index.js';
import { EXTENSIONS_DIR, LAYOUT_FILE, ROOT_NAMASTE, type Storage } from '../store/index.js';

function notOcfl(storage: Storage, zh: string, en: string, path?: string): StorageError {
  return new StorageError(
    'E_STORAGE_NOT_OCFL',
    { zh: `${storage.description}：${zh}`, en: `${storage.description}: ${en}` },
    { details: { storage: storage.description, ...(path !== undefined ? { path } : {}) } },
  );
}

/**
 * Copy the storage root's own files (OCFL 1.1 §4.2: the `0=ocfl_1.1`
 * declaration, `ocfl_layout.json`, the layout extension's config under
 * `extensions/`) before any object, the declaration last, as
 * OcflStore.open initialises a root. A target that has the declaration is
 * then a root this copy started, and a later run resumes into it.
 *
 * Refused (E_STORAGE_NOT_OCFL, nothing written): a source that is not an
 * OCFL root; a target that is neither empty nor an OCFL root with the same
 * layout (objects would land at paths its own layout does not give them).
 */
export async function copyRootFiles(source: Storage, target: Storage, signal?: AbortSignal): Promise<void> {
  if (!(await source.exists(ROOT_NAMASTE))) {
    throw notOcfl(source, '源不是 OCFL 存储根', 'the source is not an OCFL storage root');
  }
  const files: string[] = [];
  for await (const p of source.list('', { recursive: false, signal })) files.push(p);
  for await (const p of source.list(EXTENSIONS_DIR, { signal })) files.push(p);
  const bytes = new Map<string, Buffer>();
  for (const p of files) bytes.set(p, await source.readBytes(p, { signal }));

  if (await target.exists(ROOT_NAMASTE)) {
    for (const [p, b] of bytes) {
      if (p !== LAYOUT_FILE && !p.startsWith(`${EXTENSIONS_DIR}/`)) continue;
      const theirs = await target.readBytes(p, { signal }).catch(() => undefined);
      if (theirs === undefined || !theirs.equals(b)) {
        throw notOcfl(
          target,
          `目标已是另一个 OCFL 存储根（${p} 不同），不能复制到其中`,
          `the target is another OCFL storage root (${p} differs); cannot copy into it`,
          p,
        );
      }
    }
  } else {
    // Only an earlier run of this copy, stopped before the declaration, may have left files here.
    for await (const p of target.list('', { signal })) {
      if (!bytes.has(p)) {
        throw notOcfl(
          target,
          `目标非空且不是 OCFL 存储根（有 ${p}）：请指定空目录或空前缀`,
          `the target is not empty and not an OCFL storage root (holds ${p}): give an empty directory or prefix`,
          p,
        );
      }
    }
  }
  // Nobody writes to the target but this copy: debris of an interrupted run can go.
  await target.sweepTemporaries('');
  for (const [p, b] of bytes) if (p !== ROOT_NAMASTE) await target.writeBytes(p, b, { signal });
  await target.writeBytes(ROOT_NAMASTE, bytes.get(ROOT_NAMASTE)!, { signal });
}
