import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { NotFoundError } from '../core/index.js';
import {
  verifyReceipt,
  type Check,
  type HeldFile,
  type Receipt,
  type VerifyOptions,
  type VerifyReport,
} from '../certificate/index.js';
import { digestFile } from '../digest/index.js';
import { stageFolder } from '../packages/index.js';

/**
 * Offline verification of what someone holds — a restored folder or a single
 * file — against a receipt: no server, no database (`yinji verify <path>
 * --receipt r.json`). A folder must hold every registered file with the same
 * bytes; a single file is matched to the receipt by its digest (else by name,
 * so a changed file is reported as changed rather than unknown).
 */
export async function verifyHeld(
  receipt: unknown,
  path: string | undefined,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const shape = verifyReceipt(receipt, options);
  if (path === undefined || !shape.checks.some((c) => c.id === 'format' && c.ok)) return shape;
  const listed = (receipt as Receipt).files; // the shape check passed: a well-formed receipt
  const info = await stat(path).catch(() => {
    throw new NotFoundError({ zh: `找不到要核验的路径 ${path}`, en: `nothing to verify at ${path}` });
  });
  if (info.isDirectory()) {
    const staged = await stageFolder(path, { algorithms: ['sha256'] });
    const held: HeldFile[] = staged.files.map((f) => ({ path: f.path, size: f.size, sha256: f.digests.sha256! }));
    const report = verifyReceipt(receipt, { ...options, files: held });
    const missing: Check[] = listed
      .filter((f) => !held.some((h) => h.path === f.path))
      .map((f) => ({
        id: 'file',
        ok: false,
        subject: f.path,
        message: { zh: `缺少登记的文件 ${f.path}`, en: `registered file ${f.path} is missing` },
      }));
    const checks = [...report.checks, ...missing];
    return { ...report, ok: checks.every((c) => c.ok), checks };
  }
  const { size, digests } = await digestFile(path, ['sha256']);
  const sha256 = digests.sha256!;
  const match =
    listed.find((f) => f.sha256 === sha256 && f.size === size) ??
    listed.find((f) => basename(f.path) === basename(path));
  return verifyReceipt(receipt, { ...options, files: [{ path: match?.path ?? basename(path), size, sha256 }] });
}
