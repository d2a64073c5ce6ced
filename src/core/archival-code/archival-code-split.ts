/**
 * The spelling and splitting half of 档号 parsing: repair look-alike
 * characters (reporting each), then split the code into its parts from the
 * separators between them. The values are checked in archival-code.ts.
 */
import type { Message } from '../errors.js';
import type {
  ArchivalCode,
  ArchivalCodeGrammar,
  ArchivalCodeProblem,
  ArchivalCodeProblemKind,
} from './archival-code-types.js';

export const MIDDLE_DOT = '\u00b7';
/** Characters typed for "·" by Chinese input methods and fonts; accepted only to be reported. */
const DOT_LOOKALIKES = new Set(['\u2022', '\u30fb', '\uff65', '\u2027', '\u2219', '\u22c5', '.', '\uff0e']);
/** Characters typed for "-" (full-width, dashes, minus). */
const HYPHEN_LOOKALIKES = new Set(['\uff0d', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\ufe63']);

export const codeProblem = (kind: ArchivalCodeProblemKind, zh: string, en: string): ArchivalCodeProblem => ({
  kind,
  zh,
  en,
});
const hex = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Spelling repairs that keep the code readable: look-alikes, full-width, lower case, spaces. */
export function normaliseSpelling(input: string, problems: ArchivalCodeProblem[]): string {
  if (/^[A-Z0-9\u00b7-]*$/u.test(input)) return input; // the usual case: nothing to repair
  let s = input;
  if (/\s/u.test(s)) {
    problems.push(codeProblem('whitespace', '档号中含有空格', 'the code contains spaces'));
    s = s.replace(/\s+/gu, '');
  }
  const seen = new Set<string>();
  let out = '';
  let fullWidth = false;
  for (const ch of s) {
    if (DOT_LOOKALIKES.has(ch) || HYPHEN_LOOKALIKES.has(ch)) {
      const std = DOT_LOOKALIKES.has(ch) ? MIDDLE_DOT : '-';
      if (!seen.has(ch)) {
        seen.add(ch);
        const name = std === '-' ? '连接号 “-”' : '间隔号 “·”（U+00B7）';
        const enName = std === '-' ? 'hyphen "-"' : 'middle dot "·" (U+00B7)';
        problems.push(
          codeProblem(
            'lookalike',
            `使用了 “${ch}”（${hex(ch)}），标准写法为${name}`,
            `uses "${ch}" (${hex(ch)}) where the standard writes the ${enName}`,
          ),
        );
      }
      out += std;
    } else if (/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/u.test(ch)) {
      fullWidth = true;
      out += String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    } else {
      out += ch;
    }
  }
  if (fullWidth)
    problems.push(
      codeProblem('full-width', '档号中含有全角字母或数字', 'the code contains full-width letters or digits'),
    );
  if (/[a-z]/u.test(out)) {
    problems.push(codeProblem('lower-case', '档号中的字母应为大写', 'letters in the code must be upper case'));
    out = out.toUpperCase();
  }
  return out;
}

export interface Parts {
  fonds: string;
  recordClass: string;
  year: string;
  retention: string;
  department: string[];
  volume?: string;
  item: string;
  form: ArchivalCode['form'];
}

const SHAPE: Message = {
  zh: '应为 全宗号-门类代码·年度·保管期限[·机构代码]-件号（DA/T 13-2022）',
  en: 'expected fonds-class·year·retention[·department]-item (DA/T 13-2022)',
};
export const shape = (zh: string, en: string) => codeProblem('structure', `${zh}；${SHAPE.zh}`, `${en}; ${SHAPE.en}`);

/** Split into tokens and decide which is which from the separators between them. */
export function splitParts(
  s: string,
  grammar: ArchivalCodeGrammar,
  problems: ArchivalCodeProblem[],
): Parts | undefined {
  const pieces = s.split(/([-\u00b7])/u);
  const tokens: string[] = [];
  const seps: string[] = ['']; // seps[i] is the separator before tokens[i]
  for (let i = 0; i < pieces.length; i += 2) {
    tokens.push(pieces[i] ?? '');
    if (i + 1 < pieces.length) seps.push(pieces[i + 1] ?? '');
  }
  if (tokens.some((t) => t === '')) {
    problems.push(
      shape('有空的部分（分隔符相连或位于首尾）', 'a part is empty (separators side by side or at an end)'),
    );
    return undefined;
  }
  if (tokens.length < 5) {
    problems.push(shape(`只有 ${tokens.length} 个部分`, `only ${tokens.length} parts`));
    return undefined;
  }
  const [fonds, recordClass, year, retention] = tokens as [string, string, string, string, ...string[]];
  const last = tokens.length - 1;
  if (seps[1] !== '-' || seps[last] !== '-') {
    problems.push(shape('全宗号之后、件号之前应为 “-”', '"-" must follow the fonds and precede the item number'));
    return undefined;
  }
  let form: Parts['form'] = 'DA/T 13-2022';
  if (seps[2] === MIDDLE_DOT && seps[3] === '-') {
    form = 'DA/T 22-2015';
    if (grammar.acceptDaT22 === false) {
      problems.push(
        codeProblem(
          'form',
          '采用 DA/T 22-2015 写法（保管期限前用 “-”），本中心要求 DA/T 13-2022 写法（类别号各部分用 “·” 连接）',
          'written in the DA/T 22-2015 form ("-" before the retention); this center requires DA/T 13-2022 ("·" within the class part)',
        ),
      );
    }
  } else if (seps[2] === '-' && seps[3] === '-') {
    problems.push(
      codeProblem(
        'lookalike',
        '类别号各部分（门类代码、年度、保管期限、机构代码）应以 “·” 连接，而非 “-”',
        'the sub-parts of the class (record class, year, retention, department) must be joined by "·", not "-"',
      ),
    );
  } else if (seps[2] !== MIDDLE_DOT || seps[3] !== MIDDLE_DOT) {
    problems.push(
      shape('门类代码、年度、保管期限之间的分隔符不对', 'wrong separators between class, year and retention'),
    );
    return undefined;
  }
  const middle = tokens.slice(4, last);
  const middleSeps = seps.slice(4, last);
  const department: string[] = [];
  const hyphenated: string[] = [];
  for (const [i, token] of middle.entries()) {
    if (middleSeps[i] === MIDDLE_DOT) {
      if (hyphenated.length > 0 || form !== 'DA/T 13-2022') {
        problems.push(shape('“·” 只能用在类别号内部', '"·" may only join sub-parts of the class'));
        return undefined;
      }
      department.push(token);
    } else {
      hyphenated.push(token);
    }
  }
  let volume: string | undefined;
  if (form === 'DA/T 13-2022' && seps[2] === MIDDLE_DOT) {
    volume = hyphenated.shift(); // 全宗号-类别号-案卷号-件号
  } else {
    // Hyphens only (or DA/T 22-2015): a hyphenated part is the department code
    // if it may be one, and the volume number otherwise.
    const first = hyphenated[0];
    const deptFirst =
      first !== undefined &&
      grammar.department !== 'none' &&
      (hyphenated.length === 2 || form === 'DA/T 22-2015' || /[A-Z]/u.test(first) || !allowsVolume(grammar));
    if (deptFirst) department.push(hyphenated.shift() ?? '');
    volume = hyphenated.shift();
  }
  if (hyphenated.length > 0) {
    problems.push(shape(`部分过多（${tokens.length} 个）`, `too many parts (${tokens.length})`));
    return undefined;
  }
  return { fonds, recordClass, year, retention, department, volume, item: tokens[last] ?? '', form };
}

export const allowsVolume = (g: ArchivalCodeGrammar) => (g.levels ?? ['item', 'volume']).includes('volume');
export const allowsItem = (g: ArchivalCodeGrammar) => (g.levels ?? ['item', 'volume']).includes('item');
