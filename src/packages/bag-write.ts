import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { DigestMismatchError, InvalidInputError, wrapWriteError } from '../core/errors.js';
import { MultiHasher, type DigestAlgorithm, type Digests } from '../digest/index.js';
import { bagInfoFields, tagFiles } from './bag-tags.js';
import { ByteBudget, writeEntry } from './entry-writer.js';
import { packageError } from './package-error.js';
import { NameRegistry, safeRelativePath } from './safe-path.js';

export interface BagSourceFile {
  /** Payload-relative path (written under data/). */
  readonly path: string;
  readonly size: number;
  readonly mtime?: Date;
  /** A file path, or a function opening the content (called once, when the file is written). */
  readonly source: string | (() => Readable | Promise<Readable>);
  /** Digests already known (e.g. from the store): checked against what is written, mismatch → E_DIGEST_MISMATCH. */
  readonly digests?: Digests;
}

export interface WriteBagOptions {
  /** Payload and tag manifest algorithms. Default ['sha256', 'sha512']. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Extra bag-info.txt fields, in order; an array repeats the label. Payload-Oxum, Bagging-Date and Bag-Size are always computed. */
  readonly bagInfo?: Readonly<Record<string, string | readonly string[]>>;
  readonly signal?: AbortSignal;
  /** "Now" for Bagging-Date. Default: the system clock. */
  readonly now?: () => Date;
}

export interface WriteBagResult {
  readonly dest: string;
  readonly payloadOxum: string;
  readonly fileCount: number;
  readonly byteCount: number;
}

async function openSource(f: BagSourceFile): Promise<Readable> {
  return typeof f.source === 'string' ? createReadStream(f.source, { highWaterMark: 1 << 20 }) : await f.source();
}

function checkKnown(path: string, known: Digests | undefined, got: Digests): void {
  for (const [alg, hex] of Object.entries(known ?? {}) as [DigestAlgorithm, string | undefined][]) {
    const actual = got[alg];
    if (hex === undefined || actual === undefined || actual === hex.toLowerCase()) continue;
    throw new DigestMismatchError(
      {
        zh: `导出时“${path}”的 ${alg} 校验值与记录不符；已中止导出，请先对该登记巡检`,
        en: `${alg} of "${path}" does not match the record while exporting; export aborted — audit the registration first`,
      },
      { details: { path, algorithm: alg, expected: hex, actual } },
    );
  }
}

function prepare(files: readonly BagSourceFile[], options: WriteBagOptions) {
  const algorithms = [...new Set(options.algorithms ?? (['sha256', 'sha512'] as const))];
  if (algorithms.length === 0)
    throw new InvalidInputError({ zh: '至少需要一种摘要算法', en: 'at least one digest algorithm is needed' });
  const registry = new NameRegistry();
  const paths = files.map((f) => {
    const p = safeRelativePath(f.path, { stripDotSlash: false });
    registry.add(p, 'file');
    return p;
  });
  const manifests = new Map<DigestAlgorithm, Map<string, string>>(algorithms.map((a) => [a, new Map()]));
  return { algorithms, paths, manifests };
}

async function refuseExisting(dest: string): Promise<void> {
  const exists = await access(dest).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw packageError(
      'E_DEST_EXISTS',
      { zh: `目标已存在：${dest}；请换一个位置`, en: `destination already exists: ${dest}; choose another` },
      { dest },
    );
  }
}

/**
 * Write a BagIt 1.0 bag (RFC 8493). To a directory: built in a sibling temp
 * directory, files fsynced, then renamed into place, so a crash never leaves a
 * half bag at `dest`. To `*.zip`: one top-level directory named after the bag
 * (the usual serialisation, RFC 8493 §4.2 note on serialization), written to a
 * temp file and renamed. Content is streamed and hashed once on the way.
 */
