/**
 * Checks of one record's values on their own, for the metadata items:
 * length (1-2), type and format (1-3), domain (1-4), illegal characters (1-6).
 */
import type { Message } from '../../core/index.js';
import type { CatalogRecord, Finding } from '../types.js';
import { RECORD_CLASSES } from '../../core/archival-code/index.js';
import {
  FIELD_MAX_LENGTHS,
  OBSOLETE_RETENTION_VALUES,
  OPEN_LEVELS,
  RETENTION_VALUES,
  classifiedLevel,
  parseDateValue,
} from './fields.js';

const value = (r: CatalogRecord, field: string): string => r.fields[field] ?? '';

/** A finding about one record: the object is its 档号 (or its row when it has none); details name the row. */
export function recordFinding(r: CatalogRecord, reason: Message, details: Record<string, unknown> = {}): Finding {
  return {
    object: { kind: 'record', ref: value(r, '档号') || r.source },
    reason,
    details: { row: r.source, ...details },
  };
}

/** 1-2: every field with a limit is at most that many characters (code points, as a database column counts them). */
export function checkLength(r: CatalogRecord, limits: Readonly<Record<string, number>> = FIELD_MAX_LENGTHS): Finding[] {
  const out: Finding[] = [];
  for (const [field, v] of Object.entries(r.fields)) {
    const max = limits[field];
    if (max === undefined || v.length <= max) continue; // UTF-16 units ≥ code points
    const length = [...v].length;
    if (length > max) {
      out.push(
        recordFinding(
          r,
          {
            zh: `${field}长 ${length} 字，超过 ${max} 字`,
            en: `${field} is ${length} characters long; at most ${max}`,
          },
          { field, length, max },
        ),
      );
    }
  }
  return out;
}

/** Fields where line breaks and tabs are normal text. */
const MULTILINE_FIELDS = new Set(['备注']);

/**
 * What counts as illegal in a metadata value, and why: characters a record
 * system or XML export cannot carry (C0/C1 controls, lone surrogates,
 * non-characters), traces of a wrong decoding (U+FFFD), characters with no
 * agreed meaning (private use, often from a font's own glyphs) and invisible
 * ones that make equal-looking values differ (zero-width space, BOM, line
 * separators). Line breaks and tabs only where text may have several lines.
 */
const RULES: readonly { readonly re: RegExp; readonly zh: string; readonly en: string; readonly multiline?: true }[] = [
  { re: /[\t\n\r]/u, zh: '换行符或制表符', en: 'line breaks or tabs', multiline: true },
  { re: /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u, zh: '控制字符', en: 'control characters' },
  {
    re: /\ufffd/u,
    zh: '替换字符 U+FFFD（编码转换出错的痕迹）',
    en: 'U+FFFD replacement characters (left by a wrong decoding)',
  },
  { re: /[\ue000-\uf8ff\u{f0000}-\u{10ffff}]/u, zh: '私用区字符', en: 'private-use characters' },
  { re: /\p{Cs}|[\ufffe\uffff]/u, zh: '无效的 Unicode 字符', en: 'invalid Unicode characters' },
  {
    re: /[\u200b\u2028\u2029\ufeff]/u,
    zh: '不可见字符（零宽空格、BOM 等）',
    en: 'invisible characters (zero-width space, BOM …)',
  },
];

const codePoints = (v: string, re: RegExp): string[] => {
  const global = new RegExp(re.source, 'gu');
  const found = new Set(
    [...v.matchAll(global)].map((m) => `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`),
  );
  return [...found].slice(0, 5);
};

/**
 * 1-6: no illegal characters (above). Leading or trailing spaces are a
 * finding too, but their reason says it is a warning: the value was trimmed
 * for checking and reads correctly. Catalog rows carry `padded` for that
 * (their fields are already trimmed); values from other readers are looked at
 * as given.
 */
