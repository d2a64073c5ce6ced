/**
 * Security items (DA/T 70 4-1, 4-2) and the usability item about package
 * metadata (3-1), plus the e-signature findings item 1-1 reuses.
 *
 * Never a pass without an engine: when no anti-virus engine ran, both virus
 * items say "not run" with the reason, whatever else is true.
 */
import type { Message } from '../../core/index.js';
import type { CheckItem, DepositView, Finding, ItemVerdict } from '../types.js';
import { NOT_SCANNED, type NotScannedReason } from '../virus/clamd.js';

const ALL = ['GD', 'YJ', 'BC'] as const;

function notRun(reason: Message): ItemVerdict {
  return { notRun: { zh: `未运行杀毒引擎：${reason.zh}`, en: `no anti-virus engine ran: ${reason.en}` } };
}

/** 4-1: an anti-virus engine ran over the deposit. */
const antivirusPresent: CheckItem = {
  key: 'antivirus-present',
  property: 4,
  number: 1,
  stages: ALL,
  title: { zh: '杀毒软件可用', en: 'an anti-virus engine ran' },
  // A pass names no engine here: ItemVerdict has no room for a pass summary (the engine is in the view).
  run: (view) => {
    if (view.virusScan.ran) return { findings: [] };
    // Configured but unreachable: the deposit must not slip through unscanned because clamd is down.
    if (view.virusScan.configured === true) {
      return { findings: [{ object: { kind: 'environment', ref: 'clamd' }, reason: view.virusScan.reason }] };
    }
    return notRun(view.virusScan.reason);
  },
};

const NOT_SCANNED_TEXT: Readonly<Record<NotScannedReason, Message>> = {
  'size-limit': {
    zh: '文件超过 clamd 的 StreamMaxLength 上限，未能扫描；请调高上限后重新检测',
    en: "the file exceeds clamd's StreamMaxLength and was not scanned; raise the limit and check again",
  },
  'engine-error': {
    zh: '杀毒引擎扫描此文件时出错，未能扫描',
    en: 'the anti-virus engine failed on this file; it was not scanned',
  },
  'read-error': { zh: '无法读取此文件，未能扫描', en: 'the file could not be read; it was not scanned' },
  connection: {
    zh: '扫描时与杀毒引擎的连接中断，未能扫描',
    en: 'the connection to the anti-virus engine broke; the file was not scanned',
  },
  timeout: {
    zh: '杀毒引擎在时限内没有给出结果，未能扫描',
    en: 'the anti-virus engine gave no result in time; the file was not scanned',
  },
};

/** 4-2: no file carries a virus; a file the engine could not scan is a finding too, never a pass. */
const noVirus: CheckItem = {
  key: 'no-virus',
  property: 4,
  number: 2,
  stages: ALL,
  title: { zh: '无病毒', en: 'no virus' },
  run: (view) => {
    const scan = view.virusScan;
    if (!scan.ran) return notRun(scan.reason);
    const engine = scan.engine;
    return {
      findings: scan.infected.map(({ path, signature }): Finding => {
        const object = { kind: 'file', ref: path } as const;
        if (signature.startsWith(NOT_SCANNED)) {
          const why = signature.slice(NOT_SCANNED.length) as NotScannedReason;
          return {
            object,
            reason: NOT_SCANNED_TEXT[why] ?? NOT_SCANNED_TEXT['engine-error'],
            details: { engine, notScanned: why },
          };
        }
        return {
          object,
          reason: { zh: `发现病毒：${signature}（${engine}）`, en: `virus found: ${signature} (${engine})` },
          details: { engine, signature },
        };
      }),
    };
  },
};

/** 3-1: the package's own metadata (EEP XML, bag tag files) parses. */
const packageMetadata: CheckItem = {
  key: 'package-metadata',
  property: 3,
  number: 1,
  stages: ['YJ', 'BC'],
  title: { zh: '封装包元数据可解析', en: 'package metadata parses' },
  run: (view) => {
    if (view.package.kind !== 'eep' && view.package.kind !== 'bag') {
      return {
        notApplicable: {
          zh: '登记包不是 EEP 封装包或 BagIt 包，没有封装包元数据',
          en: 'the deposit is neither an EEP nor a BagIt bag, so it has no package metadata',
        },
      };
    }
    return { findings: view.catalog.problems.filter((p) => p.object.kind === 'package') };
  },
};

export const SECURITY_ITEMS: readonly CheckItem[] = [antivirusPresent, noVirus, packageMetadata];

/**
 * E-signature findings for item 1-1: one per signature that does not verify
 * (content changed after signing, wrong key, signed bytes not found).
 */
export function signatureFindings(view: DepositView): Finding[] {
  return view.signatures
    .filter((s) => s.status === 'invalid')
    .map((s) => ({
      object: s.object,
      reason: s.reason ?? {
        zh: `电子签名（${s.algorithm}）验证失败`,
        en: `the e-signature (${s.algorithm}) does not verify`,
      },
      details: { algorithm: s.algorithm, status: s.status },
    }));
}

/**
 * The signatures Yinji could not check (an algorithm it does not support, no
 * certificate in the package), kept apart from signatureFindings: they are
 * neither a pass nor evidence of tampering, so 1-1 may warn rather than fail.
 */
export function unsupportedSignatureFindings(view: DepositView): Finding[] {
  return view.signatures
    .filter((s) => s.status === 'unsupported')
    .map((s) => ({
      object: s.object,
      reason: s.reason ?? {
        zh: `无法核验电子签名（${s.algorithm}）`,
        en: `the e-signature (${s.algorithm}) could not be checked`,
      },
      details: { algorithm: s.algorithm, status: s.status },
    }));
}
