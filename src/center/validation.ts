import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../core/index.js';
import type { Center } from './center.js';
import { validateBag, type BagValidationReport } from '../packages/index.js';
import { FsStorage, validateObject, validateStorageRoot, type ValidationReport } from '../store/index.js';

/** Validate any bag (a directory or a .zip), listing every violation. */
export async function validateBagAt(
  path: string,
  options: { allowFetch?: boolean } = {},
): Promise<BagValidationReport> {
  await requirePath(path);
  return validateBag(path, { allowFetch: options.allowFetch ?? false });
}

/** Validate the center's own storage root, wherever it lives (a directory or a bucket). */
export async function validateCenterStore(
  center: Center,
  options: { fixity?: boolean } = {},
): Promise<ValidationReport> {
  return validateStorageRoot(center.storage, { fixity: options.fixity ?? true });
}

/**
 * Validate an OCFL storage root, or a single object directory, against
 * OCFL 1.1 (error codes E…, warnings W…). Works on any OCFL root, not only
 * Yinji's: it is the tool an archive uses to check its holdings.
 */
export async function validateStoreAt(path: string, options: { fixity?: boolean } = {}): Promise<ValidationReport> {
  await requirePath(path);
  const storage = new FsStorage(path);
  await storage.init();
  try {
    const isObject = await stat(join(path, '0=ocfl_object_1.1')).then(
      () => true,
      () => false,
    );
    return isObject
      ? await validateObject(storage, '', { fixity: options.fixity ?? true })
      : await validateStorageRoot(storage, { fixity: options.fixity ?? true });
  } finally {
    await storage.close();
  }
}

async function requirePath(path: string): Promise<void> {
  await stat(path).catch((e: unknown) => {
    throw new NotFoundError({ zh: `路径 ${path} 不存在`, en: `${path} does not exist` }, { cause: e });
  });
}
