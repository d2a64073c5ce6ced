import { StorageError } from '../core/index.js';
import type { Digests } from '../digest/index.js';

/**
 * The registration record stored inside each OCFL version at
 * `metadata/registration.json`, beside the deposited files under `data/`.
 *
 * It makes every object self-describing (an archive can read who deposited
 * what, when, with which timestamps, with no Yinji and no database), and it
 * is what start-up recovery reads to finish a registration whose store
 * commit landed but whose database rows did not (center/recovery.ts).
 */
export interface RegistrationRecord {
  readonly format: typeof RECORD_FORMAT;
  readonly centerId: string;
  readonly regno: string;
  readonly objectId: string;
  readonly version: number;
  readonly unit: { readonly code: string; readonly name: string };
  readonly title: string;
  /** 密级 (auth/roles.ts Classification) as admitted at deposit; absent in records before 007: open. */
  readonly classification?: string;
  /** ISO 8601 UTC. */
  readonly created: string;
  readonly message: string;
  /** What the deposit arrived as: folder, zip, tar. */
  readonly sourceKind: string;
  readonly fileCount: number;
  readonly byteCount: number;
  readonly files: readonly RecordFile[];
  /** Directories of the deposit, including empty ones (OCFL stores files only, §3.3). */
  readonly dirs: readonly string[];
}

export interface RecordFile {
  /** Path relative to the deposit root, '/'-separated, NFC. Stored at `data/<path>`. */
  readonly path: string;
  readonly size: number;
  /** Last-modified time of the deposited file, ISO 8601; restore sets it back. */
  readonly mtime: string;
  readonly digests: Digests & { sha256: string };
}

export const RECORD_FORMAT = 'yinji-registration-record/1';
/** Logical paths inside an object (content under data/, like a BagIt payload). */
/** The four-properties check report of the version (checks/run.ts), beside the record. */
export const CHECK_REPORT_PATH = 'metadata/check-report.json';

export const RECORD_PATH = 'metadata/registration.json';
export const PAYLOAD_PREFIX = 'data/';

export function payloadPath(depositPath: string): string {
  return PAYLOAD_PREFIX + depositPath;
}

/** Parse a stored record; anything else at that path means the object was altered. */
export function parseRecord(text: string): RegistrationRecord {
  let value: Partial<RegistrationRecord> | undefined;
  try {
    value = JSON.parse(text) as Partial<RegistrationRecord>;
  } catch {
    value = undefined;
  }
  if (value?.format !== RECORD_FORMAT || !Array.isArray(value.files)) {
    throw new StorageError('E_STORAGE_CORRUPT', {
      zh: `保存对象中的 ${RECORD_PATH} 不是有效的登记记录（${RECORD_FORMAT}）`,
      en: `${RECORD_PATH} in the object is not a valid registration record (${RECORD_FORMAT})`,
    });
  }
  return value as RegistrationRecord;
}
