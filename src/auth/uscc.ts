/**
 * The unified social credit code (统一社会信用代码), GB 32100-2015: 18
 * characters naming every legal person and other organisation in China.
 *
 *   position 1      registration authority (登记管理部门代码), GB 32100 §4.1 table 1
 *   position 2      organisation type (机构类别代码), per authority, table 1
 *   positions 3–8   administrative division of the registering office (GB/T 2260)
 *   positions 9–17  organisation code (主体标识码, GB 11714): 8 characters + its own check character
 *   position 18     check character over 1–17 (GB 32100 §4.2, the GB/T 17710 "MOD 31" scheme)
 *
 * The character set is 0–9 and the upper-case letters without I, O, Z, S, V
 * (they look like 1, 0, 2, 5, U): 31 characters, valued 0–30 in this order.
 * The input is untrusted (typed by a unit): every problem found is reported,
 * not only the first, so the unit can correct the code in one go.
 */
import type { Message } from '../core/index.js';

export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** GB 32100-2015 table 1: registration authorities and the organisation types each registers. */
const AUTHORITIES: Readonly<Record<string, { name: Message; types: Readonly<Record<string, Message>> }>> = {
  '1': {
    name: { zh: '机构编制', en: 'public-sector establishment office' },
    types: {
      '1': { zh: '机关', en: 'government agency' },
      '2': { zh: '事业单位', en: 'public institution' },
      '3': { zh: '中央编办直接管理机构编制的群众团体', en: 'mass organisation under the central establishment office' },
      '9': { zh: '其他', en: 'other' },
    },
  },
  '2': {
    name: { zh: '外交', en: 'foreign affairs' },
    types: { '1': { zh: '外国常驻新闻机构', en: 'resident foreign news agency' }, '9': { zh: '其他', en: 'other' } },
  },
  '3': {
    name: { zh: '司法行政', en: 'justice administration' },
    types: {
      '1': { zh: '律师执业机构', en: 'law firm' },
      '2': { zh: '公证处', en: 'notary office' },
      '3': { zh: '基层法律服务所', en: 'grassroots legal service' },
      '4': { zh: '司法鉴定机构', en: 'forensic appraisal institution' },
      '5': { zh: '仲裁委员会', en: 'arbitration commission' },
      '9': { zh: '其他', en: 'other' },
    },
  },
  '4': {
    name: { zh: '文化', en: 'culture' },
    types: { '1': { zh: '外国在华文化中心', en: 'foreign cultural centre' }, '9': { zh: '其他', en: 'other' } },
  },
  '5': {
    name: { zh: '民政', en: 'civil affairs' },
    types: {
      '1': { zh: '社会团体', en: 'social organisation' },
      '2': { zh: '民办非企业单位', en: 'private non-enterprise unit' },
      '3': { zh: '基金会', en: 'foundation' },
      '9': { zh: '其他', en: 'other' },
    },
  },
  '6': {
    name: { zh: '旅游', en: 'tourism' },
    types: {
      '1': { zh: '外国旅游部门常驻代表机构', en: 'foreign tourism office' },
      '2': { zh: '港澳台地区旅游部门常驻内地（大陆）代表机构', en: 'Hong Kong, Macao or Taiwan tourism office' },
      '9': { zh: '其他', en: 'other' },
    },
  },
  '7': {
    name: { zh: '宗教', en: 'religious affairs' },
    types: {
      '1': { zh: '宗教活动场所', en: 'place of religious activity' },
      '2': { zh: '宗教院校', en: 'religious school' },
      '9': { zh: '其他', en: 'other' },
    },
  },
  '8': {
    name: { zh: '工会', en: 'trade unions' },
    types: { '1': { zh: '基层工会', en: 'grassroots trade union' }, '9': { zh: '其他', en: 'other' } },
  },
  '9': {
    name: { zh: '工商', en: 'market regulation (industry and commerce)' },
    types: {
      '1': { zh: '企业', en: 'enterprise' },
      '2': { zh: '个体工商户', en: 'individual business' },
      '3': { zh: '农民专业合作社', en: "farmers' cooperative" },
    },
  },
  A: {
    name: { zh: '中央军委改革和编制办公室', en: 'CMC reform and establishment office' },
    types: { '1': { zh: '军队事业单位', en: 'military public institution' }, '9': { zh: '其他', en: 'other' } },
  },
  N: {
    name: { zh: '农业', en: 'agriculture' },
    types: {
      '1': { zh: '组级集体经济组织', en: 'group-level collective' },
      '2': { zh: '村级集体经济组织', en: 'village-level collective' },
      '3': { zh: '乡镇级集体经济组织', en: 'township-level collective' },
      '9': { zh: '其他', en: 'other' },
    },
  },
  Y: {
    name: { zh: '其他', en: 'other' },
    types: { '1': { zh: '其他', en: 'other' } },
  },
};

