import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DEFAULT_REGNO_PATTERN, InvalidInputError, validateRegnoPattern } from '../core/index.js';
import { FIELD_ORDER } from '../catalog/index.js';
import { isDigestAlgorithm, type DigestAlgorithm } from '../digest/index.js';

/**
 * A center's settings, kept in `<data>/config.json` (written by `yinji init`).
 * Every field has a default so an empty data directory is a working embedded
 * center; the file records choices that must not change later (center id,
 * regno pattern) so they survive restarts.
 */
export interface CenterConfig {
  /** Short code of this center, used in registration numbers and object ids. Default "YINJI". */
  readonly centerId: string;
  /** Human name shown in receipts and the console. Default "印记登记备份中心". */
  readonly centerName: string;
  /** Registration number pattern (core/regno.ts). Default `{center}-{year}-{seq:6}`. */
  readonly regnoPattern: string;
  /** Metadata database: `sqlite:<path>` or `postgres://…`. Default SQLite in the data dir. */
  readonly database: string;
  /**
   * The OCFL storage root: a directory, or `s3://bucket/prefix` for an S3-compatible object store
   * (credentials from the environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Default `<data>/store`.
   */
  readonly storageRoot: string;
  /** Endpoint of the S3-compatible service (MinIO, Ceph RGW, OSS…); null = AWS. Default null. */
  readonly s3Endpoint: string | null;
  /** S3 region. Default `us-east-1`. */
  readonly s3Region: string;
  /**
   * S3 Object Lock (WORM) for preserved content: every file of a version is written locked in this mode
   * for s3ObjectLockDays — COMPLIANCE (no one can delete it early, root included) or GOVERNANCE (users
   * with s3:BypassGovernanceRetention can). The bucket must be created with Object Lock enabled; the
   * center refuses to start otherwise. Only with an `s3://` storageRoot. Default null (no lock).
   */
  readonly s3ObjectLockMode: 'COMPLIANCE' | 'GOVERNANCE' | null;
  /** Retention of locked content, days from each write (1–36500). Default 3650 (ten years). */
  readonly s3ObjectLockDays: number;
  /** Staging area for incoming deposits (前处理库). Default `<data>/staging`. */
  readonly stagingDir: string;
  /** Digests computed for every deposited file, in one read. SHA-256 always included. Default ["sha256"]. */
  readonly digests: readonly DigestAlgorithm[];
  /** Identity of the transparency log in checkpoints (C2SP tlog-checkpoint origin). Default `yinji.local/<centerId>`. */
  readonly logOrigin: string;
  /** Hash of the log and of the file trees: "sha256" (default) or "sm3" (国密). Fixed once the log has leaves. */
  readonly logHash: 'sha256' | 'sm3';
  /** Public address of the center, printed in certificates' QR codes. Default `http://127.0.0.1:8420`. */
  readonly publicUrl: string;
  /**
   * An external RFC 3161 time-stamp authority (e.g. a national time service) to stamp registrations
   * instead of the built-in one; if it fails, the built-in TSA stamps and a `timestamp-fallback`
   * event is recorded. Default null (built-in only).
   */
  readonly tsaUrl: string | null;
  /** PEM file of the external TSA's root certificate (required with tsaUrl; receipts carry it). Default null. */
  readonly tsaCaFile: string | null;
  /** Directory of the center's signing keys (log key, TSA). Every instance of one center needs the same keys. Default `<data>/keys`. */
  readonly keysDir: string;
  /**
   * Term of object leases and job claims, seconds: how long the work of an instance that died waits
   * before another instance takes it over. Instances' clocks must agree well within it (NTP). Default 60.
   */
  readonly leaseSeconds: number;
  /** Background job workers in `yinji serve` (fixity checks and audits now; replication, indexing later). 0 = none. Default 1. */
  readonly jobWorkers: number;
  /** Read rate limit of fixity audits, bytes/s, so audits never starve deposits and restores. 0 = unlimited. Default 0. */
  readonly fixityBytesPerSecond: number;
  /** How often `yinji serve` settles deposits that another, dead instance left half-done, seconds. Default 30. */
  readonly recoverySweepSeconds: number;
  /**
   * The four-properties check profile (checks/profile.ts): "default" (blocks only on wrong evidence),
   * "strict" (DA/T 70 as written), or an object naming its `base` and overriding items, ids, approved
   * formats and mandatory catalog fields. Default null (= "default").
   */
  readonly checkProfile: Readonly<Record<string, unknown>> | 'default' | 'strict' | null;
  /** The ClamAV daemon for virus checks: a socket path or `tcp://host:port`. Default null (virus items "not run"). */
  readonly clamd: string | null;
  /**
   * Also validate every PDF with `qpdf --check` (Debian package qpdf), which decodes every stream and so
   * finds damage the built-in structure check cannot — at about 100 PDFs/s on 2 cores. Default false.
   */
  readonly qpdfCheck: boolean;
  /**
   * Extract the text of registered records into the access store for full-text search (center/full-text.ts):
   * PDF, OFD, Office, HTML, XML and plain text. Default true.
   */
  readonly fullText: boolean;
  /**
   * The Tesseract executable that OCRs scanned images and image-only PDFs for full text, with its simplified-
   * Chinese model (Debian tesseract-ocr, tesseract-ocr-chi-sim); null = no OCR. When it is missing, OCR is
   * reported as not run. Default "tesseract".
   */
  readonly ocrCommand: string | null;
  /**
   * The catalog fields this center shares with its upper-level catalog center (catalog-share.ts), by name
   * (archivalCode, title, responsible, …). Only open entries are shared, and 题名 always. Default every
   * descriptive field but notes (附注, which often holds internal remarks).
   */
  readonly catalogShareFields: readonly string[];
  /** How often `yinji serve` pushes catalog changes to the upper-level catalog center, minutes; 0 = only by hand. Default 10. */
  readonly catalogPushMinutes: number;
  /** Re-run the preservation-stage (BC) checks on every registration every this many days. 0 = only on request. Default 0. */
  readonly recheckIntervalDays: number;
  /**
   * Periodic fixity audit of the whole store (巡检): every registration's head version is read back and
   * checked against its digests at least once every this many days (center/audit-schedule.ts), paced by
   * fixityBytesPerSecond. 0 = off (only the post-ingest check). Default 30.
   */
  readonly auditIntervalDays: number;
  /**
   * How often `yinji serve` anchors the security audit log's head in the transparency log, minutes (≥ 1);
   * skipped while nothing new was logged. Rewriting the log is detectable up to the last anchor. Default 60.
   */
  readonly auditAnchorMinutes: number;
  /** Largest package a resumable (tus) upload may declare in Upload-Length, bytes. Default 1 TiB. */
  readonly maxUploadBytes: number;
  /** An unfinished or unregistered resumable upload with no activity for this many hours is removed. 0 = never. Default 24. */
  readonly uploadExpiryHours: number;
  /**
   * Whether units' deposits over the HTTP API go through review (DOMAIN.md §3: submitted → reviewed by a
   * center operator → registered or returned). When false a unit's depositor registers directly; center
   * operators always may (e.g. a carrier received at the counter). Default true.
   */
  readonly reviewRequired: boolean;
  /**
   * Set when the API is served over HTTPS (directly or behind a TLS proxy): adds Strict-Transport-Security.
   * Session cookies are Secure either way (browsers accept them from http://localhost). Default false.
   */
  readonly httpsOnly: boolean;
  /**
   * Addresses of reverse proxies whose X-Forwarded-For is believed (client addresses for rate limits and the
   * audit log). Default loopback only: a proxy on the same machine.
   */
  readonly trustedProxies: readonly string[];
  /** Where the files this center keeps for partner centers live (馆际互备, issue 7). Default `<data>/hosted`. */
  readonly hostedDir: string;
  /**
   * First delay before a failed background job (a replication to a partner that is offline, say) is retried,
   * seconds; doubled per attempt up to 1024×. Default 5.
   */
  readonly jobRetrySeconds: number;
  /**
   * How often `yinji serve` asks its partner centers to cosign the log's latest checkpoint (witnessing, C2SP
   * tlog-witness), minutes; 0 = only on request (`yinji peer witness`). Default 10.
   */
  readonly witnessIntervalMinutes: number;
}

