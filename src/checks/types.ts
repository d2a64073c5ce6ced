/**
 * The four-properties check (四性检测, DA/T 70-2018; ../shared/DOMAIN.md §4):
 * the typed view of a deposit that check items read, the items themselves,
 * and the report they make.
 *
 * Checking is two steps. Probes (format identification and validation, the
 * catalog and EEP readers, the virus scanner) read the bytes once, streaming,
 * and fill a DepositView. Items are then small pure functions of that view,
 * so each is easy to test and to explain, and the order of items never
 * changes a result.
 */
import type { Message } from '../core/index.js';
import type { DigestAlgorithm } from '../digest/index.js';

/** 1 authenticity 真实性, 2 integrity 完整性, 3 usability 可用性, 4 security 安全性. */
export type CheckProperty = 1 | 2 | 3 | 4;

/** Filing 归档 (GD), transfer and receipt 移交与接收 (YJ), long-term preservation 长期保存 (BC). */
export type CheckStage = 'GD' | 'YJ' | 'BC';

export type CheckOutcome = 'pass' | 'fail' | 'warn' | 'not-applicable' | 'not-run';

/** What a finding is about (DA/T 70: record, package, file, carrier, environment). */
export interface CheckObject {
  readonly kind: 'package' | 'file' | 'record' | 'carrier' | 'environment';
  /** File path, 档号 or row, package name, carrier serial … */
  readonly ref: string;
}

