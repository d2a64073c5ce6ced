import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { DEFAULT_DIGEST } from '../digest/index.js';
import { ByteBudget, writeEntry } from './entry-writer.js';
import { decodeZipName } from './name-encoding.js';
import { packageError, printable } from './package-error.js';
import { NameRegistry, safeRelativePath } from './safe-path.js';
import { corrupt, restoreDirTimes, withStaging } from './staging.js';
import type { DepositFile, StageOptions, StagedDeposit } from './types.js';

interface Planned {
  readonly entry: Entry;
  readonly path: string;
  readonly isDir: boolean;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/**
 * Read the whole central directory and vet every entry before writing a byte
 * (APPNOTE 4.3.12): names, encryption, compression, link/device types, and the
 * declared total against `maxBytes`.
 */
async function plan(zip: ZipFile, maxBytes: number): Promise<{ planned: Planned[]; registry: NameRegistry }> {
  const registry = new NameRegistry();
  const planned: Planned[] = [];
  let declared = 0;
  for await (const entry of zip.eachEntry()) {
    const raw = entry.fileName as unknown as Buffer; // decodeStrings: false gives the raw bytes
    const decoded = decodeZipName(raw, entry.generalPurposeBitFlag, entry.extraFields);
    const isDirName = decoded.name.endsWith('/') || decoded.name.endsWith('\\');
    const path = safeRelativePath(decoded.name, { backslashIsSeparator: true });
    const shown = printable(decoded.name);
    // Unix mode lives in the high 16 bits when "version made by" says Unix (APPNOTE 4.4.2, 4.4.15).
    const mode = entry.versionMadeBy >> 8 === 3 ? (entry.externalFileAttributes >>> 16) & S_IFMT : 0;
    if (mode === S_IFLNK) {
      throw packageError(
        'E_SYMLINK_UNSUPPORTED',
        {
          zh: `压缩包含有符号链接“${shown}”，不予接收；请用实际文件替换链接后重新打包（zip -y 之外的默认方式即可）`,
          en: `the zip holds a symbolic link "${shown}", which is not accepted; replace it with the real file and package again (plain zip without -y)`,
        },
        { path: shown },
      );
    }
    if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) {
      throw packageError(
        'E_SPECIAL_FILE',
        {
          zh: `压缩包含有特殊文件“${shown}”；只接收普通文件和目录`,
          en: `the zip holds a special file "${shown}"; only regular files and directories are accepted`,
        },
        { path: shown },
      );
    }
    const isDir = isDirName || mode === S_IFDIR;
    if (path === '') continue;
    if (!isDir && entry.isEncrypted()) {
      throw packageError(
        'E_ENCRYPTED_ENTRY',
        { zh: `“${shown}”已加密；请提交未加密的压缩包`, en: `"${shown}" is encrypted; deposit an unencrypted archive` },
        { path: shown },
      );
    }
    if (!isDir && !entry.canDecodeFileData()) {
      throw packageError(
        'E_UNSUPPORTED_COMPRESSION',
        {
          zh: `“${shown}”使用了不支持的压缩方法 ${entry.compressionMethod}；请用“存储”或“Deflate”方式重新打包`,
          en: `"${shown}" uses unsupported compression method ${entry.compressionMethod}; package it again with Store or Deflate`,
        },
        { path: shown, method: entry.compressionMethod },
      );
    }
    registry.add(path, isDir ? 'dir' : 'file');
    declared += isDir ? 0 : entry.uncompressedSize;
    new ByteBudget(maxBytes).take(declared); // declared sizes alone already too large: refuse before writing
    planned.push({ entry, path, isDir });
  }
  return { planned, registry };
}

export async function stageZip(input: string, stagingDir: string, options: StageOptions = {}): Promise<StagedDeposit> {
  const algorithms = options.algorithms ?? [DEFAULT_DIGEST];
  const budget = new ByteBudget(options.maxBytes);
  return withStaging(stagingDir, async () => {
    let zip: ZipFile;
    try {
      // validateEntrySizes: yauzl also counts inflated bytes against the declared size.
      zip = await yauzl.openPromise(input, { decodeStrings: false, validateEntrySizes: true, autoClose: false });
    } catch (e) {
      throw corrupt(e, 'zip');
    }
    try {
      let planResult: Awaited<ReturnType<typeof plan>>;
      try {
        planResult = await plan(zip, budget.limit);
      } catch (e) {
        throw corrupt(e, 'zip');
      }
      const { planned, registry } = planResult;
      for (const dir of registry.directories()) await mkdir(join(stagingDir, dir), { recursive: true });
      const files: DepositFile[] = [];
      const dirTimes = new Map<string, Date>();
      let bytes = 0;
      for (const p of planned) {
        options.signal?.throwIfAborted();
        if (p.isDir) {
          dirTimes.set(p.path, p.entry.getLastModDate());
          continue;
        }
        const mtime = p.entry.getLastModDate();
        let digest;
        try {
          const stream = await zip.openReadStreamPromise(p.entry);
          digest = await writeEntry(stream, join(stagingDir, p.path), {
            name: p.path,
            expectedSize: p.entry.uncompressedSize,
            expectedCrc32: p.entry.crc32,
            mtime,
            budget,
            algorithms,
            signal: options.signal,
            onBytes: (n) => options.onProgress?.((bytes += n), files.length),
          });
        } catch (e) {
          throw corrupt(e, 'zip');
        }
        files.push({ path: p.path, fsPath: p.path, size: digest.size, mtime, digests: digest.digests });
        options.onProgress?.(bytes, files.length);
      }
      await restoreDirTimes(stagingDir, dirTimes);
      files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { kind: 'zip', root: stagingDir, files, dirs: registry.directories(), warnings: registry.warnings };
    } finally {
      zip.close();
    }
  });
}
