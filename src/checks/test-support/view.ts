import { DEFAULT_PROFILE } from '../profile.js';
import type { DepositView, FileView } from '../types.js';

/** A DepositView with nothing in it but what a test gives: for testing items as the pure functions they are. */
export function viewOf(overrides: Partial<DepositView> = {}): DepositView {
  return {
    package: { name: 'test.zip', kind: 'zip' },
    declared: {},
    files: [],
    metadataFiles: [],
    catalog: { sources: [], records: [], columns: [], problems: [] },
    signatures: [],
    virusScan: { ran: false, reason: { zh: '未配置', en: 'not configured' } },
    settings: DEFAULT_PROFILE.settings,
    checkedAt: '2026-03-01T08:00:00.000Z',
    ...overrides,
  };
}

export function fileOf(path: string, size = 10, extra: Partial<FileView> = {}): FileView {
  return { path, size, digests: { sha256: 'a'.repeat(64) }, declaredDigests: [], ...extra };
}
