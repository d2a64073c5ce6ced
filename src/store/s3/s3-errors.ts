import { NotFoundError, StorageError, StorageFullError, YinjiError, type Message } from '../../core/errors.js';

/** The fields of an SDK error (S3ServiceException or a network error) we look at. */
interface SdkErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function sdk(e: unknown): SdkErrorLike {
  return typeof e === 'object' && e !== null ? e : {};
}

/** The S3 error name ("NoSuchKey", "AccessDenied", …) or the JS error name for network failures. */
export function s3ErrorName(e: unknown): string | undefined {
  const x = sdk(e);
  return x.Code ?? x.name;
}

export function httpStatus(e: unknown): number | undefined {
  return sdk(e).$metadata?.httpStatusCode;
}

/** A missing key or bucket: HeadObject answers a bare 404 ("NotFound"), GetObject "NoSuchKey". */
export function isNotFound(e: unknown): boolean {
  const name = s3ErrorName(e);
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(e) === 404;
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/**
 * Wrap a failure from the S3 service once, at this boundary (STYLE.md):
 * YinjiErrors and aborts pass through unchanged; quota errors become
 * StorageFullError (Ceph RGW "QuotaExceeded", MinIO "XMinioStorageFull",
 * HTTP 507); everything else is E_STORAGE_IO with the S3 error name in
 * `details.s3Error` so an operator can look it up.
 */
export function wrapS3Error(e: unknown, what: Message, details: Record<string, unknown> = {}): unknown {
  if (e instanceof YinjiError || isAbort(e)) return e;
  const name = s3ErrorName(e);
  const status = httpStatus(e);
  if (name === 'QuotaExceeded' || name === 'XMinioStorageFull' || status === 507) {
    return new StorageFullError({ cause: e });
  }
  const reason = sdk(e).message ?? String(e);
  return new StorageError(
    'E_STORAGE_IO',
    {
      zh: `${what.zh}（S3 错误 ${name ?? '未知'}：${reason}）`,
      en: `${what.en} (S3 error ${name ?? 'unknown'}: ${reason})`,
    },
    { cause: e, details: { ...details, s3Error: name, httpStatus: status } },
  );
}

export function notFound(path: string, description: string, cause: unknown): NotFoundError {
  return new NotFoundError(
    { zh: `存储中没有文件 "${path}"`, en: `no file "${path}" in storage ${description}` },
    { cause, details: { path } },
  );
}
