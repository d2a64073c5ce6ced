import { InvalidInputError } from '../core/index.js';
import { DEFAULT_MANDATORY_FIELDS } from './metadata/fields.js';
import type { CheckItem, CheckSettings, CheckStage } from './types.js';

/** What a failed item does: stop the deposit, let it through with a warning, or not run at all. */
export type Severity = 'block' | 'warn' | 'off';

/**
 * A center's choice of check items (DA/T 70 leaves the selection to each
 * archive): which items run, whether each blocks or warns, how item ids are
 * written, and the settings items read. Kept as JSON (`checkProfile` in the
 * center's config), so an archive can adjust it without code.
 */
export interface CheckProfile {
  readonly name: string;
  /** The built-in severities the profile starts from (see defaultSeverity). */
  readonly base: ProfileBase;
  /** Severity by item key; items not listed use defaultSeverity(key, base). */
  readonly items: Readonly<Record<string, Severity>>;
  /**
   * How an item's id is written. `{stage}`, `{property}` and `{number}` are
   * replaced; default `{stage}-{property}-{number}` (e.g. YJ-1-7). `ids`
   * overrides it per item key, for archives whose vendor numbered differently.
   */
  readonly idFormat: string;
  readonly ids: Readonly<Record<string, string>>;
  readonly settings: CheckSettings;
}

/**
 * The two starting points:
 *  - `default`: what an embedded center does out of the box. It blocks only
 *    when the evidence is wrong — a declared digest, signature, count or file
 *    list that does not match, a catalog naming files that are not there, a
 *    virus, classified material, an unreadable package — and warns about the
 *    rest (format, metadata quality), because a backup center must not turn
 *    away a unit's holdings over a misnamed photo or an empty placeholder.
 *  - `strict`: DA/T 70 as written for transfer and receipt: every item
 *    blocks except the judgement calls (reasonable values, odd characters,
 *    formats outside the approved list, extraneous files), which warn.
 */
export type ProfileBase = 'default' | 'strict';

const BLOCK_IN_DEFAULT: ReadonlySet<string> = new Set([
  'fixity',
  'package-digest',
  'item-count',
  'byte-count',
  'file-list',
  'catalog-files',
  'antivirus-present', // blocks only when an engine is configured but unreachable; no engine is "not run"
  'no-virus',
  'classification',
  'package-metadata',
]);

const WARN_IN_STRICT: ReadonlySet<string> = new Set([
  'field-reasonable',
  'illegal-characters',
  'approved-format',
  'extraneous-files',
]);

export function defaultSeverity(key: string, base: ProfileBase = 'default'): Severity {
  if (base === 'strict') return WARN_IN_STRICT.has(key) ? 'warn' : 'block';
  return BLOCK_IN_DEFAULT.has(key) ? 'block' : 'warn';
}

/** Formats GB/T 18894 and DA/T 47 practice accept for long-term preservation. */
export const DEFAULT_APPROVED_FORMATS: readonly string[] = ['pdfa', 'ofd', 'jpeg', 'tiff', 'png', 'xml', 'text'];

export const DEFAULT_PROFILE: CheckProfile = Object.freeze({
  name: 'default',
  base: 'default',
  items: {},
  idFormat: '{stage}-{property}-{number}',
  ids: {},
  settings: {
    approvedFormats: DEFAULT_APPROVED_FORMATS,
    mandatoryFields: DEFAULT_MANDATORY_FIELDS,
    classifiedSystem: false,
  },
});

export function itemId(profile: CheckProfile, item: CheckItem, stage: CheckStage): string {
  const template = profile.ids[item.key] ?? profile.idFormat;
  return template
    .replaceAll('{stage}', stage)
    .replaceAll('{property}', String(item.property))
    .replaceAll('{number}', String(item.number));
}

export function severityOf(profile: CheckProfile, item: CheckItem): Severity {
  return profile.items[item.key] ?? defaultSeverity(item.key, profile.base);
}

/**
 * A profile from JSON (a center's config or file), over the default; unknown
 * item keys and bad severities are refused so a typo never silently turns a
 * check off.
 */
export function parseProfile(input: unknown, knownKeys: readonly string[]): CheckProfile {
  if (input === null || input === undefined || input === 'default') return DEFAULT_PROFILE;
  if (input === 'strict') return Object.freeze({ ...DEFAULT_PROFILE, name: 'strict', base: 'strict' });
  if (typeof input !== 'object' || Array.isArray(input)) throw badProfile('not a JSON object', '不是 JSON 对象');
  const raw = input as Record<string, unknown>;
  const items = (raw.items ?? {}) as Record<string, unknown>;
  for (const [key, severity] of Object.entries(items)) {
    if (!knownKeys.includes(key)) throw badProfile(`unknown check item "${key}"`, `未知的检测项 "${key}"`);
    if (severity !== 'block' && severity !== 'warn' && severity !== 'off') {
      throw badProfile(
        `item "${key}": severity must be block, warn or off`,
        `检测项 "${key}" 的级别应为 block、warn 或 off`,
      );
    }
  }
  const ids = (raw.ids ?? {}) as Record<string, unknown>;
  for (const [key, id] of Object.entries(ids)) {
    if (!knownKeys.includes(key))
      throw badProfile(`unknown check item "${key}" in ids`, `ids 中有未知的检测项 "${key}"`);
    if (typeof id !== 'string' || id.length === 0)
      throw badProfile(`id of "${key}" must be text`, `"${key}" 的编号应为文本`);
  }
  const settings = (raw.settings ?? {}) as Partial<CheckSettings>;
  const stringList = (v: unknown, field: string): readonly string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw badProfile(`settings.${field} must be a list of text`, `settings.${field} 应为文本列表`);
    }
    return v as string[];
  };
  if (raw.base !== undefined && raw.base !== 'default' && raw.base !== 'strict') {
    throw badProfile('base must be "default" or "strict"', 'base 应为 "default" 或 "strict"');
  }
  return Object.freeze({
    name: typeof raw.name === 'string' ? raw.name : 'custom',
    base: raw.base ?? 'default',
    items: items as Record<string, Severity>,
    idFormat: typeof raw.idFormat === 'string' ? raw.idFormat : DEFAULT_PROFILE.idFormat,
    ids: ids as Record<string, string>,
    settings: {
      approvedFormats: stringList(settings.approvedFormats, 'approvedFormats') ?? DEFAULT_APPROVED_FORMATS,
      mandatoryFields: stringList(settings.mandatoryFields, 'mandatoryFields') ?? DEFAULT_MANDATORY_FIELDS,
      classifiedSystem: settings.classifiedSystem === true,
    },
  });
}

function badProfile(en: string, zh: string): InvalidInputError {
  return new InvalidInputError({ zh: `检测方案无效：${zh}`, en: `invalid check profile: ${en}` });
}