export const CONFIG_FILE = 'config.json';

export function defaultConfig(dataDir: string): CenterConfig {
  const data = resolve(dataDir);
  return {
    centerId: 'YINJI',
    centerName: '印记登记备份中心',
    regnoPattern: DEFAULT_REGNO_PATTERN,
    database: `sqlite:${join(data, 'yinji.db')}`,
    storageRoot: join(data, 'store'),
    s3Endpoint: null,
    s3Region: 'us-east-1',
    s3ObjectLockMode: null,
    s3ObjectLockDays: 3650,
    stagingDir: join(data, 'staging'),
    digests: ['sha256'],
    logOrigin: 'yinji.local/YINJI',
    logHash: 'sha256',
    publicUrl: 'http://127.0.0.1:8420',
    tsaUrl: null,
    tsaCaFile: null,
    keysDir: join(data, 'keys'),
    leaseSeconds: 60,
    jobWorkers: 1,
    fixityBytesPerSecond: 0,
    recoverySweepSeconds: 30,
    checkProfile: null,
    clamd: null,
    qpdfCheck: false,
    fullText: true,
    ocrCommand: 'tesseract',
    catalogShareFields: FIELD_ORDER.filter((f) => f !== 'notes' && f !== 'openStatus'),
    catalogPushMinutes: 10,
    recheckIntervalDays: 0,
    auditIntervalDays: 30,
    auditAnchorMinutes: 60,
    hostedDir: join(data, 'hosted'),
    jobRetrySeconds: 5,
    witnessIntervalMinutes: 10,
    maxUploadBytes: 1024 ** 4,
    uploadExpiryHours: 24,
    reviewRequired: true,
    httpsOnly: false,
    trustedProxies: ['127.0.0.1', '::1'],
  };
}

