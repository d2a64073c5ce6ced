import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { canonicalJson } from '../core/index.js';
import { recordAudit } from './audit-log.js';
import type { Center } from './center.js';

/**
 * The configuration with secrets masked: passwords in connection URLs
 * (database, S3 endpoint) become `***`. What the system administrator reads
 * over the API and what the audit log records.
 */
export function redactedConfig(center: Center): Record<string, unknown> {
  const mask = (value: unknown): unknown => {
    if (typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      // Unparseable (e.g. a password with an unescaped '#'): hide everything between '//' and the last '@'.
      return value.replace(/\/\/.*@/, '//***@');
    }
    let masked = false;
    if (url.password !== '') {
      url.password = '***';
      masked = true;
    }
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) {
        url.searchParams.set(key, '***');
        masked = true;
      }
    }
    return masked ? url.toString() : value;
  };
  return Object.fromEntries(Object.entries(center.config).map(([k, v]) => [k, mask(v)]));
}

/**
 * Record a configuration change in the security audit log (issue 5 item 5).
 * The configuration is a file the system administrator edits on the server,
 * so the change is noticed when `yinji serve` starts: the configuration is
 * compared with the one this instance (host and data directory) last ran
 * with, and what changed is logged, secrets masked. Returns the changed keys.
 */
export async function auditConfigurationChange(center: Center): Promise<string[]> {
  const instance = `${hostname()}:${resolve(center.dataDir)}`;
  const name = `config:${createHash('sha256').update(instance).digest('hex').slice(0, 32)}`;
  const now = redactedConfig(center);
  const text = await center.db.settings.get(name);
  const before = text === undefined ? {} : (JSON.parse(text) as Record<string, unknown>);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const changed = keys.filter((k) => canonicalJson(before[k] ?? null) !== canonicalJson(now[k] ?? null));
  if (changed.length === 0) return [];
  await recordAudit(center, {
    actor: 'system',
    role: 'system',
    action: 'config-change',
    target: `instance:${instance}`,
    outcome: 'success',
    detail: {
      first: text === undefined,
      changes: Object.fromEntries(changed.map((k) => [k, { from: before[k] ?? null, to: now[k] ?? null }])),
    },
  });
  await center.db.settings.put(name, JSON.stringify(now));
  return changed;
}
