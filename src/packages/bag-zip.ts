import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isYinjiError } from '../core/errors.js';
import type { BagValidationReport, ValidateBagOptions } from './bag-validate.js';
import { finding } from './bag-checks.js';
import { stageZip } from './zip-source.js';

/**
 * A zipped bag is unpacked with the same hardened extractor as deposits (names
 * vetted, CRC and sizes checked) into a temp directory, validated, and removed.
 * The bag is the zip root if it holds bagit.txt, else its one top-level folder.
 */
export async function validateZippedBag(
  zipPath: string,
  options: ValidateBagOptions,
  validateDir: (root: string) => Promise<BagValidationReport>,
): Promise<BagValidationReport> {
  const temp = join(options.tempDir ?? tmpdir(), `yinji-bag-${randomUUID()}`);
  try {
    try {
      await stageZip(zipPath, temp, { algorithms: [], signal: options.signal });
    } catch (e) {
      if (!isYinjiError(e)) throw e;
      return { valid: false, violations: [{ code: e.code, message: { zh: e.zh, en: e.message } }], warnings: [] };
    }
    const top = await readdir(temp, { withFileTypes: true });
    if (top.some((d) => d.name === 'bagit.txt')) return await validateDir(temp);
    if (top.length === 1 && top[0]?.isDirectory()) return await validateDir(join(temp, top[0].name));
    return {
      valid: false,
      violations: [
        finding(
          'BAG_ZIP_LAYOUT',
          'zip 中应只有一个顶层目录（即 BagIt 包）',
          'the zip must hold exactly one top-level directory (the bag)',
        ),
      ],
      warnings: [],
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
