/**
 * 档号 (archival reference code): parse, validate and normalise.
 *
 * Grammar chosen (DA/T 13-2022 《档号编制规则》, DA/T 22-2015 《归档文件整理规则》;
 * ../shared/DOMAIN.md §5):
 *
 *     item level     全宗号-类别号-件号               Z109-WS·2011·Y·BGS-0001
 *     volume level   全宗号-类别号-案卷号-件号         Z109-KJ·2011·Y-0003-0012
 *     类别号        = 门类代码·年度·保管期限代码[·机构（问题）代码]
 *
 * "-" joins codes of different levels and "·" (U+00B7 MIDDLE DOT) the
 * sub-parts of one level (DA/T 13-2022). The earlier DA/T 22-2015 wrote the
 * same elements as 全宗号-门类代码·年度-保管期限-机构（问题）代码-件号; such
 * codes were correct when they were assigned, so they parse without a
 * problem (`form: 'DA/T 22-2015'`) unless a center turns that off. Codes are
 * written with upper-case Latin letters and Arabic digits only.
 *
 * What a center may change (ArchivalCodeGrammar): which levels it uses
 * (item, volume), whether the 机构（问题）代码 is required, optional or
 * absent, the record classes, the plausible years, and how many digits
 * 件号 and 案卷号 are padded to (4 by default, as DA/T 22 practice writes
 * 0001). The year and retention sub-parts are always required: every
 * class in DA/T 13-2022's item-level examples has them, and the 件号
 * series (which must start at 1 and have no gaps) is counted within them.
 *
 * Input is attacker-controlled text from a depositor's catalog: parsing is
 * linear, never throws, and reports every problem it can find at once.
 */
import type {
  ArchivalCode,
  ArchivalCodeGrammar,
  ArchivalCodeProblem,
  ArchivalCodeResult,
} from './archival-code-types.js';
import { RECORD_CLASSES, RETENTION_PERIODS } from './archival-code-types.js';
import {
  MIDDLE_DOT,
  allowsItem,
  allowsVolume,
  normaliseSpelling,
  codeProblem,
  shape,
  splitParts,
  type Parts,
} from './archival-code-split.js';

export * from './archival-code-types.js';

function checkNumber(
  value: string,
  digits: number,
  kind: 'item' | 'volume',
  problems: ArchivalCodeProblem[],
): number | undefined {
  const zh = kind === 'item' ? '件号' : '案卷号';
  const en = kind === 'item' ? 'item number' : 'volume number';
  if (!/^\d+$/u.test(value)) {
    problems.push(codeProblem(kind, `${zh} “${value}” 应为阿拉伯数字`, `${en} "${value}" must be Arabic digits`));
    return undefined;
  }
  const n = Number(value);
  if (n === 0) problems.push(codeProblem(kind, `${zh}从 1 编起，不能为 0`, `${en}s start at 1, not 0`));
  if (digits > 0 && value.length < digits) {
    const padded = value.padStart(digits, '0');
    problems.push(
      codeProblem(
        kind,
        `${zh} “${value}” 应补足 ${digits} 位（${padded}）`,
        `${en} "${value}" must be padded to ${digits} digits (${padded})`,
      ),
    );
  } else if (digits > 0 && value.length > digits && value.startsWith('0')) {
    problems.push(codeProblem(kind, `${zh} “${value}” 前导 0 过多`, `${en} "${value}" has too many leading zeros`));
  }
  return n;
}

