import { unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { InvalidInputError, StorageError, type Message } from '../../core/errors.js';
import type { ListOptions, PutOptions, PutSource, Storage, StorageStat } from '../storage.js';
import { TEMP_PREFIX, checkStoragePath, joinPath } from '../storage-path.js';
import { isNotFound, notFound, s3ErrorName, wrapS3Error } from './s3-errors.js';
import { addContentMd5, checkBucketObjectLock, objectLockParams } from './s3-object-lock.js';
import { checkOptions, type S3ObjectLockOptions, type S3StorageOptions } from './s3-options.js';
import { verifiedUpload } from './s3-upload.js';

export type { S3ObjectLockOptions, S3StorageOptions } from './s3-options.js';
export { isWriteOnce } from './s3-object-lock.js';

/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH = 1000;

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Storage in an S3 bucket (AWS S3, Ceph RGW, MinIO, Aliyun OSS in S3 mode),
 * under an optional key prefix. Keys are `prefix/path`; directories are
 * implicit, as the Storage interface already assumes.
 *
 * Atomicity: S3 has no rename, but an object only becomes visible when its
 * PutObject or CompleteMultipartUpload succeeds, so every write is whole or
 * absent. A wrong `expected` digest is detected before the final request
 * is sent (see s3-upload.ts), so a mismatch stores nothing and keeps an
 * existing object. What an interrupted multipart upload leaves is invisible
 * to reads and listings; `sweepTemporaries` aborts it.
 *
 * Consistency: relies on S3's strong read-after-write consistency (AWS since
 * December 2020, Ceph RGW, MinIO); an eventually consistent store would
 * break OCFL's inventory-last commit.
 *
 * WORM: with `objectLock`, every file inside a version directory is written
 * under S3 Object Lock (s3-object-lock.ts), and `init()` refuses a bucket
 * without Object Lock enabled.
 */
export class S3Storage implements Storage {
  readonly description: string;
  readonly bucket: string;
  /** '' or the key prefix without a trailing '/'. */
  readonly prefix: string;
  /** Object Lock for version content; undefined = none. */
  readonly objectLock: S3ObjectLockOptions | undefined;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;

  constructor(options: S3StorageOptions) {
    const checked = checkOptions(options);
    this.bucket = checked.bucket;
    this.prefix = checked.prefix;
    this.objectLock = checked.objectLock;
    this.description = `s3://${this.bucket}/${this.prefix}`;
    this.ownsClient = options.client === undefined;
    const config: S3ClientConfig = {
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      // Without these the SDK sends streamed bodies with aws-chunked framing
      // and trailing CRC32 checksums, which s3rver (and some older Ceph RGW)
      // store verbatim: 300,045 bytes for 300,000 (STACK.md). We verify our
      // own digests end to end instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    this.client = options.client ?? new S3Client(config); // builds config only: no I/O
    if (this.objectLock !== undefined) addContentMd5(this.client);
  }

  /**
   * Check that the bucket exists and is reachable with these credentials,
   * and, with `objectLock`, that the bucket has Object Lock enabled.
   */
  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const missing = isNotFound(e);
      throw wrapS3Error(
        e,
        missing
          ? {
              zh: `S3 存储桶 "${this.bucket}" 不存在，请先创建或检查配置`,
              en: `S3 bucket "${this.bucket}" does not exist; create it or fix the configuration`,
            }
          : {
              zh: `无法访问 S3 存储桶 "${this.bucket}"，请检查地址和凭据`,
              en: `cannot reach S3 bucket "${this.bucket}"; check the endpoint and credentials`,
            },
        { bucket: this.bucket },
      );
    }
    if (this.objectLock !== undefined) await checkBucketObjectLock(this.client, this.bucket, this.objectLock);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** The object key of a file path. */
  private key(path: string): string {
    return joinPath(this.prefix, checkStoragePath(path));
  }

