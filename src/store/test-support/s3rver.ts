import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface ListOptions {
  delimiter?: string;
  prefix?: string;
  maxKeys?: number;
  startAfter?: string;
}
interface ListResult {
  objects: { key: string }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

/** The slice of s3rver 3.7 (CommonJS, untyped) the tests use. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  store: { listObjects(bucket: string, options: ListOptions): Promise<ListResult> };
}

/**
 * s3rver 3.7 bug: a delimited listing walks its on-disk tree but skips
 * directories below a common prefix, so a "directory" holding only
 * sub-directories (OCFL's 3c0/ff4/240/… layout) never shows up in
 * CommonPrefixes. Real S3, Ceph RGW and MinIO report it. Rather than bend
 * S3Storage to one test server, answer delimited listings from a flat one
 * here (test data is small, so no paging is needed).
 */
function fixDelimitedListing(server: S3rverInstance): void {
  const store = server.store;
  const flat = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const delimiter = options.delimiter ?? '';
    if (delimiter === '') return flat(bucket, options);
    const prefix = options.prefix ?? '';
    const all = await flat(bucket, { ...options, delimiter: '', maxKeys: Infinity });
    const commonPrefixes = new Set<string>();
    const objects = all.objects.filter((o) => {
      const i = o.key.slice(prefix.length).indexOf(delimiter);
      if (i < 0) return true;
      commonPrefixes.add(o.key.slice(0, prefix.length + i + delimiter.length));
      return false;
    });
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
  };
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

export interface TestS3 {
  /** e.g. "http://127.0.0.1:41234" */
  readonly endpoint: string;
  readonly bucket: string;
  /** s3rver accepts any signature made with these. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  stop(): Promise<void>;
}

/**
 * A real S3 API server (s3rver) on loopback, an ephemeral port and a fresh
 * temp directory, with one bucket. `stop()` closes it and removes the
 * directory.
 */
export async function startS3rver(bucket = 'yinji-test'): Promise<TestS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const directory = await mkdtemp(join(tmpdir(), 'yinji-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  fixDelimitedListing(server);
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async stop() {
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
