import type { Message } from '../../core/index.js';
import type { CatalogView, DeclaredPackage, Finding, SignatureView } from '../types.js';

/** A content file decoded out of the package. */
export interface EepFile {
  /** Path under outDir, '/'-separated; files of a nested original package sit under 原封装包/. */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the decoded bytes, computed while writing. */
  readonly sha256: string;
  /** 计算机文件大小 as the package states it, when it is a number. */
  readonly declaredSize?: number;
  /** 格式信息 (or its 格式名称) as the package states it. */
  readonly format?: string;
}

export interface EepReadResult {
  readonly files: readonly EepFile[];
  /** One record per 文件实体 of the current version (the outermost layer of a modified package). */
  readonly catalog: CatalogView;
  readonly signatures: readonly SignatureView[];
  readonly declared: DeclaredPackage;
  /**
   * Malformed XML and missing or unsafe parts, each about the package (object.kind 'package');
   * bad input is reported here, never thrown. Not repeated in catalog.problems: the caller
   * puts them there for item 3-1 (package-metadata).
   */
  readonly problems: readonly Finding[];
  /** How many modified packages wrap the original: 0 for an original package (原始型). */
  readonly nested: number;
}

export interface EepReadOptions {
  readonly signal?: AbortSignal;
  /** Shown as the package in findings and record sources. Default: the file's base name. */
  readonly name?: string;
}

/** Byte range [start, end) of an element in the file, start at its '<', end after its last '>'. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A 电子签名 or 锁定签名 as read, before verification. */
export interface SignatureDraft {
  readonly kind: 'signature' | 'lock';
  /** Nesting depth of the package layer it belongs to (0 = outermost). */
  readonly depth: number;
  /** 1-based position among the signatures of its layer, for refs when 签名标识符 is missing. */
  readonly index: number;
  readonly fields: Map<string, string>;
  readonly certificates: string[];
  /** The signature element's own bytes (what a 锁定签名 signs). */
  range?: ByteRange;
}

/** What a package layer (the outer package, or an 原封装包 inside a modified one) signs. */
export interface LayerDraft {
  readonly depth: number;
  signed?: ByteRange;
  readonly signatures: SignatureDraft[];
}

export function packageFinding(ref: string, reason: Message, details?: Record<string, unknown>): Finding {
  return details === undefined
    ? { object: { kind: 'package', ref }, reason }
    : { object: { kind: 'package', ref }, reason, details };
}
