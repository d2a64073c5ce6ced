import { PackageError, type Message } from '../core/errors.js';

/**
 * Stable codes this module throws (list them in docs/errors.md). Every message
 * says what the depositor should do, in Chinese first.
 */
export type PackageErrorCode =
  | 'E_PATH_TRAVERSAL'
  | 'E_ABSOLUTE_PATH'
  | 'E_BAD_NAME'
  | 'E_BAD_NAME_ENCODING'
  | 'E_DUPLICATE_NAME'
  | 'E_SYMLINK_ESCAPE'
  | 'E_SYMLINK_UNSUPPORTED'
  | 'E_HARDLINK_UNSUPPORTED'
  | 'E_SPECIAL_FILE'
  | 'E_ENCRYPTED_ENTRY'
  | 'E_UNSUPPORTED_COMPRESSION'
  | 'E_ARCHIVE_CORRUPT'
  | 'E_ENTRY_SIZE_MISMATCH'
  | 'E_ENTRY_CRC_MISMATCH'
  | 'E_TOO_LARGE'
  | 'E_UNSUPPORTED_PACKAGE'
  | 'E_STAGING_NOT_EMPTY'
  | 'E_DEST_EXISTS';

export function packageError(
  code: PackageErrorCode,
  message: Message,
  details: Record<string, unknown> = {},
  cause?: unknown,
): PackageError {
  return new PackageError(code, message, { details, cause });
}

/** Show attacker-controlled bytes safely in a message: printable UTF-8 as is, the rest as \xNN. */
export function escapeBytes(raw: Buffer): string {
  let out = '';
  for (const b of raw) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** Show a decoded name with control characters escaped (names may carry terminal escapes). */
export function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