export async function writeBag(
  files: readonly BagSourceFile[],
  dest: string,
  options: WriteBagOptions = {},
): Promise<WriteBagResult> {
  const { algorithms, paths, manifests } = prepare(files, options);
  await refuseExisting(dest);
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${randomUUID()}`);
  const zipOut = dest.toLowerCase().endsWith('.zip');
  let bytes = 0;
  const record = (path: string, digests: Digests, size: number): void => {
    bytes += size;
    for (const [alg, m] of manifests) m.set(`data/${path}`, digests[alg] as string);
  };
  let zipOutput: Readable | undefined;
  let zipWritten: Promise<void> | undefined;
  try {
    if (zipOut) {
      const top = basename(dest).replace(/\.zip$/i, '');
      const zip = new yazl.ZipFile();
      zipOutput = zip.outputStream as Readable; // yazl's type is the narrower NodeJS.ReadableStream
      const written = (zipWritten = pipeline(zip.outputStream, createWriteStream(tmp, { flags: 'wx' }), {
        signal: options.signal,
      }));
      // If the output fails (disk full), stop feeding entries instead of waiting on a stream nobody reads.
      // yazl reports a size mismatch as an 'error' event on the ZipFile itself.
      const failed = new Promise<never>((_, reject) => {
        written.catch(reject);
        zip.on('error', reject);
      });
      failed.catch(() => undefined);
      for (const [i, f] of files.entries()) {
        options.signal?.throwIfAborted();
        const path = paths[i] as string;
        const pass = new PassThrough({ highWaterMark: 1 << 20 });
        zip.addReadStream(pass, `${top}/data/${path}`, { mtime: f.mtime ?? new Date(), size: f.size });
        const result = await Promise.race([
          writeEntryTo(await openSource(f), pass, f, algorithms, options.signal),
          failed,
        ]);
        checkKnown(path, f.digests, result.digests);
        record(path, result.digests, result.size);
      }
      const info = bagInfoFields(options, bytes, files.length);
      for (const [name, buf] of tagFiles(manifests, info)) zip.addBuffer(buf, `${top}/${name}`, { mtime: new Date() });
      zip.end();
      await Promise.race([written, failed]);
      await fsyncFile(tmp);
    } else {
      await mkdir(join(tmp, 'data'), { recursive: true });
      for (const [i, f] of files.entries()) {
        options.signal?.throwIfAborted();
        const path = paths[i] as string;
        const target = join(tmp, 'data', path);
        await mkdir(dirname(target), { recursive: true });
        const result = await writeEntry(await openSource(f), target, {
          name: path,
          expectedSize: f.size,
          mtime: f.mtime,
          budget: new ByteBudget(),
          algorithms,
          signal: options.signal,
        });
        checkKnown(path, f.digests, result.digests);
        await fsyncFile(target);
        record(path, result.digests, result.size);
      }
      const info = bagInfoFields(options, bytes, files.length);
      for (const [name, buf] of tagFiles(manifests, info)) {
        await writeFile(join(tmp, name), buf, { flag: 'wx' });
        await fsyncFile(join(tmp, name));
      }
    }
    await refuseExisting(dest);
    await rename(tmp, dest);
  } catch (e) {
    // Let the zip output close before removing it, or the temp file reappears after rm.
    zipOutput?.destroy();
    await zipWritten?.catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof Error && e.name === 'AbortError') throw e;
    throw wrapWriteError(e, { zh: `写入 BagIt 包失败：${dest}`, en: `could not write the bag: ${dest}` });
  }
  return { dest, payloadOxum: `${bytes}.${files.length}`, fileCount: files.length, byteCount: bytes };
}

async function writeEntryTo(
  source: Readable,
  sink: PassThrough,
  f: BagSourceFile,
  algorithms: readonly DigestAlgorithm[],
  signal: AbortSignal | undefined,
) {
  const hasher = new MultiHasher(algorithms);
  let count = 0;
  await pipeline(
    source,
    async function* (src: AsyncIterable<Buffer>) {
      for await (const chunk of src) {
        count += chunk.length;
        hasher.update(chunk);
        yield chunk;
      }
    },
    sink,
    { signal },
  );
  if (count !== f.size) {
    throw packageError(
      'E_ENTRY_SIZE_MISMATCH',
      {
        zh: `“${f.path}”应为 ${f.size} 字节，实际读到 ${count} 字节`,
        en: `"${f.path}" should be ${f.size} bytes but ${count} were read`,
      },
      { path: f.path },
    );
  }
  return hasher.digest();
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
