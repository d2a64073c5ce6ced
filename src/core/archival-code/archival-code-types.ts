/**
 * Types and code lists of the 档号 grammar (see archival-code.ts for the
 * grammar itself and the standards it follows).
 */
import type { Message } from '../errors.js';

/** Record class codes (档案门类代码), DA/T 13-2022 practice, with their Chinese names. */
export const RECORD_CLASSES: Readonly<Record<string, string>> = Object.freeze({
  WS: '文书',
  KJ: '科技',
  RS: '人事',
  KU: '会计',
  ZY: '专业',
  ZP: '照片',
  LY: '录音',
  LX: '录像',
  SJ: '业务数据',
  YJ: '电子邮件',
  WY: '网页',
  MT: '社交媒体',
  SW: '实物',
});

/** Current retention codes: 永久, 定期30年, 定期10年 (SAAC Order No. 8, 2006, replaced 长期/短期). */
export type RetentionCode = 'Y' | 'D30' | 'D10';
/** Before 2006: C 长期, D 短期. Parsed so they can be reported as obsolete, not as garbage. */
export type ObsoleteRetentionCode = 'C' | 'D';

export const RETENTION_PERIODS: Readonly<Record<RetentionCode | ObsoleteRetentionCode, string>> = Object.freeze({
  Y: '永久',
  D30: '定期30年',
  D10: '定期10年',
  C: '长期',
  D: '短期',
});

export interface ArchivalCodeGrammar {
  /** Levels a center uses: 'item' 全宗号-类别号-件号, 'volume' 全宗号-类别号-案卷号-件号. Default both. */
  readonly levels?: readonly ('item' | 'volume')[];
  /** The 机构（问题）代码 sub-part of 类别号. Default 'optional'. */
  readonly department?: 'optional' | 'required' | 'none';
  /** Allowed 门类代码. Default the keys of RECORD_CLASSES. */
  readonly recordClasses?: readonly string[];
  /** Earliest plausible year. Default 1900. */
  readonly minYear?: number;
  /** Latest plausible year. Default the current year (give it in tests). */
  readonly maxYear?: number;
  /** Digits 件号 is zero-padded to; 0 accepts any width. Default 4. */
  readonly itemDigits?: number;
  /** Digits 案卷号 is zero-padded to; 0 accepts any width. Default 4. */
  readonly volumeDigits?: number;
  /** Longest 全宗号. Default 10. */
  readonly fondsMaxLength?: number;
  /** Accept the DA/T 22-2015 form (保管期限 and 机构代码 joined by "-"). Default true. */
  readonly acceptDaT22?: boolean;
}

export interface ArchivalCode {
  /** 全宗号 */
  readonly fonds: string;
  /** 门类代码, e.g. "WS". */
  readonly recordClass: string;
  /** 年度 */
  readonly year: number;
  /** 保管期限代码 */
  readonly retention: RetentionCode | ObsoleteRetentionCode;
  /** 机构（问题）代码, e.g. "BGS"; several sub-parts stay joined by "·". */
  readonly department?: string;
  /** 案卷号 as written, volume level only. */
  readonly volume?: string;
  readonly volumeNumber?: number;
  /** 件号 as written, e.g. "0001". */
  readonly item: string;
  readonly itemNumber: number;
  readonly form: 'DA/T 13-2022' | 'DA/T 22-2015';
  /** The code as DA/T 13-2022 writes it (standard separators, upper case). */
  readonly normalized: string;
}

export type ArchivalCodeProblemKind =
  | 'empty'
  | 'whitespace'
  | 'lookalike'
  | 'full-width'
  | 'lower-case'
  | 'character'
  | 'structure'
  | 'form'
  | 'fonds'
  | 'record-class'
  | 'year'
  | 'retention'
  | 'obsolete-retention'
  | 'department'
  | 'volume'
  | 'item';

export interface ArchivalCodeProblem extends Message {
  readonly kind: ArchivalCodeProblemKind;
}

/**
 * A code that parsed cleanly, or its problems. When only the spelling or a
 * value is wrong (look-alike separators, unknown class, year out of range)
 * `code` still carries the best reading, so other checks can group by it.
 */
export type ArchivalCodeResult =
  | { readonly ok: true; readonly code: ArchivalCode }
  | { readonly ok: false; readonly problems: readonly ArchivalCodeProblem[]; readonly code?: ArchivalCode };