/** One problem an item found (items report problems; no finding means the item passed). */
export interface Finding {
  readonly object: CheckObject;
  readonly reason: Message;
  /** Machine-readable facts, e.g. `{ expected, actual }`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * What an item's function returns: its findings, or that it does not apply
 * to this deposit (no catalog to check, say), or that it could not run (no
 * virus engine configured) — never a pass it did not earn.
 */
export type ItemVerdict =
  { readonly findings: readonly Finding[] } | { readonly notApplicable: Message } | { readonly notRun: Message };

export interface CheckItem {
  /** Stable internal key, e.g. "archival-code"; profiles and reports also show the DA/T 70 id. */
  readonly key: string;
  readonly property: CheckProperty;
  /** The item number n in `GD-p-n` / `YJ-p-n` / `BC-p-n`. */
  readonly number: number;
  readonly stages: readonly CheckStage[];
  readonly title: Message;
  readonly run: (view: DepositView) => ItemVerdict;
}

// ---------------------------------------------------------------- the view

/** A digest as a form or manifest names it: any algorithm, lower-case hex. */
export interface DeclaredDigest {
  /** As named where it was declared ("MD5", "SHA-256", "SM3", …), normalised to Yinji's names. */
  readonly algorithm: DigestAlgorithm;
  readonly value: string;
  /** Where it was declared, e.g. "manifest-md5.txt", "catalog row 12", "EEP". */
  readonly source: string;
}

/** What content-based identification and validation found about one file. */
export interface FormatReport {
  /**
   * Identified format, by content (magic bytes and structure), never by the
   * extension: 'pdf', 'ofd', 'jpeg', 'png', 'tiff', 'gif', 'bmp', 'xml',
   * 'docx', 'xlsx', 'pptx', 'doc', 'xls', 'ppt', 'zip', 'rar', '7z', 'text',
   * 'empty', 'unknown', …
   */
  readonly format: string;
  /** Human-readable name, e.g. "PDF 1.7", "PDF/A-1b", "OFD (GB/T 33190)". */
  readonly name: string;
  readonly mime: string;
  /** Version or profile where known: "1.7", "PDF/A-2b" … */
  readonly version?: string;
  /** PDF/A part and conformance when the PDF declares it (XMP pdfaid), e.g. "1b". */
  readonly pdfa?: string;
  /** Whether the file's extension names a different format than its content ("fake extension"). */
  readonly extensionMismatch: boolean;
  /** Structure validated: true valid, false broken, undefined when no validator exists for the format. */
  readonly valid?: boolean;
  /** Why it is not valid (first problems found). */
  readonly problems: readonly Message[];
  /** Encrypted or password-protected content (PDF /Encrypt, encrypted OOXML, encrypted zip entries). */
  readonly encrypted: boolean;
}

export interface FileView {
  /** Path inside the package, '/'-separated. */
  readonly path: string;
  readonly size: number;
  /** Digests computed by Yinji while staging (sha256 always; others as configured or declared). */
  readonly digests: Partial<Record<DigestAlgorithm, string>>;
  /** Digests the depositor declared for this file (bag manifests, catalog, EEP, form). */
  readonly declaredDigests: readonly DeclaredDigest[];
  /** Filled by the format probe; undefined when it was not run. */
  readonly format?: FormatReport;
}

/** One metadata record (a catalog row, an EEP metadata block), fields by their Chinese names. */
export interface CatalogRecord {
  /** Where it came from, e.g. "目录.xlsx 第 3 行" / "catalog.csv row 3". */
  readonly source: string;
  /** 档号, 题名, 责任者, 日期, 保管期限, 密级, 页数, 文号, 备注, 计算机文件名, 件号, 全宗号, 年度 … as given (trimmed). */
  readonly fields: Readonly<Record<string, string>>;
  /** Files of the package this record describes (from 计算机文件名, or files named after the 档号). */
  readonly files: readonly string[];
  /** Fields whose value had leading or trailing spaces before trimming (item 1-6 reports them). */
  readonly padded?: readonly string[];
}

/** Metadata that came with the package, and how reading it went. */
export interface CatalogView {
  /** The catalog file(s) read, e.g. ["目录.xlsx"]; empty when the package had none. */
  readonly sources: readonly string[];
  readonly records: readonly CatalogRecord[];
  /** Column headings found (as written), for the "metadata elements complete" item. */
  readonly columns: readonly string[];
  /** Catalog or package metadata that could not be read (bad encoding, malformed XML, unreadable xlsx). */
  readonly problems: readonly Finding[];
}

/** An e-signature found in the package and whether it verifies. */
export interface SignatureView {
  readonly object: CheckObject;
  /** e.g. "RSA-SHA1", "SM2-SM3", "Ed25519". */
  readonly algorithm: string;
  /** 'verified' | 'invalid' (does not match the signed data) | 'unsupported' (algorithm we cannot check). */
  readonly status: 'verified' | 'invalid' | 'unsupported';
  readonly reason?: Message;
}

export type VirusScanView =
  | {
      readonly ran: true;
      /** e.g. "ClamAV 1.4.2/27000" */
      readonly engine: string;
      readonly infected: readonly { readonly path: string; readonly signature: string }[];
    }
  | {
      readonly ran: false;
      readonly reason: Message;
      /** An engine is configured but could not be used (clamd down): a failure, not "not run". */
      readonly configured?: boolean;
    };

/** What the depositor declared about the package as a whole (registration form, bag-info.txt, EEP). */
export interface DeclaredPackage {
  readonly itemCount?: number;
  readonly fileCount?: number;
  readonly byteCount?: number;
  readonly packageDigest?: Omit<DeclaredDigest, 'source'> & { readonly source?: string };
  /** Files the depositor listed (bag manifest, catalog 计算机文件名), package paths. */
  readonly files?: readonly string[];
}

export interface DepositView {
  readonly package: {
    /** File or folder name as received. */
    readonly name: string;
    readonly kind: 'folder' | 'zip' | 'tar' | 'bag' | 'eep';
    /** Size of the received package file (archives, EEP); undefined for a folder. */
    readonly size?: number;
    /** Digests of the received package file as computed by Yinji. */
    readonly digests?: Partial<Record<DigestAlgorithm, string>>;
  };
  readonly declared: DeclaredPackage;
  /** Every content file (metadata files such as the catalog, bag tag files and EEP wrappers excluded), sorted by path. */
  readonly files: readonly FileView[];
  /** Files of the package that are metadata, not content: catalog, bag tag files … */
  readonly metadataFiles: readonly string[];
  readonly catalog: CatalogView;
  readonly signatures: readonly SignatureView[];
  readonly virusScan: VirusScanView;
  /** Profile settings items read (approved formats, mandatory fields …). */
  readonly settings: CheckSettings;
  /**
   * When the check runs (ISO 8601): items judging dates ("not in the future") read it here rather than
   * from a clock, so they stay pure. Absent only in hand-built views.
   */
  readonly checkedAt?: string;
}

/** Settings of a center's check profile that items read. */
export interface CheckSettings {
  /** Formats approved for long-term preservation (FormatReport.format values, plus "pdfa" for any PDF/A). */
  readonly approvedFormats: readonly string[];
  /** Catalog fields every record must fill (DA/T 46 core set by default). */
  readonly mandatoryFields: readonly string[];
  /** Whether the center is accredited for classified material (密级 秘密/机密/绝密). Default false. */
  readonly classifiedSystem: boolean;
}
