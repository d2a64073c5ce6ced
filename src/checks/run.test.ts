import { describe, expect, it } from 'vitest';
import { INTEGRITY_ITEMS } from './items/integrity-items.js';
import { DEFAULT_PROFILE, parseProfile } from './profile.js';
import { MAX_FINDINGS, failedItemIds, runChecks } from './run.js';
import { fileOf, viewOf } from './test-support/view.js';
import type { CheckItem } from './types.js';

const now = new Date('2026-03-01T08:00:00Z');
const keys = INTEGRITY_ITEMS.map((i) => i.key);
const run = (view = viewOf(), profile = DEFAULT_PROFILE, stage: 'GD' | 'YJ' | 'BC' = 'YJ') =>
  runChecks(view, INTEGRITY_ITEMS, { stage, profile, now });
const outcome = (report: ReturnType<typeof run>, key: string) => report.items.find((i) => i.key === key)?.outcome;

describe('runChecks and the integrity items', () => {
  it('reports every item of the stage, never a pass for what it could not check', () => {
    const report = run(viewOf({ files: [fileOf('a.pdf')] }));
    expect(report.items.map((i) => i.id)).toEqual([
      'YJ-1-1',
      'YJ-1-11',
      'YJ-1-14',
      'YJ-1-15',
      'YJ-2-1',
      'YJ-2-2',
      'YJ-2-7',
      'YJ-2-11',
      'YJ-4-3',
    ]);
    expect(outcome(report, 'fixity')).toBe('not-applicable');
    expect(outcome(report, 'empty-files')).toBe('pass');
    expect(report.blocked).toBe(false);
    // Preservation stage: no declared package digest item there.
    expect(run(viewOf(), DEFAULT_PROFILE, 'BC').items.map((i) => i.id)).not.toContain('BC-1-14');
  });

  it('fails a declared digest of any algorithm that does not match, naming where it was declared', () => {
    const file = fileOf('a.pdf', 3, {
      digests: { sha256: 'a'.repeat(64), md5: 'b'.repeat(32), sm3: 'c'.repeat(64) },
      declaredDigests: [
        { algorithm: 'md5', value: 'b'.repeat(32), source: 'manifest-md5.txt' },
        { algorithm: 'sm3', value: 'd'.repeat(64), source: '目录.csv 第 2 行' },
      ],
    });
    const report = run(viewOf({ files: [file] }));
    expect(failedItemIds(report)).toEqual(['YJ-1-1']);
    const [finding] = report.items[0]!.findings;
    expect(finding?.details).toMatchObject({ algorithm: 'sm3', source: '目录.csv 第 2 行' });
  });

  it('fails an e-signature that does not verify, and a package digest, counts and list that differ', () => {
    const view = viewOf({
      package: { name: 'p.zip', kind: 'zip', digests: { sha256: '1'.repeat(64) } },
      declared: {
        packageDigest: { algorithm: 'sha256', value: '2'.repeat(64) },
        itemCount: 3,
        byteCount: 20,
        fileCount: 2,
        files: ['a.pdf', 'b.pdf'],
      },
      files: [fileOf('a.pdf', 10), fileOf('c.pdf', 0)],
      signatures: [{ object: { kind: 'package', ref: 'p.eep' }, algorithm: 'RSA-SHA256', status: 'invalid' }],
    });
    const report = run(view);
    expect(failedItemIds(report)).toEqual(['YJ-1-1', 'YJ-1-14', 'YJ-2-1', 'YJ-2-2', 'YJ-2-11']);
    // An empty file and a file in no list warn in the default profile …
    expect(outcome(report, 'empty-files')).toBe('warn');
    expect(outcome(report, 'extraneous-files')).toBe('warn');
    expect(report.summary).toEqual({ pass: 1, fail: 5, warn: 2, notApplicable: 1, notRun: 0 }); // 1-15: the one signature was checked
    expect(report.blocked).toBe(true);
    // … while the strict (DA/T 70) profile blocks the empty file too.
    const strict = run(view, parseProfile('strict', keys));
    expect(failedItemIds(strict)).toEqual(['YJ-1-1', 'YJ-1-14', 'YJ-2-1', 'YJ-2-2', 'YJ-2-7', 'YJ-2-11']);
    expect(outcome(strict, 'extraneous-files')).toBe('warn');
  });

  it('links catalog records to files: a record whose file is missing fails 1-11', () => {
    const view = viewOf({
      files: [fileOf('文书/0001.pdf')],
      catalog: {
        sources: ['目录.csv'],
        columns: ['档号', '计算机文件名'],
        problems: [],
        records: [
          {
            source: '目录.csv 第 2 行',
            fields: { 档号: 'Z1-WS·2026·Y-0001', 计算机文件名: '文书/0001.pdf' },
            files: ['文书/0001.pdf'],
          },
          {
            source: '目录.csv 第 3 行',
            fields: { 档号: 'Z1-WS·2026·Y-0002', 计算机文件名: '文书/0002.pdf' },
            files: [],
          },
        ],
      },
    });
    const item = run(view).items.find((i) => i.key === 'catalog-files')!;
    expect(item.outcome).toBe('fail');
    expect(item.findings.map((f) => f.object)).toEqual([{ kind: 'record', ref: 'Z1-WS·2026·Y-0002' }]);
  });

  it('flags system junk as extraneous even without a list', () => {
    const report = run(
      viewOf({ files: [fileOf('a/Thumbs.db'), fileOf('__MACOSX/._x'), fileOf('.DS_Store'), fileOf('ok.pdf')] }),
    );
    expect(report.items.find((i) => i.key === 'extraneous-files')!.findings.map((f) => f.object.ref)).toEqual([
      'a/Thumbs.db',
      '__MACOSX/._x',
      '.DS_Store',
    ]);
  });

  it('follows the profile: severities, ids, and items turned off', () => {
    const profile = parseProfile(
      {
        name: '杭州',
        items: { 'empty-files': 'warn', 'file-list': 'off' },
        idFormat: 'SX-{property}.{number}',
        ids: { fixity: 'AUTH-01' },
      },
      keys,
    );
    const report = run(viewOf({ files: [fileOf('e.txt', 0)], declared: { fileCount: 5 } }), profile);
    expect(report.items.find((i) => i.key === 'empty-files')).toMatchObject({ id: 'SX-2.7', outcome: 'warn' });
    expect(report.items.find((i) => i.key === 'file-list')).toMatchObject({ outcome: 'not-run' });
    expect(report.items[0]!.id).toBe('AUTH-01');
    expect(report.blocked).toBe(false);
    expect(() => parseProfile({ items: { 'no-such-item': 'warn' } }, keys)).toThrow(/no-such-item/);
    expect(() => parseProfile({ items: { fixity: 'maybe' } }, keys)).toThrow(/block, warn or off/);
    expect(() => parseProfile({ base: 'lenient' }, keys)).toThrow(/base/);
  });

  it('warns (default) or fails (strict) a signature that could not be checked, never passing 1-1 on it alone', () => {
    const view = viewOf({
      signatures: [{ object: { kind: 'package', ref: 'p.eep' }, algorithm: 'XYZ-HASH', status: 'unsupported' }],
    });
    expect(outcome(run(view), 'signatures-verifiable')).toBe('warn');
    expect(outcome(run(view, parseProfile('strict', keys)), 'signatures-verifiable')).toBe('fail');
  });

  it('keeps the first 1,000 findings of an item and counts them all', () => {
    const files = Array.from({ length: 1500 }, (_, i) => fileOf(`空/${i}.txt`, 0));
    const item = run(viewOf({ files })).items.find((i) => i.key === 'empty-files')!;
    expect(item.findings).toHaveLength(MAX_FINDINGS);
    expect(item.findingCount).toBe(1500);
  });

  it('turns an item that throws into a failure of that item only', () => {
    const broken: CheckItem = {
      key: 'broken',
      property: 3,
      number: 99,
      stages: ['YJ'],
      title: { zh: '坏', en: 'broken' },
      run: () => {
        throw new Error('boom');
      },
    };
    const report = runChecks(viewOf(), [...INTEGRITY_ITEMS, broken], { stage: 'YJ', profile: DEFAULT_PROFILE, now });
    expect(failedItemIds(report)).toEqual(['YJ-3-99']);
    expect(report.items.find((i) => i.key === 'broken')!.findings[0]!.reason.en).toContain('boom');
  });
});
