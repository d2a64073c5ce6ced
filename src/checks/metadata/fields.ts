/**
 * Catalog field names: the canonical Chinese names items read
 * (CatalogRecord.fields), the variants archivists write in catalog
 * headings, and the value rules of each field.
 */

/**
 * Canonical name by heading variant. Headings are compared after
 * `headingKey` (NFKC, no spaces, no trailing "*"), so "题  名", "题名*" and
 * "机构（问题）" all match. Canonical names follow GB/T 18894-2016 / DA/T 46-2009
 * and the catalog forms of DA/T 22-2015; variants are those seen on vendor
 * templates. A heading that is not listed stays as written.
 */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  档号: ['档号', '档案号'],
  题名: ['题名', '文件题名', '标题', '题目'],
  责任者: ['责任者', '文件责任者', '作者'],
  日期: ['日期', '形成时间', '成文日期', '文件日期', '形成日期', '发文日期'],
  保管期限: ['保管期限', '保存期限'],
  密级: ['密级'],
  页数: ['页数', '总页数'],
  文号: ['文号', '文件编号', '发文字号', '发文号'],
  备注: ['备注', '附注'],
  计算机文件名: ['计算机文件名', '文件名', '电子文件名', '电子文件名称', '文件路径', '电子文件路径'],
  全宗号: ['全宗号', '全宗代号'],
  年度: ['年度', '归档年度'],
  件号: ['件号'],
  案卷号: ['案卷号'],
  门类代码: ['门类代码', '档案门类代码'],
  机构或问题: ['机构或问题', '机构(问题)', '机构/问题', '机构问题'],
  实体分类号: ['实体分类号', '分类号'],
};

const CANONICAL: ReadonlyMap<string, string> = new Map(
  Object.entries(ALIASES).flatMap(([canonical, variants]) => variants.map((v) => [headingKey(v), canonical])),
);

/** What two headings are compared by: NFKC (full-width to half-width), no whitespace, no trailing "*" (required mark). */
export function headingKey(heading: string): string {
  return heading
    .normalize('NFKC')
    .replace(/[\s\u200b\ufeff]+/gu, '')
    .replace(/[*:]+$/u, '');
}

/** The canonical field name of a catalog heading, or the heading (trimmed) when it is not a known one. */
export function canonicalField(heading: string): string {
  return CANONICAL.get(headingKey(heading)) ?? heading.trim();
}

/** Whether a heading is one of the known catalog fields (any variant). */
export function isKnownField(heading: string): boolean {
  return CANONICAL.has(headingKey(heading));
}

/**
 * DA/T 46-2009 core set as practised: the five fields every Chinese catalog
 * form (DA/T 22-2015 归档文件目录) has and every records system makes
 * mandatory. They identify the record (档号), say what it is (题名), who made
 * it (责任者) and when (日期), and decide how long it is kept (保管期限); the
 * others (文号, 页数, 密级 …) are legitimately empty for many records.
 */
export const DEFAULT_MANDATORY_FIELDS: readonly string[] = Object.freeze([
  '档号',
  '题名',
  '责任者',
  '日期',
  '保管期限',
]);

/**
 * Longest value per field, in characters (code points). DA/T 46-2009 fixes
 * no lengths; these are the column widths records systems built to DA/T 46
 * commonly use (题名 500 …) *(verify against a center's own system)*. A value
 * longer than its column is truncated on import somewhere downstream, so it
 * is reported rather than silently cut.
 */
export const FIELD_MAX_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  档号: 50,
  题名: 500,
  责任者: 200,
  文号: 100,
  日期: 20,
  保管期限: 10,
  密级: 20,
  页数: 10,
  件号: 10,
  案卷号: 10,
  年度: 4,
  全宗号: 20,
  门类代码: 10,
  机构或问题: 100,
  实体分类号: 50,
  计算机文件名: 1000,
  备注: 1000,
});

/** 保管期限 values: the names and the codes (DA/T 13-2022), current ones. */
export const RETENTION_VALUES: Readonly<Record<string, 'Y' | 'D30' | 'D10'>> = Object.freeze({
  永久: 'Y',
  定期30年: 'D30',
  定期10年: 'D10',
  Y: 'Y',
  D30: 'D30',
  D10: 'D10',
});

/** Obsolete 保管期限 values (before SAAC Order No. 8, 2006). */
export const OBSOLETE_RETENTION_VALUES: Readonly<Record<string, 'C' | 'D'>> = Object.freeze({
  长期: 'C',
  短期: 'D',
  C: 'C',
  D: 'D',
});

/** 密级: non-secret practice labels, then the three state-secret levels (保密法). */
export const OPEN_LEVELS: readonly string[] = ['公开', '内部'];
export const CLASSIFIED_LEVELS: readonly string[] = ['秘密', '机密', '绝密'];

/**
 * The state-secret level a 密级 value marks, if any. Documents write the
 * level alone or with its period after a star (GB/T 9704-2012: "秘密★1年").
 */
export function classifiedLevel(value: string): string | undefined {
  const v = value.normalize('NFKC').replace(/\s+/gu, '');
  return CLASSIFIED_LEVELS.find((level) => v === level || v.startsWith(`${level}★`) || v.startsWith(`${level}*`));
}

export interface DateValue {
  readonly year: number;
  readonly month?: number;
  readonly day?: number;
}

/**
 * A 日期 value: YYYYMMDD (DA/T 46, GB/T 7408 basic format), YYYY-MM-DD, or
 * YYYY alone (undated records are dated by year). YYYY-MM-DD may carry a
 * time ("T" or a space, then HH:MM[:SS]) since 形成时间 columns often do.
 * Calendar dates are checked (no 2011-02-30). Undefined when not a date.
 */
export function parseDateValue(value: string): DateValue | undefined {
  const m =
    /^(\d{4})(\d{2})(\d{2})$/u.exec(value) ??
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?$/u.exec(value);
  if (m === null) return /^\d{4}$/u.test(value) ? { year: Number(value) } : undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return { year, month, day };
}
