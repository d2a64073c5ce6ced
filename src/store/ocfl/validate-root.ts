import type { Storage } from '../storage.js';
import { joinPath } from '../storage-path.js';
import { EXTENSIONS_DIR, LAYOUT_FILE, OBJECT_NAMASTE, ROOT_NAMASTE, ROOT_NAMASTE_CONTENT } from './constants.js';
import { validateObject, type ValidateObjectOptions } from './validate-object.js';
import { Findings, type ValidationResult } from './validation.js';

export interface StorageRootProgress {
  readonly objectsDone: number;
  /** Object root just validated. */
  readonly path: string;
  readonly valid: boolean;
}

export interface ValidateRootOptions extends ValidateObjectOptions {
  readonly onProgress?: (p: StorageRootProgress) => void;
}

/**
 * Walk the storage hierarchy below the root (OCFL 1.1 §4.1): a directory with
 * an object declaration is an object root (validated, not descended into);
 * any other directory is an intermediate one and may hold no files (E084)
 * and must not be empty (E073). Yields object root paths.
 */
export async function* walkObjectRoots(storage: Storage, f?: Findings, dir = ''): AsyncGenerator<string> {
  const subdirs = await storage.listDirs(dir);
  if (dir !== '') {
    let isObject = false;
    const files: string[] = [];
    for await (const p of storage.list(dir, { recursive: false })) {
      if (p.slice(dir.length + 1).startsWith('0=ocfl_object')) isObject = true;
      files.push(p);
    }
    if (isObject) {
      yield dir;
      return;
    }
    for (const p of files) f?.error('E084', p, 'file in an intermediate directory of the storage hierarchy');
    if (files.length === 0 && subdirs.length === 0) f?.error('E073', dir, 'empty directory under the storage root');
  }
  for (const d of subdirs) {
    if (dir === '' && d === EXTENSIONS_DIR) continue;
    yield* walkObjectRoots(storage, f, joinPath(dir, d));
  }
}

/** Validate a whole OCFL 1.1 storage root (§4) and every object in it; reports all violations. */
export async function validateStorageRoot(
  storage: Storage,
  options: ValidateRootOptions = {},
): Promise<ValidationResult> {
  const f = new Findings();
  const top: string[] = [];
  for await (const p of storage.list('', { recursive: false })) top.push(p);
  const decl = top.filter((p) => p.startsWith('0='));
  if (!decl.includes(ROOT_NAMASTE)) f.error('E069', '', `no ${ROOT_NAMASTE} root conformance declaration`);
  if (decl.length > 1) f.error('E076', '', 'more than one root conformance declaration');
  if (
    decl.includes(ROOT_NAMASTE) &&
    (await storage.readBytes(ROOT_NAMASTE)).toString('utf8') !== ROOT_NAMASTE_CONTENT
  ) {
    f.error('E080', ROOT_NAMASTE, 'root declaration content is not "ocfl_1.1\\n"');
  }
  if (top.includes(LAYOUT_FILE)) {
    try {
      const layout = JSON.parse((await storage.readBytes(LAYOUT_FILE)).toString('utf8')) as Record<string, unknown>;
      if (typeof layout.extension !== 'string' || typeof layout.description !== 'string') {
        f.error('E070', LAYOUT_FILE, 'ocfl_layout.json lacks extension or description');
      }
    } catch {
      f.error('E070', LAYOUT_FILE, 'ocfl_layout.json is not JSON');
    }
  }
  for await (const p of storage.list(EXTENSIONS_DIR, { recursive: false }))
    f.error('E112', p, 'file directly in extensions/');

  let objectsDone = 0;
  for await (const root of walkObjectRoots(storage, f)) {
    options.signal?.throwIfAborted();
    const r = await validateObject(storage, root, options);
    f.merge(r);
    for await (const p of storage.list(root, { recursive: false })) {
      const name = p.slice(root.length + 1);
      if (name.startsWith('0=ocfl_object') && name !== OBJECT_NAMASTE && name > OBJECT_NAMASTE) {
        f.error('E081', p, 'object declares a later OCFL version than the storage root');
      }
    }
    options.onProgress?.({ objectsDone: ++objectsDone, path: root, valid: r.valid });
  }
  return f.result();
}
