import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BagFinding } from './bag-text.js';
import { decodeUtf8Strict } from './name-encoding.js';
import { escapeBytes } from './package-error.js';

export interface BagTree {
  /** Bag-relative path → size, for every regular file (payload and tag files). */
  readonly files: Map<string, number>;
  readonly problems: BagFinding[];
}

/**
 * List every file of a bag without following links. A bag is untrusted input:
 * links are reported, not followed (a link could point at /etc/shadow and make
 * the validator hash it), and names that are not UTF-8 are reported with their
 * bytes escaped.
 */
export async function walkBag(root: string, signal?: AbortSignal): Promise<BagTree> {
  const files = new Map<string, number>();
  const problems: BagFinding[] = [];
  const pending = [''];
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const dir = pending.pop() as string;
    for (const dirent of await readdir(join(root, dir), { withFileTypes: true, encoding: 'buffer' })) {
      const raw = dirent.name as unknown as Buffer;
      const name = decodeUtf8Strict(raw);
      if (name === undefined) {
        const shown = (dir === '' ? '' : `${dir}/`) + escapeBytes(raw);
        problems.push({
          code: 'BAG_BAD_NAME_ENCODING',
          message: { zh: `文件名不是 UTF-8：“${shown}”`, en: `file name is not UTF-8: "${shown}"` },
          path: shown,
        });
        continue;
      }
      const rel = dir === '' ? name : `${dir}/${name}`;
      const st = await lstat(join(root, rel));
      if (st.isDirectory()) pending.push(rel);
      else if (st.isFile()) files.set(rel, st.size);
      else {
        problems.push({
          code: st.isSymbolicLink() ? 'BAG_SYMLINK' : 'BAG_SPECIAL_FILE',
          message: {
            zh: `包内有符号链接或特殊文件“${rel}”，未跟随`,
            en: `the bag holds a symbolic link or special file "${rel}", which was not followed`,
          },
          path: rel,
        });
      }
    }
  }
  return { files, problems };
}