/** Validate the parts' values; adds problems, returns the typed code when the parts are readable at all. */
function checkParts(
  parts: Parts,
  grammar: ArchivalCodeGrammar,
  problems: ArchivalCodeProblem[],
): ArchivalCode | undefined {
  const fondsMax = grammar.fondsMaxLength ?? 10;
  if (parts.fonds.length > fondsMax) {
    problems.push(
      codeProblem(
        'fonds',
        `全宗号 “${parts.fonds}” 超过 ${fondsMax} 位`,
        `fonds "${parts.fonds}" is longer than ${fondsMax}`,
      ),
    );
  }
  const classes = grammar.recordClasses ?? Object.keys(RECORD_CLASSES);
  if (!classes.includes(parts.recordClass)) {
    problems.push(
      codeProblem(
        'record-class',
        `门类代码 “${parts.recordClass}” 不在 ${classes.join('、')} 之中`,
        `record class "${parts.recordClass}" is not one of ${classes.join(', ')}`,
      ),
    );
  }
  const minYear = grammar.minYear ?? 1900;
  const maxYear = grammar.maxYear ?? new Date().getFullYear();
  const year = Number(parts.year);
  if (!/^\d{4}$/u.test(parts.year)) {
    problems.push(codeProblem('year', `年度 “${parts.year}” 应为 4 位数字`, `year "${parts.year}" must be 4 digits`));
  } else if (year < minYear || year > maxYear) {
    problems.push(
      codeProblem(
        'year',
        `年度 ${year} 不在 ${minYear}–${maxYear} 之间`,
        `year ${year} is outside ${minYear}–${maxYear}`,
      ),
    );
  }
  const retention = parts.retention;
  if (retention === 'C' || retention === 'D') {
    problems.push(
      codeProblem(
        'obsolete-retention',
        `保管期限代码 “${retention}”（${RETENTION_PERIODS[retention]}）已于 2006 年停用，现行为 Y、D30、D10`,
        `retention code "${retention}" (${RETENTION_PERIODS[retention]}) is obsolete since 2006; current codes are Y, D30, D10`,
      ),
    );
  } else if (retention !== 'Y' && retention !== 'D30' && retention !== 'D10') {
    problems.push(
      codeProblem(
        'retention',
        `保管期限代码 “${retention}” 应为 Y、D30 或 D10`,
        `retention code "${retention}" must be Y, D30 or D10`,
      ),
    );
  }
  const dept = parts.department;
  if (dept.length > 0 && grammar.department === 'none') {
    problems.push(
      codeProblem('department', '本中心的档号不含机构（问题）代码', "this center's codes have no department part"),
    );
  } else if (dept.length === 0 && grammar.department === 'required') {
    problems.push(codeProblem('department', '缺少机构（问题）代码', 'the department code is missing'));
  }
  for (const d of dept) {
    if (d.length > 10)
      problems.push(codeProblem('department', `机构（问题）代码 “${d}” 过长`, `department code "${d}" is too long`));
  }
  if (parts.volume !== undefined && !allowsVolume(grammar)) {
    problems.push(shape('本中心的档号不含案卷号', "this center's codes have no volume number"));
  } else if (parts.volume === undefined && !allowsItem(grammar)) {
    problems.push(
      codeProblem(
        'volume',
        '缺少案卷号（全宗号-类别号-案卷号-件号）',
        'the volume number is missing (fonds-class-volume-item)',
      ),
    );
  }
  const volumeNumber =
    parts.volume === undefined ? undefined : checkNumber(parts.volume, grammar.volumeDigits ?? 4, 'volume', problems);
  const itemNumber = checkNumber(parts.item, grammar.itemDigits ?? 4, 'item', problems);
  if (itemNumber === undefined || !/^\d{4}$/u.test(parts.year) || !/^(Y|D30|D10|C|D)$/u.test(retention))
    return undefined;
  if (parts.volume !== undefined && volumeNumber === undefined) return undefined;
  const department = dept.length > 0 ? dept.join(MIDDLE_DOT) : undefined;
  const code = {
    fonds: parts.fonds,
    recordClass: parts.recordClass,
    year,
    retention: retention as ArchivalCode['retention'],
    ...(department === undefined ? {} : { department }),
    ...(parts.volume === undefined ? {} : { volume: parts.volume, volumeNumber }),
    item: parts.item,
    itemNumber,
    form: parts.form,
  };
  return { ...code, normalized: formatArchivalCode(code) };
}

/** Parse and validate a 档号; never throws. */
export function parseArchivalCode(input: string, grammar: ArchivalCodeGrammar = {}): ArchivalCodeResult {
  const problems: ArchivalCodeProblem[] = [];
  if (input.trim() === '') return { ok: false, problems: [codeProblem('empty', '档号为空', 'the code is empty')] };
  const s = normaliseSpelling(input, problems);
  const bad = [...new Set(s.replace(/[A-Z0-9\u00b7-]/gu, ''))];
  if (bad.length > 0) {
    const list = bad.map((c) => `“${c}”`).join('');
    problems.push(
      codeProblem(
        'character',
        `档号含有不允许的字符 ${list}（只能用大写字母、数字、“-” 和 “·”）`,
        `the code contains ${list}; only upper-case letters, digits, "-" and "·" are allowed`,
      ),
    );
    return { ok: false, problems };
  }
  const parts = splitParts(s, grammar, problems);
  if (parts === undefined) return { ok: false, problems };
  const code = checkParts(parts, grammar, problems);
  if (problems.length === 0 && code !== undefined) return { ok: true, code };
  return code === undefined ? { ok: false, problems } : { ok: false, problems, code };
}

/** The code as DA/T 13-2022 writes it. */
export function formatArchivalCode(
  code: Omit<ArchivalCode, 'normalized' | 'form' | 'itemNumber' | 'volumeNumber'>,
): string {
  return `${archivalCodeSeries(code)}-${code.item}`;
}

/**
 * The series a 件号 counts within: the code without its item number
 * (全宗号-类别号[-案卷号]). Item numbers restart at 1 in every series.
 */
export function archivalCodeSeries(
  code: Pick<ArchivalCode, 'fonds' | 'recordClass' | 'year' | 'retention' | 'department' | 'volume'>,
): string {
  const cls = [
    code.recordClass,
    String(code.year),
    code.retention,
    ...(code.department === undefined ? [] : [code.department]),
  ];
  return `${code.fonds}-${cls.join(MIDDLE_DOT)}${code.volume === undefined ? '' : `-${code.volume}`}`;
}