/** Load `<data>/config.json` over the defaults, check it once, freeze it. */
export function loadConfig(dataDir: string, overrides: Partial<CenterConfig> = {}): CenterConfig {
  const file = join(dataDir, CONFIG_FILE);
  let stored: Partial<CenterConfig> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<CenterConfig>;
    } catch (e) {
      throw new InvalidInputError(
        { zh: `配置文件 ${file} 不是有效的 JSON`, en: `config file ${file} is not valid JSON` },
        { cause: e },
      );
    }
  }
  const merged = { ...defaultConfig(dataDir), ...stored, ...overrides };
  // The origin follows a chosen center id unless set explicitly.
  const origin = stored.logOrigin ?? overrides.logOrigin ?? `yinji.local/${merged.centerId}`;
  return checkConfig({ ...merged, logOrigin: origin });
}

export function checkConfig(config: CenterConfig): CenterConfig {
  if (!/^[A-Za-z0-9]{1,16}$/.test(config.centerId)) {
    throw new InvalidInputError({
      zh: `中心代码 "${config.centerId}" 只能包含 1–16 个字母或数字`,
      en: `center id "${config.centerId}" must be 1–16 letters or digits`,
    });
  }
  validateRegnoPattern(config.regnoPattern);
  checkObjectLock(config);
  if (config.logHash !== 'sha256' && config.logHash !== 'sm3') {
    throw new InvalidInputError({ zh: `日志哈希只能是 sha256 或 sm3`, en: `logHash must be sha256 or sm3` });
  }
  if (!/^[\x21-\x7e]+$/.test(config.logOrigin) || config.logOrigin.includes('+')) {
    throw new InvalidInputError({
      zh: `日志标识 "${config.logOrigin}" 只能包含可见 ASCII 字符且不含 "+"`,
      en: `log origin "${config.logOrigin}" must be printable ASCII without "+"`,
    });
  }
  if ((config.tsaUrl === null) !== (config.tsaCaFile === null)) {
    throw new InvalidInputError({
      zh: '外部时间戳服务须同时配置 tsaUrl 与 tsaCaFile（其根证书）',
      en: 'an external TSA needs both tsaUrl and tsaCaFile (its root certificate)',
    });
  }
  for (const [field, min] of [
    ['leaseSeconds', 1],
    ['jobWorkers', 0],
    ['fixityBytesPerSecond', 0],
    ['recoverySweepSeconds', 1],
    ['recheckIntervalDays', 0],
    ['auditIntervalDays', 0],
    ['auditAnchorMinutes', 1],
    ['maxUploadBytes', 1],
    ['uploadExpiryHours', 0],
    ['jobRetrySeconds', 0],
    ['witnessIntervalMinutes', 0],
    ['catalogPushMinutes', 0],
  ] as const) {
    const value = config[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new InvalidInputError({
        zh: `配置项 ${field} 应为不小于 ${min} 的数字，而不是 ${JSON.stringify(value)}`,
        en: `config ${field} must be a number ≥ ${min}, not ${JSON.stringify(value)}`,
      });
    }
  }
  for (const field of ['reviewRequired', 'httpsOnly', 'fullText'] as const) {
    if (typeof config[field] !== 'boolean') {
      throw new InvalidInputError({
        zh: `配置项 ${field} 应为 true 或 false，而不是 ${JSON.stringify(config[field])}`,
        en: `config ${field} must be true or false, not ${JSON.stringify(config[field])}`,
      });
    }
  }
  if (config.ocrCommand !== null && (typeof config.ocrCommand !== 'string' || config.ocrCommand.trim() === '')) {
    throw new InvalidInputError({
      zh: `配置项 ocrCommand 应为 Tesseract 程序的路径或名称，或 null（不做 OCR），而不是 ${JSON.stringify(config.ocrCommand)}`,
      en: `config ocrCommand must name the Tesseract program, or be null (no OCR), not ${JSON.stringify(config.ocrCommand)}`,
    });
  }
  const shareable = (FIELD_ORDER as readonly string[]).filter((f) => f !== 'openStatus');
  const listed: unknown = config.catalogShareFields;
  if (!Array.isArray(listed) || !listed.every((f) => typeof f === 'string' && shareable.includes(f))) {
    throw new InvalidInputError({
      zh: `catalogShareFields 应为目录字段名的列表（${shareable.join('、')}），而不是 ${JSON.stringify(config.catalogShareFields)}`,
      en: `catalogShareFields must list catalog field names (${shareable.join(', ')}), not ${JSON.stringify(config.catalogShareFields)}`,
    });
  }
  if (
    !Array.isArray(config.trustedProxies) ||
    !config.trustedProxies.every((p) => isIP(String(p).split('/')[0]!) !== 0)
  ) {
    throw new InvalidInputError({
      zh: `trustedProxies 应为 IP 地址（或 CIDR 网段）的列表，而不是 ${JSON.stringify(config.trustedProxies)}`,
      en: `trustedProxies must be a list of IP addresses (or CIDR ranges), not ${JSON.stringify(config.trustedProxies)}`,
    });
  }
  const digests = [...new Set(['sha256', ...config.digests])];
  for (const d of digests) {
    if (!isDigestAlgorithm(d)) {
      throw new InvalidInputError({ zh: `未知的摘要算法 "${d}"`, en: `unknown digest algorithm "${d}"` });
    }
  }
  return Object.freeze({ ...config, digests: Object.freeze(digests as DigestAlgorithm[]) });
}