  /** The key prefix of a directory ('' = the root): always ends in '/' unless it is the bucket root. */
  private dirKey(prefix: string): string {
    const k = joinPath(this.prefix, checkStoragePath(prefix, true));
    return k === '' ? '' : `${k}/`;
  }

  private fail(e: unknown, what: Message, path: string): unknown {
    return wrapS3Error(e, what, { bucket: this.bucket, path });
  }

  private readFailed(path: string): Message {
    return { zh: `读取 "${path}" 失败`, en: `failed to read "${path}" from ${this.description}` };
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async stat(path: string): Promise<StorageStat | undefined> {
    const Key = this.key(path);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: r.ContentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw this.fail(e, this.readFailed(path), path);
    }
  }

  /**
   * One directory level: file names and sub-directory names, both sorted.
   * Folder-marker keys ("dir/", made by some consoles) and names an fs root
   * could not hold (empty segments) are skipped.
   */
  private async level(prefix: string, signal?: AbortSignal): Promise<{ files: string[]; dirs: string[] }> {
    const Prefix = this.dirKey(prefix);
    const files: string[] = [];
    const dirs: string[] = [];
    let ContinuationToken: string | undefined;
    try {
      do {
        const r = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix, Delimiter: '/', ContinuationToken }),
          { abortSignal: signal },
        );
        for (const o of r.Contents ?? []) {
          const name = (o.Key ?? '').slice(Prefix.length);
          if (name !== '' && !name.startsWith(TEMP_PREFIX)) files.push(name);
        }
        for (const p of r.CommonPrefixes ?? []) {
          const name = (p.Prefix ?? '').slice(Prefix.length, -1);
          if (name !== '') dirs.push(name);
        }
        ContinuationToken = r.IsTruncated === true ? r.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
    } catch (e) {
      throw this.fail(
        e,
        { zh: `列出 "${prefix}" 失败`, en: `failed to list "${prefix}" in ${this.description}` },
        prefix,
      );
    }
    // S3 orders by UTF-8 bytes; the interface promises code-unit order (they differ above U+FFFF).
    return { files: files.sort(byName), dirs: dirs.sort(byName) };
  }

  /**
   * Depth-first, one ListObjectsV2 (Delimiter '/') per directory, so the
   * order matches FsStorage exactly: a flat listing would put "a-b" before
   * "a/x" ('-' < '/'), where a directory walk puts "a/x" first. Memory is
   * one directory's names at a time.
   */
  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    const recursive = options.recursive ?? true;
    const { files, dirs } = await this.level(prefix, options.signal);
    const entries = [
      ...files.map((name) => ({ name, dir: false })),
      ...(recursive ? dirs.map((name) => ({ name, dir: true })) : []),
    ].sort((a, b) => byName(a.name, b.name) || Number(a.dir) - Number(b.dir));
    for (const ent of entries) {
      options.signal?.throwIfAborted();
      const p = joinPath(prefix, ent.name);
      if (ent.dir) yield* this.list(p, options);
      else yield p;
    }
  }

  async listDirs(prefix: string): Promise<string[]> {
    return (await this.level(prefix)).dirs;
  }

  async read(path: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const Key = this.key(path);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }), {
        abortSignal: options.signal,
      });
      // In Node the body is the http.IncomingMessage: a Readable streaming ~64 KiB chunks.
      return r.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw notFound(path, this.description, e);
      throw this.fail(e, this.readFailed(path), path);
    }
  }

  async readBytes(path: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    const body = await this.read(path, options);
    const chunks: Buffer[] = [];
    try {
      for await (const c of body) chunks.push(c as Buffer);
    } catch (e) {
      throw this.fail(e, this.readFailed(path), path);
    }
    return Buffer.concat(chunks);
  }

  private writeFailed(path: string): Message {
    return { zh: `写入 "${path}" 失败`, en: `failed to write "${path}" to ${this.description}` };
  }

  async writeBytes(path: string, data: Uint8Array | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const Key = this.key(path);
    try {
      options.signal?.throwIfAborted();
      const lock = objectLockParams(this.objectLock, path);
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: Buffer.from(data), ...lock }), {
        abortSignal: options.signal,
      });
    } catch (e) {
      throw this.fail(e, this.writeFailed(path), path);
    }
  }

  /** `{file, move: true}`: upload, then unlink the local file once the object is stored (S3 cannot rename in). */
  async put(path: string, source: PutSource, options: PutOptions = {}): Promise<void> {
    const Key = this.key(path);
    try {
      await verifiedUpload({
        client: this.client,
        bucket: this.bucket,
        key: Key,
        path,
        source,
        expected: options.expected,
        signal: options.signal,
        objectLock: objectLockParams(this.objectLock, path),
      });
    } catch (e) {
      throw this.fail(e, this.writeFailed(path), path);
    }
    if (source instanceof Readable || source.move !== true) return;
    await unlink(source.file).catch(() => undefined);
  }

  private deleteFailed(path: string): Message {
    return { zh: `删除 "${path}" 失败`, en: `failed to delete "${path}" from ${this.description}` };
  }

  async delete(path: string): Promise<void> {
    const Key = this.key(path);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })); // a missing key is a 204 too
    } catch (e) {
      if (!isNotFound(e)) throw this.fail(e, this.deleteFailed(path), path);
    }
  }

  /** List every key below the prefix and delete them in DeleteObjects batches of 1000. */
  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') {
      throw new InvalidInputError({ zh: '拒绝删除整个存储根', en: 'refusing to delete the whole storage root' });
    }
    const Prefix = this.dirKey(prefix);
    try {
      let ContinuationToken: string | undefined;
      do {
        const r = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: DELETE_BATCH }),
        );
        const keys = (r.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
        if (keys.length > 0) {
          const d = await this.client.send(
            new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
          );
          const errors = d.Errors ?? [];
          if (errors.length > 0) {
            const first = errors[0];
            throw new StorageError(
              'E_STORAGE_IO',
              {
                zh: `删除 "${prefix}" 下的 ${errors.length} 个对象失败（首个：${first?.Key} ${first?.Code}）`,
                en: `failed to delete ${errors.length} objects below "${prefix}" (first: ${first?.Key} ${first?.Code})`,
              },
              { details: { bucket: this.bucket, path: prefix, s3Error: first?.Code, failed: errors.length } },
            );
          }
        }
        ContinuationToken = r.IsTruncated === true ? r.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
    } catch (e) {
      throw this.fail(e, this.deleteFailed(prefix), prefix);
    }
  }

  /**
   * Abort the incomplete multipart uploads below `prefix` (what a killed
   * `put` of a large file leaves: parts that are billed but invisible).
   * Only safe when no upload below the prefix is running.
   *
   * A server that does not implement ListMultipartUploads (s3rver answers
   * NotImplemented) has nothing this method can find: it returns 0. There,
   * and in production generally, a bucket lifecycle rule
   * AbortIncompleteMultipartUpload is the backstop.
   */
  async sweepTemporaries(prefix: string): Promise<number> {
    const Prefix = this.dirKey(prefix);
    let removed = 0;
    try {
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      let more = true;
      while (more) {
        const r = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix, KeyMarker, UploadIdMarker }),
        );
        for (const u of r.Uploads ?? []) {
          if (u.Key === undefined || u.UploadId === undefined) continue;
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }),
          );
          removed++;
        }
        more = r.IsTruncated === true;
        KeyMarker = r.NextKeyMarker;
        UploadIdMarker = r.NextUploadIdMarker;
      }
    } catch (e) {
      if (s3ErrorName(e) === 'NotImplemented' && removed === 0) return 0;
      throw this.fail(
        e,
        { zh: `清理 "${prefix}" 下未完成的上传失败`, en: `failed to sweep incomplete uploads below "${prefix}"` },
        prefix,
      );
    }
    return removed;
  }
}
