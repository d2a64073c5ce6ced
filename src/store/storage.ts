import type { Readable } from 'node:stream';
import type { DigestAlgorithm } from '../digest/index.js';

/** A digest a write must produce; checked while the bytes flow. */
export interface ExpectedDigest {
  readonly algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  readonly digest: string;
}

/**
 * Where `put` takes its bytes from: a stream, or a local file. With
 * `move: true` an implementation may rename the file into place (same
 * filesystem only); on success the file is then gone. On failure it is left
 * where it was when possible, but a caller must not rely on it.
 */
export type PutSource = Readable | { readonly file: string; readonly move?: boolean };

export interface PutOptions {
  readonly signal?: AbortSignal;
  /** When given, a mismatch throws DigestMismatchError and nothing is stored. */
  readonly expected?: ExpectedDigest;
}

export interface ListOptions {
  /** Default true: every file below the prefix; false: its immediate files only. */
  readonly recursive?: boolean;
  readonly signal?: AbortSignal;
}

export interface StorageStat {
  readonly size: number;
}

/**
 * The slice of a blob store the preservation store needs, shaped so an
 * object store (S3, Ceph RGW, MinIO, OSS) can implement it too: there is no
 * rename, and directories are implicit — they exist while a file is below
 * them, so deleting the last file of a directory removes it (empty
 * directories are not allowed under an OCFL storage root, OCFL 1.1 §4.1 E073).
 *
 * Paths are '/'-separated and relative to the storage's root; they are
 * checked with `checkStoragePath` (attacker-influenced, see there). Every
 * write is atomic: the file appears whole or not at all, and a failed write
 * leaves nothing behind. Reads of a missing file throw NotFoundError.
 *
 * Every implementation runs `runStorageSuite` (storage.suite.ts).
 */
export interface Storage {
  /** Human-readable location for messages and logs, e.g. "/srv/yinji/ocfl". */
  readonly description: string;
  init(): Promise<void>;
  close(): Promise<void>;
  /** Whether a file (not a directory) exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** Size of the file at `path`, undefined when there is none. */
  stat(path: string): Promise<StorageStat | undefined>;
  /**
   * Files below the directory `prefix` ('' = the root), as full paths
   * relative to the storage root, in code-unit order within each directory.
   */
  list(prefix: string, options?: ListOptions): AsyncIterable<string>;
  /** Names (one segment) of the immediate sub-directories of `prefix`, sorted. */
  listDirs(prefix: string): Promise<string[]>;
  read(path: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  readBytes(path: string, options?: { signal?: AbortSignal }): Promise<Buffer>;
  /** The file's path on a local filesystem, for readers that can do better with one (fs only). */
  localPath?(path: string): string;
  /** Atomic whole-file write (small files: inventories, sidecars, configs). */
  writeBytes(path: string, data: Uint8Array | string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Atomic streamed write; replaces an existing file. */
  put(path: string, source: PutSource, options?: PutOptions): Promise<void>;
  /** Delete a file; a missing file is not an error. */
  delete(path: string): Promise<void>;
  /** Delete every file below the directory `prefix` (not '' — refuse to wipe the root). */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * Remove temporaries an interrupted write left below `prefix` (fs: temp
   * files and emptied directories; S3: incomplete multipart uploads). Only safe when no writer is
   * active below the prefix. Returns how many were removed.
   */
  sweepTemporaries(prefix: string): Promise<number>;
}
