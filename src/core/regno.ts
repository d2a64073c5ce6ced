import { InvalidInputError } from './errors.js';

/**
 * Registration numbers (登记号). The pattern is configurable per center;
 * placeholders: {center}, {year}, {seq:N} (zero-padded to N digits), {seq}.
 * Default `{center}-{year}-{seq:6}`, e.g. `ZJ001-2026-000042`.
 */
export const DEFAULT_REGNO_PATTERN = '{center}-{year}-{seq:6}';

const PLACEHOLDER = /\{(center|year|seq)(?::(\d{1,2}))?\}/g;
/** Characters allowed in a regno: it appears in paths, URLs and filenames. */
const SAFE_REGNO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface RegnoParts {
  readonly center: string;
  readonly year: number;
  readonly seq: number;
}

export function validateRegnoPattern(pattern: string): void {
  if (!pattern.includes('{seq')) {
    throw new InvalidInputError({
      zh: `登记号格式 "${pattern}" 必须包含 {seq}`,
      en: `registration number pattern "${pattern}" must contain {seq}`,
    });
  }
  const probe = formatRegno(pattern, { center: 'X', year: 2000, seq: 1 });
  if (!SAFE_REGNO.test(probe)) {
    throw new InvalidInputError({
      zh: `登记号格式 "${pattern}" 只能产生字母、数字、点、下划线和连字符`,
      en: `registration number pattern "${pattern}" may only produce letters, digits, '.', '_' and '-'`,
    });
  }
}

export function formatRegno(pattern: string, parts: RegnoParts): string {
  return pattern.replace(PLACEHOLDER, (_all, name: string, width?: string) => {
    const value = name === 'center' ? parts.center : String(name === 'year' ? parts.year : parts.seq);
    return width === undefined ? value : value.padStart(Number(width), '0');
  });
}

/** The sequence counter's scope: numbers restart when the formatted prefix changes (e.g. a new year). */
export function regnoSeries(pattern: string, parts: Omit<RegnoParts, 'seq'>): string {
  return pattern.replace(PLACEHOLDER, (all, name: string) =>
    name === 'seq' ? '{seq}' : name === 'center' ? parts.center : name === 'year' ? String(parts.year) : all,
  );
}

export function assertRegno(value: string): string {
  if (!SAFE_REGNO.test(value)) {
    throw new InvalidInputError({
      zh: `"${value}" 不是有效的登记号`,
      en: `"${value}" is not a valid registration number`,
    });
  }
  return value;
}

/**
 * The year and sequence number a regno was made from with `pattern` for
 * `center`; undefined when it does not follow the pattern. For restoring
 * the counters after a center is rebuilt (center/rebuild.ts), so no number
 * is handed out twice.
 */
export function parseRegno(pattern: string, center: string, regno: string): { year?: number; seq: number } | undefined {
  const groups: ('year' | 'seq')[] = [];
  let source = '';
  let last = 0;
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    source += escapeRegExp(pattern.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] === 'center') source += escapeRegExp(center);
    else {
      groups.push(m[1] as 'year' | 'seq');
      source += '([0-9]+)';
    }
  }
  source += escapeRegExp(pattern.slice(last));
  const found = new RegExp(`^${source}$`).exec(regno);
  if (found === null) return undefined;
  const value = (name: 'year' | 'seq'): number | undefined => {
    const i = groups.indexOf(name);
    return i < 0 ? undefined : Number(found[i + 1]);
  };
  const year = value('year');
  return { ...(year !== undefined ? { year } : {}), seq: value('seq')! };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
