import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../core/errors.js';
import { checkStoragePath } from '../storage-path.js';

/**
 * S3 Object Lock (WORM) for what OCFL never rewrites (see s3-object-lock.ts).
 * COMPLIANCE: no one, the account root included, can delete an object
 * version or shorten its retention before it ends. GOVERNANCE: users holding
 * s3:BypassGovernanceRetention can. The bucket must have been created with
 * Object Lock enabled; `init()` checks.
 */
export interface S3ObjectLockOptions {
  readonly mode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Retention from each write, in whole days (1–36500). */
  readonly retainDays: number;
}

/** Longest retention accepted: 100 years, the S3 limit for a bucket's default retention. */
export const MAX_RETAIN_DAYS = 36_500;

export interface S3StorageOptions {
  /** Bucket name; required. It must already exist (`init()` checks, it never creates one). */
  readonly bucket: string;
  /** Key prefix the storage root lives under, e.g. "yinji/ocfl" (checked like a storage path); default '' (the bucket root). */
  readonly prefix?: string;
  /** Service URL for a non-AWS store (Ceph RGW, MinIO, OSS, s3rver), e.g. "http://127.0.0.1:7480"; default: AWS. */
  readonly endpoint?: string;
  /** Default 'us-east-1' (what most S3-compatible servers accept). */
  readonly region?: string;
  /** Path-style URLs (http://host/bucket/key); default true when `endpoint` is given, else false. */
  readonly forcePathStyle?: boolean;
  /** Default: the SDK's provider chain (environment, ~/.aws, instance role). */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /**
   * A client to use instead of building one (tests, shared connection pools).
   * It is not destroyed by `close()`; the caller should set the two checksum
   * options below to 'WHEN_REQUIRED' as well. With `objectLock`, the
   * Content-MD5 middleware (s3-object-lock.ts) is added to its stack.
   */
  readonly client?: S3Client;
  /** Write version content under S3 Object Lock; default none. */
  readonly objectLock?: S3ObjectLockOptions;
}

/** The options as checked once: bucket and prefix normalised, frozen. */
export interface CheckedS3Options {
  readonly bucket: string;
  readonly prefix: string;
  readonly objectLock?: S3ObjectLockOptions;
}

/** Check the options once, with a clear message; returns the normalised, frozen bucket and prefix. */
export function checkOptions(options: S3StorageOptions): CheckedS3Options {
  const bad = (zh: string, en: string): never => {
    throw new InvalidInputError({ zh: `S3 存储配置不合法：${zh}`, en: `invalid S3 storage options: ${en}` });
  };
  if (typeof options.bucket !== 'string' || options.bucket === '') bad('缺少 bucket', 'bucket is required');
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  checkStoragePath(prefix, true);
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) {
    bad(`endpoint "${options.endpoint}" 不是 URL`, `endpoint "${options.endpoint}" is not a URL`);
  }
  const lock = options.objectLock;
  if (lock === undefined) return Object.freeze({ bucket: options.bucket, prefix });
  if (lock.mode !== 'COMPLIANCE' && lock.mode !== 'GOVERNANCE') {
    bad(
      `对象锁定模式 "${String(lock.mode)}" 无效，应为 COMPLIANCE 或 GOVERNANCE`,
      `object lock mode "${String(lock.mode)}" must be COMPLIANCE or GOVERNANCE`,
    );
  }
  if (!Number.isInteger(lock.retainDays) || lock.retainDays < 1 || lock.retainDays > MAX_RETAIN_DAYS) {
    bad(
      `对象锁定保留天数 ${String(lock.retainDays)} 无效，应为 1–${MAX_RETAIN_DAYS} 的整数`,
      `object lock retainDays ${String(lock.retainDays)} must be a whole number from 1 to ${MAX_RETAIN_DAYS}`,
    );
  }
  const objectLock = Object.freeze({ mode: lock.mode, retainDays: lock.retainDays });
  return Object.freeze({ bucket: options.bucket, prefix, objectLock });
}
