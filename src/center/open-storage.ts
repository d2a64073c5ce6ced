import { InvalidInputError } from '../core/index.js';
import { FsStorage, type Storage } from '../store/index.js';
import type { CenterConfig } from './config.js';

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/**
 * The storage under the center's OCFL root: the filesystem, or an S3 bucket
 * when `storageRoot` is `s3://bucket/prefix`. The AWS SDK is loaded only in
 * that case, so an embedded center never pays for it.
 */
export function openStorage(config: CenterConfig): Promise<Storage> {
  return openStorageAt(config, config.storageRoot);
}

/**
 * Storage at `location` (a directory or `s3://bucket/prefix`), with the
 * center's S3 endpoint, region and Object Lock settings: also a second
 * storage root used as a replica target (center/peers.ts).
 */
export async function openStorageAt(config: CenterConfig, location: string): Promise<Storage> {
  if (!location.startsWith('s3://')) return new FsStorage(location);
  const m = S3_URL.exec(location);
  if (m === null) {
    throw new InvalidInputError({
      zh: `存储地址 "${location}" 无效：应为 s3://桶名/前缀`,
      en: `storage root "${location}" is invalid: expected s3://bucket/prefix`,
    });
  }
  const { S3Storage } = await import('../store/s3/index.js');
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  return new S3Storage({
    bucket: m[1]!,
    ...(prefix !== '' ? { prefix } : {}),
    ...(config.s3Endpoint !== null ? { endpoint: config.s3Endpoint } : {}),
    region: config.s3Region,
    ...(config.s3ObjectLockMode !== null
      ? { objectLock: { mode: config.s3ObjectLockMode, retainDays: config.s3ObjectLockDays } }
      : {}),
  });
}