/** GB/T 2260 province-level prefixes (first two digits of a division code); 10 is the national level (100000). */
const PROVINCES = new Set([
  '10', '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82',
]); // prettier-ignore

export interface UsccParts {
  readonly code: string;
  readonly registrationAuthority: { readonly code: string; readonly name: Message };
  readonly organisationType: { readonly code: string; readonly name: Message };
  /** GB/T 2260 division of the registering office, e.g. '440300' (Shenzhen). */
  readonly division: string;
  /** The 9-character GB 11714 organisation code, check character included. */
  readonly organisationCode: string;
  readonly checkCharacter: string;
}

export type UsccResult =
  { readonly ok: true; readonly parts: UsccParts } | { readonly ok: false; readonly problems: readonly Message[] };

/** GB 32100 §4.2: weights 3^(i-1) mod 31; check = 31 − (Σ value·weight mod 31), 31 written as 0. */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  let weight = 1;
  for (const ch of first17) {
    sum += USCC_CHARSET.indexOf(ch) * weight;
    weight = (weight * 3) % 31;
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31] ?? '?';
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714-1997 §5: digits are 0–9, letters A–Z are 10–35; check = 11 − (Σ mod 11), 10 written X, 11 written 0. */
export function organisationCheckCharacter(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = body8.charCodeAt(i);
    const value = ch <= 0x39 ? ch - 0x30 : ch - 0x41 + 10;
    sum += value * (ORG_WEIGHTS[i] ?? 0);
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

export function validateUscc(input: string): UsccResult {
  const code = input.trim();
  const problems: Message[] = [];
  if (code.length !== 18) {
    problems.push({
      zh: `统一社会信用代码应为 18 位，"${code}" 为 ${code.length} 位`,
      en: `a unified social credit code has 18 characters; "${code}" has ${code.length}`,
    });
    return { ok: false, problems };
  }
  const bad = [...code].filter((ch) => !USCC_CHARSET.includes(ch));
  if (bad.length > 0) {
    const list = [...new Set(bad)].join(' ');
    problems.push({
      zh: `统一社会信用代码含不允许的字符：${list}（只用数字和除 I、O、Z、S、V 外的大写字母）`,
      en: `the code contains characters not allowed: ${list} (digits and upper-case letters except I, O, Z, S, V)`,
    });
    return { ok: false, problems };
  }
  const authority = AUTHORITIES[code[0] ?? ''];
  const type = authority?.types[code[1] ?? ''];
  if (!authority) {
    problems.push({
      zh: `第 1 位登记管理部门代码 "${code[0]}" 不存在`,
      en: `registration authority code "${code[0]}" (1st character) does not exist`,
    });
  } else if (!type) {
    problems.push({
      zh: `第 2 位机构类别代码 "${code[1]}" 不属于登记管理部门"${authority.name.zh}"`,
      en: `organisation type "${code[1]}" (2nd character) is not one the ${authority.name.en} authority registers`,
    });
  }
  const division = code.slice(2, 8);
  if (!/^\d{6}$/.test(division) || !PROVINCES.has(division.slice(0, 2))) {
    problems.push({
      zh: `第 3–8 位行政区划码 "${division}" 不是 GB/T 2260 代码`,
      en: `characters 3–8 "${division}" are not a GB/T 2260 administrative division code`,
    });
  }
  const organisationCode = code.slice(8, 17);
  const orgCheck = organisationCheckCharacter(organisationCode.slice(0, 8));
  if (organisationCode[8] !== orgCheck) {
    problems.push({
      zh: `第 9–17 位组织机构代码 "${organisationCode}" 的校验码应为 ${orgCheck}`,
      en: `the organisation code "${organisationCode}" (characters 9–17) should end in check character ${orgCheck}`,
    });
  }
  const check = usccCheckCharacter(code.slice(0, 17));
  if (code[17] !== check) {
    problems.push({
      zh: `第 18 位校验码应为 ${check}，而不是 ${code[17]}（可能有字符抄错）`,
      en: `the check character (18th) should be ${check}, not ${code[17]} (a character may be mistyped)`,
    });
  }
  if (problems.length > 0 || !authority || !type) return { ok: false, problems };
  return {
    ok: true,
    parts: {
      code,
      registrationAuthority: { code: code[0] ?? '', name: authority.name },
      organisationType: { code: code[1] ?? '', name: type },
      division,
      organisationCode,
      checkCharacter: code[17] ?? '',
    },
  };
}
