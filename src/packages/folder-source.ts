import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachLimited } from '../core/index.js';
import { DEFAULT_DIGEST, digestFile, digestWorkers } from '../digest/index.js';
import { ByteBudget } from './entry-writer.js';
import { decodeUtf8Strict } from './name-encoding.js';
import { escapeBytes, packageError, printable } from './package-error.js';
import { NameRegistry, safeRelativePath } from './safe-path.js';
import type { DepositFile, StageOptions, StagedDeposit } from './types.js';

interface Found {
  readonly path: string;
  readonly fsPath: string;
  readonly size: number;
  readonly mtime: Date;
}

function badFolderName(parent: string, raw: Buffer): Error {
  const shown = (parent === '' ? '' : `${printable(parent)}/`) + escapeBytes(raw);
  return packageError(
    'E_BAD_NAME_ENCODING',
    {
      zh: `目录中的文件名不是 UTF-8 编码：“${shown}”（多为 GBK）；请先转换，例如：convmv -f gbk -t utf-8 -r --notest <目录>`,
      en: `a file name in the folder is not UTF-8: "${shown}" (usually GBK); convert it first, e.g. convmv -f gbk -t utf-8 -r --notest <dir>`,
    },
    { path: shown },
  );
}

/**
 * Walk a folder without following anything. Names are read as raw bytes so a
 * GBK name is reported, not silently mangled into U+FFFD. Every symbolic link
 * is refused, inside the root or not: the preservation store (OCFL) keeps
 * files, not links, and silently following or skipping one would change what
 * the depositor handed over. Sockets, FIFOs and devices are refused too.
 */
async function walk(
  root: string,
  signal: AbortSignal | undefined,
): Promise<{ found: Found[]; registry: NameRegistry }> {
  const registry = new NameRegistry();
  const found: Found[] = [];
  const pending: string[] = ['']; // fsPath of directories still to read, relative to root
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const dirFs = pending.pop() as string;
    const entries = await readdir(join(root, dirFs), { withFileTypes: true, encoding: 'buffer' });
    for (const dirent of entries) {
      const raw = dirent.name as unknown as Buffer;
      const name = decodeUtf8Strict(raw);
      if (name === undefined) throw badFolderName(dirFs, raw);
      const fsPath = dirFs === '' ? name : `${dirFs}/${name}`;
      const path = safeRelativePath(fsPath, { stripDotSlash: false });
      const st = await lstat(join(root, fsPath));
      const shown = printable(fsPath);
      if (st.isSymbolicLink()) {
        throw packageError(
          'E_SYMLINK_UNSUPPORTED',
          {
            zh: `目录中有符号链接“${shown}”，不予接收；请用实际文件替换（如 cp -rL）后重新提交`,
            en: `the folder holds a symbolic link "${shown}", which is not accepted; replace it with the real file (e.g. cp -rL) and deposit again`,
          },
          { path: shown },
        );
      }
      if (st.isDirectory()) {
        registry.add(path, 'dir');
        pending.push(fsPath);
      } else if (st.isFile()) {
        registry.add(path, 'file');
        found.push({ path, fsPath, size: st.size, mtime: st.mtime });
      } else {
        throw packageError(
          'E_SPECIAL_FILE',
          {
            zh: `目录中有特殊文件“${shown}”（设备、管道或套接字）；只接收普通文件和目录`,
            en: `the folder holds a special file "${shown}" (device, FIFO or socket); only regular files and directories are accepted`,
          },
          { path: shown },
        );
      }
    }
  }
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { found, registry };
}

/** List and vet a folder without reading file content (sizes and mtimes from lstat). */
export async function scanFolder(root: string, options: { signal?: AbortSignal } = {}): Promise<StagedDeposit> {
  const { found, registry } = await walk(root, options.signal);
  return {
    kind: 'folder',
    root,
    files: found.map((f) => ({ ...f, digests: {} })),
    dirs: registry.directories(),
    warnings: registry.warnings,
  };
}

/**
 * A folder deposit is not copied: `root` is the folder itself. Every file is
 * read once, all algorithms at once. The size reported is the bytes actually
 * hashed, so a file growing during the scan cannot go unnoticed downstream.
 */
/** Files hashed at once while staging a folder. */
const HASH_CONCURRENCY = 8;
/** Files up to this size are hashed on the digest workers. */
const WORKER_MAX_FILE = 8 << 20;

export async function stageFolder(root: string, options: StageOptions = {}): Promise<StagedDeposit> {
  const algorithms = options.algorithms ?? [DEFAULT_DIGEST];
  const { found, registry } = await walk(root, options.signal);
  const budget = new ByteBudget(options.maxBytes);
  const total = found.reduce((n, f) => n + f.size, 0);
  budget.take(total);
  // Several files hashed at once: for many small files the time goes to opening and reading,
  // which the thread pool overlaps; results keep the walk's order.
  const files: DepositFile[] = new Array<DepositFile>(found.length);
  let bytes = 0;
  let done = 0;
  await forEachLimited(found, HASH_CONCURRENCY, async (f, i) => {
    options.signal?.throwIfAborted();
    let counted = 0;
    const path = join(root, f.fsPath);
    // Small files on the digest workers (all cores, cheap synchronous reads); large ones here, so the
    // progress bar moves while they are read.
    const result =
      f.size <= WORKER_MAX_FILE
        ? await digestWorkers().digestFile(path, algorithms, { signal: options.signal })
        : await digestFile(path, algorithms, {
            signal: options.signal,
            onBytes: (n) => {
              counted += n;
              options.onProgress?.((bytes += n), done, total);
            },
          });
    bytes += result.size - counted; // the bytes actually hashed count, whatever the walk saw
    files[i] = { ...f, size: result.size, digests: result.digests };
    options.onProgress?.(bytes, ++done, total);
  });
  return { kind: 'folder', root, files, dirs: registry.directories(), warnings: registry.warnings };
}
