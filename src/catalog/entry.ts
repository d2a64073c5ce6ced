/**
 * A catalog entry (目录条目): the archival description of one record, with the
 * core fields of DA/T 46-2009 §5 / GB/T 18894-2016 Appendix A that county and
 * city archives fill in their 文件级目录, plus the open status (开放 / 控制,
 * 档案法 §27) and an optional link to the registration that preserves the file.
 */

/** 开放 = the public may see the entry and its full text; 控制 = only as the access rules allow. */
export type OpenStatus = 'open' | 'controlled';

export const OPEN_STATUSES: readonly OpenStatus[] = ['open', 'controlled'];

/** The descriptive fields, as a unit supplies them. Every field but 题名 is optional. */
export interface CatalogFields {
  /** 档号, e.g. "J001-WS·2020-Y-BGS-0012" (DA/T 13-2022 §5): 全宗号-门类代码·年度-保管期限-机构(问题)代码-件号. */
  readonly archivalCode?: string;
  /** 全宗号 (from the 档号 when not given). */
  readonly fonds?: string;
  /** 档案门类/类别代码, e.g. WS 文书, KJ 科技, KU 会计 (from the 档号 when not given). */
  readonly category?: string;
  /** 年度 (from the 档号 or the date when not given). */
  readonly year?: number;
  /** 件号 / 卷号 (from the 档号 when not given). */
  readonly itemNumber?: string;
  /** 题名 (required). */
  readonly title: string;
  /** 责任者 (several are separated by ";" or "；"). */
  readonly responsible?: string;
  /** 日期, normalised to YYYY-MM-DD, YYYY-MM or YYYY. */
  readonly date?: string;
  /** 文号, e.g. "浙档发〔2020〕12号". */
  readonly documentNumber?: string;
  /** 机构或问题 (organisational unit or subject). */
  readonly orgOrIssue?: string;
  /** 保管期限: 永久, 定期30年, 定期10年 (or the older 长期, 短期). */
  readonly retention?: string;
  /** 密级 as recorded (e.g. 公开, 内部); classified records are not held here at all. */
  readonly classification?: string;
  /** 页数. */
  readonly pages?: number;
  /** 关键词 / 主题词. */
  readonly keywords?: string;
  /** 附注. */
  readonly notes?: string;
  readonly openStatus: OpenStatus;
}

/** An entry as stored. */
export interface CatalogEntry extends CatalogFields {
  readonly id: number;
  /** The depositing unit's code. */
  readonly unitCode: string;
  /** Registration that preserves the record, and the file's path in it, when linked. */
  readonly regno?: string;
  readonly filePath?: string;
  /** Where the entry came from: a bulk import, a deposit's catalog file, or a partner center. */
  readonly source: 'import' | 'deposit' | 'peer';
  readonly createdAt: string;
  readonly updatedAt: string;
}
