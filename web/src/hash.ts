import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Slices read at a time: memory stays flat whatever the file's size (Web Crypto can only hash a whole buffer). */
const SLICE = 4 * 1024 * 1024;

/**
 * SHA-256 of a file, in the browser: the file is read in slices and never
 * leaves the machine. `onProgress` gets the bytes hashed so far.
 */
export async function fileSha256(
  file: Blob,
  onProgress?: (done: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const hash = sha256.create();
  for (let at = 0; at < file.size; at += SLICE) {
    signal?.throwIfAborted();
    hash.update(new Uint8Array(await file.slice(at, at + SLICE).arrayBuffer()));
    onProgress?.(Math.min(file.size, at + SLICE));
  }
  return bytesToHex(hash.digest());
}

/** Lower-case SHA-256 digests in pasted text (anything else between them is ignored). */
export function digestsIn(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/\b[0-9a-f]{64}\b/g) ?? [])];
}
