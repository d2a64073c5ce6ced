import { InvalidInputError } from './errors.js';

/**
 * JSON Canonicalization Scheme (RFC 8785): the exact bytes a statement is
 * hashed and signed as, so anyone can recompute them from the JSON alone.
 * Strings and numbers serialise as ECMAScript's JSON.stringify does (§3.2.2.2,
 * §3.2.2.3); object members are sorted by the UTF-16 code units of their
 * names (§3.2.3), which is what Array.prototype.sort does by default.
 * (The npm `canonicalize` package needs Node 22.)
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [k: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notJson(`number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v: unknown) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw notJson(typeof value);
}

function notJson(what: string): InvalidInputError {
  return new InvalidInputError({ zh: `无法规范化为 JSON：${what}`, en: `cannot canonicalise as JSON: ${what}` });
}
