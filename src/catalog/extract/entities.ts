/**
 * HTML character references (WHATWG HTML §13.5): numeric ones, and the named
 * ones that turn up in Chinese pages and office exports. The full table has
 * 2,231 names; an unknown name is left as written, which costs a search
 * nothing.
 */
const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ensp: '\u2002',
  emsp: '\u2003',
  thinsp: '\u2009',
  shy: '',
  zwnj: '\u200c',
  zwj: '\u200d',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  plusmn: '±',
  times: '×',
  divide: '÷',
  middot: '·',
  bull: '•',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  lsaquo: '‹',
  rsaquo: '›',
  sect: '§',
  para: '¶',
  yen: '¥',
  cent: '¢',
  pound: '£',
  euro: '€',
  permil: '‰',
  prime: '′',
  Prime: '″',
  larr: '←',
  rarr: '→',
  uarr: '↑',
  darr: '↓',
  le: '≤',
  ge: '≥',
  ne: '≠',
  asymp: '≈',
  infin: '∞',
  sup1: '¹',
  sup2: '²',
  sup3: '³',
  frac12: '½',
  frac14: '¼',
  frac34: '¾',
  micro: 'µ',
  iexcl: '¡',
  iquest: '¿',
};
/** Names browsers also accept without the ';' (the legacy ones of the table). */
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg', 'deg', 'times', 'middot', 'yen']);

const REFERENCE = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}))(;?)/g;

function fromCode(code: number): string {
  // NUL, surrogates and values past U+10FFFF are parse errors that decode to U+FFFD (§13.2.5.80).
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(code);
}

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, dec?: string, hex?: string, name?: string, semi?: string) => {
    if (dec !== undefined) return fromCode(Number(dec));
    if (hex !== undefined) return fromCode(parseInt(hex, 16));
    const value = NAMED[name!];
    if (value === undefined || (semi === '' && !LEGACY.has(name!))) return whole;
    return value;
  });
}