export function checkIllegalCharacters(r: CatalogRecord & { readonly padded?: readonly string[] }): Finding[] {
  const out: Finding[] = [];
  for (const [field, v] of Object.entries(r.fields)) {
    const kinds = RULES.filter((rule) => !(rule.multiline && MULTILINE_FIELDS.has(field)) && rule.re.test(v));
    if (kinds.length > 0) {
      const chars = kinds.flatMap((k) => codePoints(v, k.re));
      out.push(
        recordFinding(
          r,
          {
            zh: `${field}含有${kinds.map((k) => k.zh).join('、')}（${chars.join(' ')}）`,
            en: `${field} contains ${kinds.map((k) => k.en).join(', ')} (${chars.join(' ')})`,
          },
          { field, characters: chars },
        ),
      );
    }
    if (r.padded?.includes(field) || (v !== v.trim() && v.trim() !== '')) {
      out.push(
        recordFinding(
          r,
          {
            zh: `警告：${field}首尾有空格（检测时已去除）`,
            en: `warning: ${field} has leading or trailing spaces (trimmed for checking)`,
          },
          { field, level: 'warning' },
        ),
      );
    }
  }
  return out;
}

const INTEGER_FIELDS = ['页数', '件号', '案卷号'];

/** 1-3: 日期 is a date (parseDateValue), 页数/件号/案卷号 integers, 年度 four digits. */
export function checkType(r: CatalogRecord): Finding[] {
  const out: Finding[] = [];
  const date = value(r, '日期');
  if (date !== '' && parseDateValue(date) === undefined) {
    out.push(
      recordFinding(
        r,
        {
          zh: `日期 “${date}” 不是有效日期，应为 YYYYMMDD、YYYY-MM-DD 或 YYYY`,
          en: `日期 (date) "${date}" is not a valid date; expected YYYYMMDD, YYYY-MM-DD or YYYY`,
        },
        { field: '日期', value: date },
      ),
    );
  }
  for (const field of INTEGER_FIELDS) {
    const v = value(r, field);
    if (v !== '' && !/^\d+$/u.test(v)) {
      out.push(
        recordFinding(
          r,
          { zh: `${field} “${v}” 应为整数`, en: `${field} "${v}" must be a whole number` },
          { field, value: v },
        ),
      );
    }
  }
  const year = value(r, '年度');
  if (year !== '' && !/^\d{4}$/u.test(year)) {
    out.push(
      recordFinding(
        r,
        { zh: `年度 “${year}” 应为 4 位数字`, en: `年度 (year) "${year}" must be 4 digits` },
        { field: '年度', value: year },
      ),
    );
  }
  return out;
}

/** 1-4: 保管期限, 密级 and 门类代码 take values from their lists. */
export function checkDomain(r: CatalogRecord, classes: readonly string[]): Finding[] {
  const out: Finding[] = [];
  const retention = value(r, '保管期限');
  if (retention !== '' && RETENTION_VALUES[retention] === undefined) {
    const obsolete = OBSOLETE_RETENTION_VALUES[retention] !== undefined;
    out.push(
      recordFinding(
        r,
        obsolete
          ? {
              zh: `保管期限 “${retention}” 为 2006 年前的旧期限，现行为 永久、定期30年、定期10年`,
              en: `保管期限 (retention) "${retention}" is a pre-2006 period; current ones are 永久, 定期30年, 定期10年`,
            }
          : {
              zh: `保管期限 “${retention}” 应为 永久、定期30年、定期10年（或 Y、D30、D10）`,
              en: `保管期限 (retention) "${retention}" must be 永久, 定期30年, 定期10年 (or Y, D30, D10)`,
            },
        { field: '保管期限', value: retention, obsolete },
      ),
    );
  }
  const secrecy = value(r, '密级');
  if (secrecy !== '' && !OPEN_LEVELS.includes(secrecy) && classifiedLevel(secrecy) === undefined) {
    out.push(
      recordFinding(
        r,
        {
          zh: `密级 “${secrecy}” 应为 公开、内部、秘密、机密、绝密 或空`,
          en: `密级 (classification) "${secrecy}" must be 公开, 内部, 秘密, 机密, 绝密 or empty`,
        },
        { field: '密级', value: secrecy },
      ),
    );
  }
  const cls = value(r, '门类代码');
  if (cls !== '' && !classes.includes(cls) && !classes.some((c) => RECORD_CLASSES[c] === cls)) {
    out.push(
      recordFinding(
        r,
        {
          zh: `门类代码 “${cls}” 不在 ${classes.join('、')} 之中`,
          en: `record class "${cls}" is not one of ${classes.join(', ')}`,
        },
        { field: '门类代码', value: cls },
      ),
    );
  }
  return out;
}
