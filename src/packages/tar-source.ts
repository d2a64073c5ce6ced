import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { isYinjiError } from '../core/errors.js';
import { DEFAULT_DIGEST } from '../digest/index.js';
import { ByteBudget, writeEntry } from './entry-writer.js';
import { decodeUndeclaredName, decodeUtf8Strict } from './name-encoding.js';
import { escapeBytes, packageError, printable } from './package-error.js';
import { NameRegistry, safeRelativePath } from './safe-path.js';
import { corrupt, restoreDirTimes, withStaging } from './staging.js';
import type { DepositFile, StageOptions, StagedDeposit } from './types.js';

/**
 * The entry name: a pax `path` record (POSIX.1-2008 pax, always UTF-8) wins
 * over ustar prefix+name and GNU long names; those carry raw bytes in whatever
 * locale made the tar, so they get the UTF-8-then-GB18030 treatment.
 * tar-stream is told 'latin1' so the raw bytes survive decoding one-to-one.
 */
function entryName(header: Header, key: 'path' | 'linkpath', latin1: string): string {
  const pax = header.pax as Record<string, string> | null | undefined;
  const fromPax = pax?.[key];
  if (fromPax !== undefined) {
    if (fromPax.includes('\uFFFD')) {
      const raw = Buffer.from(fromPax);
      throw packageError(
        'E_BAD_NAME_ENCODING',
        {
          zh: `tar 的 pax 路径不是有效的 UTF-8：“${escapeBytes(raw)}”；请重新打包`,
          en: `a tar pax path is not valid UTF-8: "${escapeBytes(raw)}"; package it again`,
        },
        { rawName: escapeBytes(raw) },
      );
    }
    return fromPax;
  }
  const raw = Buffer.from(latin1, 'latin1');
  return decodeUtf8Strict(raw) ?? decodeUndeclaredName(raw, 'tar').name;
}

function refuseLink(header: Header, path: string): never {
  const shown = printable(path);
  if (header.type === 'link') {
    throw packageError(
      'E_HARDLINK_UNSUPPORTED',
      {
        zh: `tar 包含有硬链接“${shown}”，不予接收；请用 tar --hard-dereference 重新打包`,
        en: `the tar holds a hard link "${shown}", which is not accepted; package it again with tar --hard-dereference`,
      },
      { path: shown },
    );
  }
  const target = entryName(header, 'linkpath', header.linkname ?? '');
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  const escapes = target.startsWith('/') || resolved === '..' || resolved.startsWith('../');
  throw packageError(
    escapes ? 'E_SYMLINK_ESCAPE' : 'E_SYMLINK_UNSUPPORTED',
    escapes
      ? {
          zh: `tar 包中的符号链接“${shown}”指向包外（${printable(target)}），已拒收整个包`,
          en: `symbolic link "${shown}" points outside the package (${printable(target)}); the whole package was refused`,
        }
      : {
          zh: `tar 包含有符号链接“${shown}”，不予接收；请用 tar -h（--dereference）重新打包`,
          en: `the tar holds a symbolic link "${shown}", which is not accepted; package it again with tar -h (--dereference)`,
        },
    { path: shown, target: printable(target) },
  );
}

/** Extract a tar or tar.gz (gzip: RFC 1952) in one streaming pass; memory stays flat whatever the size. */
export async function stageTar(
  input: string,
  stagingDir: string,
  options: StageOptions & { readonly gzip: boolean },
): Promise<StagedDeposit> {
  const algorithms = options.algorithms ?? [DEFAULT_DIGEST];
  const budget = new ByteBudget(options.maxBytes);
  return withStaging(stagingDir, async () => {
    const registry = new NameRegistry();
    const files: DepositFile[] = [];
    const dirTimes = new Map<string, Date>();
    let bytes = 0;
    // filenameEncoding is a tar-stream option its .d.ts omits.
    const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
    const stages: (Readable | NodeJS.ReadWriteStream)[] = [createReadStream(input, { highWaterMark: 1 << 20 })];
    if (options.gzip) stages.push(createGunzip());
    let feedError: unknown;
    const sink = extract as unknown as NodeJS.WritableStream;
    const feeding = pipeline([...stages, sink], { signal: options.signal }).catch((e: unknown) => {
      feedError = e;
      extract.destroy(e instanceof Error ? e : new Error(String(e)));
    });
    try {
      for await (const entry of extract) {
        options.signal?.throwIfAborted();
        const header = entry.header;
        const name = entryName(header, 'path', header.name);
        // tar-stream gives null for types it does not know (GNU sparse 'S', vendor types): refused, not guessed.
        const type: string = header.type ?? 'unknown';
        const isDir = type === 'directory';
        const path = safeRelativePath(name);
        if (path === '') {
          entry.resume();
          continue;
        }
        if (type === 'link' || type === 'symlink') refuseLink(header, path);
        if (type !== 'file' && type !== 'contiguous-file' && !isDir) {
          const shown = printable(path);
          throw packageError(
            'E_SPECIAL_FILE',
            {
              zh: `tar 包含有特殊文件“${shown}”（${type}）；只接收普通文件和目录`,
              en: `the tar holds a special file "${shown}" (${type}); only regular files and directories are accepted`,
            },
            { path: shown, type },
          );
        }
        registry.add(path, isDir ? 'dir' : 'file');
        const mtime = header.mtime ?? new Date(0);
        if (isDir) {
          await mkdir(join(stagingDir, path), { recursive: true });
          dirTimes.set(path, mtime);
          entry.resume();
          continue;
        }
        const target = join(stagingDir, path);
        await mkdir(dirname(target), { recursive: true });
        const digest = await writeEntry(entry as unknown as AsyncIterable<Buffer>, target, {
          name: path,
          expectedSize: header.size ?? 0,
          mtime,
          budget,
          algorithms,
          signal: options.signal,
          onBytes: (n) => options.onProgress?.((bytes += n), files.length),
        });
        files.push({ path, fsPath: path, size: digest.size, mtime, digests: digest.digests });
        options.onProgress?.(bytes, files.length);
      }
    } catch (e) {
      extract.destroy();
      await feeding;
      throw corrupt(isYinjiError(e) ? e : (feedError ?? e), options.gzip ? 'tar.gz' : 'tar');
    }
    await feeding;
    if (feedError !== undefined) throw corrupt(feedError, options.gzip ? 'tar.gz' : 'tar');
    await restoreDirTimes(stagingDir, dirTimes);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { kind: 'tar', root: stagingDir, files, dirs: registry.directories(), warnings: registry.warnings };
  });
}
