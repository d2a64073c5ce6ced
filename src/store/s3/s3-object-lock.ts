import { createHash } from 'node:crypto';
import { GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../core/errors.js';
import { httpStatus, s3ErrorName, wrapS3Error } from './s3-errors.js';
import type { S3ObjectLockOptions } from './s3-options.js';

/**
 * S3 Object Lock (WORM) for preserved content.
 *
 * What is locked: every file inside a version directory, `<object root>/vN/…`
 * — the content, the version's inventory.json and its sidecar. OCFL never
 * changes a version once written (OCFL 1.1 §3.3), so these keys are
 * write-once by design and the lock only makes that a promise the server
 * keeps even against someone holding the credentials.
 *
 * What is not: the object's root inventory.json and its sidecar (rewritten by
 * every new version, and by recovery), the object declaration
 * `0=ocfl_object_1.1` (removed with a first version that failed), and the
 * storage root's own files (`0=ocfl_1.1`, `ocfl_layout.json`, `extensions/…`).
 * S3Storage writes no temporary keys: a multipart upload is invisible until
 * completed, and stored paths may not use TEMP_PREFIX.
 *
 * Object Lock works on a versioned bucket, per object version: a later PUT of
 * the same key or a DELETE adds a new version or a delete marker and
 * succeeds, but the locked version itself cannot be deleted or overwritten
 * until its retain-until date. So rolling back a failed commit still works
 * (the version directory is hidden behind delete markers), while every byte
 * ever committed stays recoverable for the retention period.
 */

/** A version directory name: v1, v2, … or zero-padded (v001). */
const VERSION_DIR = /^v\d+$/;

/**
 * Whether the file at `path` (relative to the storage root) lies inside an
 * OCFL version directory, i.e. is never rewritten. The object root is the
 * path before the first `vN` segment: the hashed n-tuple layout's directories
 * are hex and object ids are `urn:…`, so nothing before it looks like one.
 */
export function isWriteOnce(path: string): boolean {
  const segments = path.split('/');
  const v = segments.findIndex((s, i) => i > 0 && VERSION_DIR.test(s));
  return v > 0 && v < segments.length - 1;
}

/** The PutObject / CreateMultipartUpload fields that lock an object. */
export interface ObjectLockParams {
  readonly ObjectLockMode: S3ObjectLockOptions['mode'];
  readonly ObjectLockRetainUntilDate: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The lock fields for a write of `path`, or undefined when it is not locked. */
export function objectLockParams(
  lock: S3ObjectLockOptions | undefined,
  path: string,
  now: Date = new Date(),
): ObjectLockParams | undefined {
  if (lock === undefined || !isWriteOnce(path)) return undefined;
  return { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(now.getTime() + lock.retainDays * DAY_MS) };
}

export const CONTENT_MD5_MIDDLEWARE = 'yinjiContentMd5';

/**
 * S3 refuses a PutObject or UploadPart carrying Object Lock parameters
 * without Content-MD5 or a flexible checksum header ("Content-MD5 HTTP header
 * is required for Put Object requests with Object Lock parameters"). The SDK
 * adds neither here: PutObject and UploadPart do not require a checksum, and
 * we set requestChecksumCalculation to WHEN_REQUIRED (see s3-storage.ts).
 * Content-MD5 is the one every S3-compatible server understands (the
 * x-amz-checksum-* headers are newer and older Ceph RGW and MinIO releases
 * do not accept them in its place), so this build-step
 * middleware adds it to every PutObject and UploadPart with an in-memory
 * body — which is all of ours: writeBytes sends a Buffer and lib-storage's
 * Upload sends each part (and a single-part object) as a Buffer. The parts of
 * a locked multipart upload need it too, and an UploadPart request does not
 * show whether its upload is locked, so unlocked writes get it as well: the
 * server then also checks each request's bytes.
 */
export function addContentMd5(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      const body = request.body;
      const headers = request.headers;
      if (
        (context.commandName === 'PutObjectCommand' || context.commandName === 'UploadPartCommand') &&
        headers !== undefined &&
        (typeof body === 'string' || ArrayBuffer.isView(body)) &&
        !Object.keys(headers).some((h) => h.toLowerCase() === 'content-md5')
      ) {
        const data = typeof body === 'string' ? body : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        headers['content-md5'] = createHash('md5').update(data).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: CONTENT_MD5_MIDDLEWARE, override: true },
  );
}

/**
 * Check that the bucket has Object Lock enabled (GetObjectLockConfiguration).
 * Object Lock can only be turned on when a bucket is created (AWS, MinIO
 * `mc mb --with-lock`, Ceph RGW `--object-lock-enabled-for-bucket`), so a
 * bucket without it cannot keep the promise the configuration makes: refuse
 * to start rather than store unprotected content.
 */
export async function checkBucketObjectLock(
  client: S3Client,
  bucket: string,
  lock: S3ObjectLockOptions,
): Promise<void> {
  const wanted = `${lock.mode}, ${lock.retainDays}`;
  let enabled: string | undefined;
  try {
    const r = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    enabled = r.ObjectLockConfiguration?.ObjectLockEnabled;
  } catch (e) {
    const name = s3ErrorName(e);
    if (name === 'NotImplemented' || httpStatus(e) === 501) {
      throw new InvalidInputError(
        {
          zh: `S3 服务不支持对象锁定（Object Lock），无法按配置（${wanted} 天）以只写一次方式保存存储桶 "${bucket}" 中的内容；请改用支持对象锁定的服务（AWS S3、MinIO、Ceph RGW），或关闭对象锁定配置`,
          en: `the S3 service does not support Object Lock, so bucket "${bucket}" cannot keep content write-once as configured (${wanted} days); use a service that does (AWS S3, MinIO, Ceph RGW) or turn object lock off in the configuration`,
        },
        { cause: e, details: { bucket, s3Error: name, httpStatus: httpStatus(e) } },
      );
    }
    if (name !== 'ObjectLockConfigurationNotFoundError') {
      throw wrapS3Error(
        e,
        {
          zh: `无法读取 S3 存储桶 "${bucket}" 的对象锁定配置`,
          en: `cannot read the Object Lock configuration of S3 bucket "${bucket}"`,
        },
        { bucket },
      );
    }
  }
  if (enabled !== 'Enabled') {
    throw new InvalidInputError(
      {
        zh: `S3 存储桶 "${bucket}" 未启用对象锁定（Object Lock），无法按配置（${wanted} 天）以只写一次方式保存内容；对象锁定只能在创建存储桶时开启（MinIO: mc mb --with-lock；AWS/Ceph RGW: create-bucket --object-lock-enabled-for-bucket），请换用这样的存储桶，或关闭对象锁定配置`,
        en: `S3 bucket "${bucket}" does not have Object Lock enabled, so it cannot keep content write-once as configured (${wanted} days); Object Lock can only be enabled when a bucket is created (MinIO: mc mb --with-lock; AWS/Ceph RGW: create-bucket --object-lock-enabled-for-bucket): use such a bucket or turn object lock off in the configuration`,
      },
      { details: { bucket, objectLockEnabled: enabled ?? null } },
    );
  }
}
