/**
 * Strict standard base64 (RFC 4648 §4, with padding), as C2SP signed-note
 * requires. Node's decoder is lenient (skips junk, accepts missing padding),
 * so round-trip: only the one canonical encoding of the bytes is accepted.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
