import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../core/errors.js';
import { checkStoragePath } from '../storage-path.js';

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
   * options below to 'WHEN_REQUIRED' as well.
   */
  readonly client?: S3Client;
}

/** Check the options once, with a clear message; returns the normalised, frozen bucket and prefix. */
export function checkOptions(
  options: S3StorageOptions,
): Readonly<Required<Pick<S3StorageOptions, 'bucket' | 'prefix'>>> {
  const bad = (zh: string, en: string): never => {
    throw new InvalidInputError({ zh: `S3 存储配置不合法：${zh}`, en: `invalid S3 storage options: ${en}` });
  };
  if (typeof options.bucket !== 'string' || options.bucket === '') bad('缺少 bucket', 'bucket is required');
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  checkStoragePath(prefix, true);
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) {
    bad(`endpoint "${options.endpoint}" 不是 URL`, `endpoint "${options.endpoint}" is not a URL`);
  }
  return Object.freeze({ bucket: options.bucket, prefix });
}
