import type { DigestAlgorithm, Digests } from '../digest/index.js';
import type { NameWarning } from './safe-path.js';

export type DepositKind = 'folder' | 'zip' | 'tar';

export interface DepositFile {
  /** Safe relative name, '/'-separated, Unicode NFC. */
  readonly path: string;
  /** The name as it is under `root` on disk; differs from `path` only for a folder holding NFD names. */
  readonly fsPath: string;
  readonly size: number;
  readonly mtime: Date;
  /** Lower-case hex per requested algorithm (empty for `scanFolder` without hashing). */
  readonly digests: Digests;
}

export interface StagedDeposit {
  readonly kind: DepositKind;
  /** Where the files now are: the staging directory, or the folder itself (folders are not copied). */
  readonly root: string;
  /** Sorted by path. */
  readonly files: DepositFile[];
  /** Every directory, explicit or implied, including empty ones; sorted. */
  readonly dirs: string[];
  /** Things the depositor should know but that do not block the deposit (case-only name collisions). */
  readonly warnings: NameWarning[];
}

export interface StageOptions {
  /** Digests computed while extracting/scanning. Default ['sha256']. */
  readonly algorithms?: readonly DigestAlgorithm[];
  readonly signal?: AbortSignal;
  /** Called as bytes are read; cumulative bytes and completed files. */
  /** `totalBytes` is given once known (a folder: after its walk; an archive: never in advance). */
  readonly onProgress?: (bytes: number, files: number, totalBytes?: number) => void;
  /** Refuse a deposit whose content exceeds this many bytes (declared or actual). Default: no limit. */
  readonly maxBytes?: number;
}
