import { describe, expect, it } from 'vitest';
import { viewOf } from '../test-support/view.js';
import type { CheckItem, DepositView, Finding, SignatureView } from '../types.js';
import { NOT_SCANNED } from '../virus/clamd.js';
import { SECURITY_ITEMS, signatureFindings, unsupportedSignatureFindings } from './security-items.js';

const item = (key: string): CheckItem => SECURITY_ITEMS.find((i) => i.key === key)!;
const noEngine: DepositView['virusScan'] = {
  ran: false,
  reason: { zh: '中心未配置杀毒引擎（clamd）', en: 'no anti-virus engine (clamd) is configured' },
};
const clean: DepositView['virusScan'] = { ran: true, engine: 'ClamAV 1.4.3', infected: [] };

describe('SECURITY_ITEMS', () => {
  it('declares DA/T 70 ids, stages and bilingual titles (Chinese first)', () => {
    expect(SECURITY_ITEMS.map((i) => [i.key, `${i.property}-${i.number}`, i.stages.join(','), i.title.zh])).toEqual([
      ['antivirus-present', '4-1', 'GD,YJ,BC', '杀毒软件可用'],
      ['no-virus', '4-2', 'GD,YJ,BC', '无病毒'],
      ['package-metadata', '3-1', 'YJ,BC', '封装包元数据可解析'],
    ]);
    for (const i of SECURITY_ITEMS) expect(i.title.en).not.toBe('');
  });
});

describe('antivirus-present (4-1)', () => {
  it('is not run, with the reason, when no engine ran — never a pass', () => {
    expect(item('antivirus-present').run(viewOf({ virusScan: noEngine }))).toEqual({
      notRun: {
        zh: '未运行杀毒引擎：中心未配置杀毒引擎（clamd）',
        en: 'no anti-virus engine ran: no anti-virus engine (clamd) is configured',
      },
    });
  });

  it('passes when an engine ran, even if it found something (that is 4-2’s business)', () => {
    expect(item('antivirus-present').run(viewOf({ virusScan: clean }))).toEqual({ findings: [] });
    const infected = { ...clean, infected: [{ path: 'a.exe', signature: 'Eicar' }] };
    expect(item('antivirus-present').run(viewOf({ virusScan: infected }))).toEqual({ findings: [] });
  });
});

describe('no-virus (4-2)', () => {
  it('is not run without an engine, even with no files', () => {
    expect(item('no-virus').run(viewOf({ virusScan: noEngine }))).toHaveProperty('notRun');
  });

  it('passes a clean scan', () => {
    expect(item('no-virus').run(viewOf({ virusScan: clean }))).toEqual({ findings: [] });
  });

  it('makes one finding per infected file, naming the signature and the engine', () => {
    const verdict = item('no-virus').run(
      viewOf({
        virusScan: {
          ran: true,
          engine: 'ClamAV 1.4.3',
          infected: [
            { path: '附件/eicar.com', signature: 'Yinji.Test.EICAR.UNOFFICIAL' },
            { path: 'b.exe', signature: 'Win.Trojan.Agent-1' },
          ],
        },
      }),
    ) as { findings: Finding[] };
    expect(verdict.findings).toEqual([
      {
        object: { kind: 'file', ref: '附件/eicar.com' },
        reason: {
          zh: '发现病毒：Yinji.Test.EICAR.UNOFFICIAL（ClamAV 1.4.3）',
          en: 'virus found: Yinji.Test.EICAR.UNOFFICIAL (ClamAV 1.4.3)',
        },
        details: { engine: 'ClamAV 1.4.3', signature: 'Yinji.Test.EICAR.UNOFFICIAL' },
      },
      expect.objectContaining({ object: { kind: 'file', ref: 'b.exe' } }),
    ]);
  });

  it('fails a file the engine could not scan, saying it was not scanned rather than infected', () => {
    const verdict = item('no-virus').run(
      viewOf({
        virusScan: {
          ran: true,
          engine: 'ClamAV 1.4.3',
          infected: [{ path: 'huge.iso', signature: `${NOT_SCANNED}size-limit` }],
        },
      }),
    ) as { findings: Finding[] };
    expect(verdict.findings).toHaveLength(1);
    expect(verdict.findings[0]!.reason.zh).toContain('未能扫描');
    expect(verdict.findings[0]!.reason.en).toContain('StreamMaxLength');
    expect(verdict.findings[0]!.details).toEqual({ engine: 'ClamAV 1.4.3', notScanned: 'size-limit' });
  });
});

describe('package-metadata (3-1)', () => {
  const pkgProblem: Finding = {
    object: { kind: 'package', ref: 'a.eep' },
    reason: { zh: 'EEP 不是格式正确的 XML', en: 'the EEP is not well-formed XML' },
  };
  const rowProblem: Finding = {
    object: { kind: 'record', ref: '目录.xlsx 第 3 行' },
    reason: { zh: '日期无效', en: 'bad date' },
  };

  it('does not apply to a plain zip, tar or folder', () => {
    for (const kind of ['zip', 'tar', 'folder'] as const) {
      expect(item('package-metadata').run(viewOf({ package: { name: 'x', kind } }))).toHaveProperty('notApplicable');
    }
  });

  it('reports the package problems of an EEP or bag, not those of catalog rows', () => {
    const catalog = { sources: ['a.eep'], records: [], columns: [], problems: [pkgProblem, rowProblem] };
    expect(item('package-metadata').run(viewOf({ package: { name: 'a.eep', kind: 'eep' }, catalog }))).toEqual({
      findings: [pkgProblem],
    });
    expect(
      item('package-metadata').run(
        viewOf({ package: { name: 'bag', kind: 'bag' }, catalog: { ...catalog, problems: [rowProblem] } }),
      ),
    ).toEqual({
      findings: [],
    });
  });
});

describe('signatureFindings', () => {
  const sig = (status: SignatureView['status'], ref: string): SignatureView => ({
    object: { kind: 'package', ref },
    algorithm: 'RSA-SHA256',
    status,
    reason: { zh: `原因 ${ref}`, en: `reason ${ref}` },
  });

  it('turns invalid signatures into findings and keeps unsupported ones apart', () => {
    const view = viewOf({ signatures: [sig('verified', 'a'), sig('invalid', 'b'), sig('unsupported', 'c')] });
    expect(signatureFindings(view)).toEqual([
      {
        object: { kind: 'package', ref: 'b' },
        reason: { zh: '原因 b', en: 'reason b' },
        details: { algorithm: 'RSA-SHA256', status: 'invalid' },
      },
    ]);
    expect(unsupportedSignatureFindings(view).map((f) => f.object.ref)).toEqual(['c']);
  });

  it('gives a reason when the signature view has none', () => {
    const view = viewOf({
      signatures: [{ object: { kind: 'package', ref: 'x' }, algorithm: 'SM2-SM3', status: 'invalid' }],
    });
    expect(signatureFindings(view)[0]!.reason.en).toContain('SM2-SM3');
  });
});