/** s3ObjectLockMode / s3ObjectLockDays: a known mode, whole days, and only for an S3 storage root. */
function checkObjectLock(config: CenterConfig): void {
  const mode = config.s3ObjectLockMode;
  if (mode !== null && mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') {
    throw new InvalidInputError({
      zh: `s3ObjectLockMode 只能是 "COMPLIANCE"、"GOVERNANCE" 或 null，而不是 ${JSON.stringify(mode)}`,
      en: `s3ObjectLockMode must be "COMPLIANCE", "GOVERNANCE" or null, not ${JSON.stringify(mode)}`,
    });
  }
  const days = config.s3ObjectLockDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new InvalidInputError({
      zh: `s3ObjectLockDays 应为 1–36500 的整数（天），而不是 ${JSON.stringify(days)}`,
      en: `s3ObjectLockDays must be a whole number of days from 1 to 36500, not ${JSON.stringify(days)}`,
    });
  }
  if (mode !== null && !config.storageRoot.startsWith('s3://')) {
    throw new InvalidInputError({
      zh: `s3ObjectLockMode 只适用于 s3:// 存储根，而存储根是 ${config.storageRoot}`,
      en: `s3ObjectLockMode applies only to an s3:// storage root, and the storage root is ${config.storageRoot}`,
    });
  }
}

/** Write `<data>/config.json` atomically (temp file + rename). */
export async function saveConfig(dataDir: string, config: CenterConfig): Promise<void> {
  const { mkdir, rename, writeFile } = await import('node:fs/promises');
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, CONFIG_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { flush: true });
  await rename(tmp, file);
}

export function configExists(dataDir: string): boolean {
  return existsSync(join(dataDir, CONFIG_FILE));
}
