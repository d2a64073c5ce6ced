/**
 * Typed errors with stable codes (listed in docs/errors.md).
 *
 * Every module throws a YinjiError; the server maps `code` to an HTTP status
 * in one place and the CLI maps it to an exit code and one clear line. Each
 * error carries its message in Chinese (shown by default) and English.
 */
export interface Message {
  readonly zh: string;
  readonly en: string;
}

export type Lang = 'zh' | 'en';

export interface YinjiErrorOptions {
  readonly cause?: unknown;
  /** Machine-readable facts for `--json` output and logs. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class YinjiError extends Error {
  override readonly name: string = 'YinjiError';
  readonly code: string;
  readonly zh: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: Message, options: YinjiErrorOptions = {}) {
    super(message.en, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.zh = message.zh;
    this.details = options.details ?? {};
  }

  text(lang: Lang): string {
    return lang === 'zh' ? this.zh : this.message;
  }
}

/** Input that is not acceptable as given: a bad flag, a bad field, a bad regno. */
export class InvalidInputError extends YinjiError {
  override readonly name = 'InvalidInputError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_INVALID_INPUT', message, options);
  }
}

export class NotFoundError extends YinjiError {
  override readonly name = 'NotFoundError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_NOT_FOUND', message, options);
  }
}

/** A deposit package that cannot be accepted (unsafe names, broken archive, …). */
export class PackageError extends YinjiError {
  override readonly name = 'PackageError';
}

export class DigestMismatchError extends YinjiError {
  override readonly name = 'DigestMismatchError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_DIGEST_MISMATCH', message, options);
  }
}

/** The preservation store failed or holds something it should not. */
export class StorageError extends YinjiError {
  override readonly name = 'StorageError';
}

/** The disk (or bucket) is full: nothing was written. */
export class StorageFullError extends YinjiError {
  override readonly name = 'StorageFullError';
  constructor(options?: YinjiErrorOptions) {
    super(
      'E_STORAGE_FULL',
      {
        zh: '存储空间不足，本次操作未写入任何内容；请清理或扩充存储后重试',
        en: 'storage is full; nothing was written — free or add space and retry',
      },
      options,
    );
  }
}

export class DatabaseError extends YinjiError {
  override readonly name = 'DatabaseError';
}

/** Another process holds the lock the operation needs. */
export class BusyError extends YinjiError {
  override readonly name = 'BusyError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_BUSY', message, options);
  }
}

export class ConflictError extends YinjiError {
  override readonly name = 'ConflictError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_CONFLICT', message, options);
  }
}

/**
 * A deposit stopped by the four-properties check (四性检测): blocking items
 * failed. `details.report` is the whole report, so the unit sees every reason.
 */
export class ChecksFailedError extends YinjiError {
  override readonly name = 'ChecksFailedError';
  /** `extra`: more details, e.g. the submission the package now waits in. */
  constructor(failed: readonly string[], report: unknown, extra: Readonly<Record<string, unknown>> = {}) {
    super(
      'E_CHECKS_FAILED',
      {
        zh: `四性检测未通过（${failed.join('、')}），登记包已退回；详见检测报告`,
        en: `the four-properties check failed (${failed.join(', ')}); the deposit is returned — see the report`,
      },
      { details: { ...extra, failed, report } },
    );
  }
}

/** A package over the center's upload limit, or its unit's own (`unit` then names it). */
export class UploadTooLargeError extends YinjiError {
  override readonly name = 'UploadTooLargeError';
  constructor(size: number | undefined, limit: number, unit?: string) {
    const sized = { zh: size !== undefined ? ` ${size} 字节` : '', en: size !== undefined ? ` of ${size} bytes` : '' };
    super(
      'E_UPLOAD_TOO_LARGE',
      unit === undefined
        ? {
            zh: `登记包${sized.zh}超过本中心的上传上限 ${limit} 字节`,
            en: `the package${sized.en} exceeds this center's upload limit of ${limit} bytes`,
          }
        : {
            zh: `登记包${sized.zh}超过单位 ${unit} 的单包上限 ${limit} 字节；请分批报送，或请中心调整限额`,
            en: `the package${sized.en} exceeds unit ${unit}'s package limit of ${limit} bytes: split it, or ask the center to raise the limit`,
          },
      { details: { ...(size !== undefined ? { size } : {}), limit, ...(unit !== undefined ? { unit } : {}) } },
    );
  }
}

/** A deposit that would take its unit over its storage quota. */
export class QuotaExceededError extends YinjiError {
  override readonly name = 'QuotaExceededError';
  constructor(unit: string, used: number, size: number, quota: number) {
    super(
      'E_QUOTA_EXCEEDED',
      {
        zh: `单位 ${unit} 的存储配额为 ${quota} 字节，已用 ${used} 字节，本次 ${size} 字节将超出配额；请联系中心调整配额`,
        en: `unit ${unit} holds ${used} of its ${quota}-byte quota; this deposit of ${size} bytes would exceed it: ask the center to raise the quota`,
      },
      { details: { unit, used, size, quota } },
    );
  }
}

export function isYinjiError(e: unknown): e is YinjiError {
  return e instanceof YinjiError;
}

/** Map the Node errno of a failed write to the error a user can act on. */
export function wrapWriteError(e: unknown, what: Message): YinjiError {
  if (e instanceof YinjiError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFullError({ cause: e });
  return new StorageError('E_STORAGE_IO', what, { cause: e, details: { errno: code } });
}
