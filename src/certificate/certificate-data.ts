import { InvalidInputError } from '../core/index.js';

/**
 * Everything printed on one archive registration certificate (档案登记证明).
 *
 * Plain values on purpose: the service layer fills this from the
 * registration row, the timestamp token and the log checkpoint, so this
 * module does not depend on the ledger or timestamp APIs.
 */
export interface CertificateData {
  /** Issuing center, e.g. "杭州市电子文件和数字档案登记备份中心". */
  readonly centerName: string;
  /** 登记号, e.g. "330100-2026-000123". */
  readonly regno: string;
  /** 登记单位. */
  readonly unitName: string;
  /** The unit's code (统一社会信用代码 or the center's own unit code). */
  readonly unitCode: string;
  /** 题名 of the registered body of records. */
  readonly title: string;
  /** Registration version: 1 for the first deposit, n for the n-th. */
  readonly version: number;
  /** 件数: archival items as the unit declared them. */
  readonly itemCount: number;
  /** 文件数: files actually received. */
  readonly fileCount: number;
  /** Data volume in bytes; printed as decimal GB (10^9) to three places. */
  readonly byteCount: number | bigint;
  /** Digest algorithm name as printed, e.g. "SHA-256" or "SM3". */
  readonly digestAlgorithm: string;
  /** Root digest of the registration, lowercase hex. */
  readonly rootDigest: string;
  /** 登记时间. */
  readonly registeredAt: Date;
  /** genTime of the RFC 3161 timestamp token. */
  readonly timestampTime: Date;
  /** Name of the time-stamping authority, e.g. "国家授时中心可信时间戳服务". */
  readonly timestampAuthority: string;
  /** Index of this registration's leaf in the transparency log. */
  readonly logIndex: number;
  /** Tree size of the checkpoint that covers the leaf. */
  readonly treeSize: number;
  /** URL encoded in the QR code and printed beneath it. */
  readonly verifyUrl: string;
  /** When this certificate is issued (re-issues carry a later date). */
  readonly issuedAt: Date;
}

/**
 * Reject data that would print a wrong or misleading certificate. The data
 * comes from our own service layer, so this guards against bugs, not
 * attackers; the messages name the field.
 */
export function validateCertificateData(data: CertificateData): void {
  const texts = [
    'centerName',
    'regno',
    'unitName',
    'unitCode',
    'title',
    'digestAlgorithm',
    'timestampAuthority',
  ] as const;
  for (const field of texts) {
    if (data[field].trim() === '') bad(field, '不能为空', 'must not be empty');
  }
  const counts = ['version', 'itemCount', 'fileCount', 'logIndex', 'treeSize'] as const;
  for (const field of counts) {
    if (!Number.isSafeInteger(data[field]) || data[field] < 0)
      bad(field, '必须是非负整数', 'must be a non-negative integer');
  }
  if (data.version < 1) bad('version', '必须从 1 开始', 'must be at least 1');
  if (data.logIndex >= data.treeSize) bad('treeSize', '必须大于日志序号', 'must be greater than logIndex');
  if (!/^(?:[0-9a-f]{2}){16,}$/.test(data.rootDigest)) bad('rootDigest', '必须是小写十六进制', 'must be lowercase hex');
  for (const field of ['registeredAt', 'timestampTime', 'issuedAt'] as const) {
    if (!Number.isFinite(data[field].getTime())) bad(field, '不是有效时间', 'is not a valid date');
  }
  let url: URL | undefined;
  try {
    url = new URL(data.verifyUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    bad('verifyUrl', '必须是 http(s) 网址', 'must be an http(s) URL');
  }
}

function bad(field: string, zh: string, en: string): never {
  throw new InvalidInputError(
    { zh: `登记证明字段 ${field} ${zh}`, en: `certificate field ${field} ${en}` },
    { details: { field } },
  );
}
