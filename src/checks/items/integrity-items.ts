/**
 * Items about fixity and completeness: what the depositor declared against
 * what arrived (DA/T 70 1-1, 1-11, 1-14, 2-1, 2-2, 2-7, 2-11, 4-3).
 */
import type { Message } from '../../core/index.js';
import type { CheckItem, DepositView, Finding, ItemVerdict } from '../types.js';
import { signatureFindings, unsupportedSignatureFindings } from './security-items.js';

const ALL = ['GD', 'YJ', 'BC'] as const;
const fileObject = (path: string) => ({ kind: 'file', ref: path }) as const;
const packageObject = (view: DepositView) => ({ kind: 'package', ref: view.package.name }) as const;
const verdict = (findings: Finding[]): ItemVerdict => ({ findings });
const notApplicable = (zh: string, en: string): ItemVerdict => ({ notApplicable: { zh, en } });

/** 1-1: every declared digest (any algorithm named on the form) and every e-signature in the package verifies. */
const fixity: CheckItem = {
  key: 'fixity',
  property: 1,
  number: 1,
  stages: ALL,
  title: { zh: '固化信息有效性（摘要值、电子签名）', en: 'fixity information valid (digests, e-signatures)' },
  run: (view) => {
    const declared = view.files.filter((f) => f.declaredDigests.length > 0);
    if (declared.length === 0 && view.signatures.length === 0) {
      return notApplicable(
        '登记包未声明摘要值，也不含电子签名',
        'the package declares no digests and holds no e-signatures',
      );
    }
    const findings: Finding[] = [];
    for (const file of declared) {
      for (const d of file.declaredDigests) {
        const actual = file.digests[d.algorithm];
        if (actual === undefined) {
          findings.push({
            object: fileObject(file.path),
            reason: {
              zh: `未能计算 ${d.algorithm} 摘要以比对 ${d.source} 中的声明`,
              en: `could not compute ${d.algorithm} to compare with ${d.source}`,
            },
          });
        } else if (actual !== d.value) {
          findings.push({
            object: fileObject(file.path),
            reason: {
              zh: `${d.algorithm} 摘要值与 ${d.source} 中声明的不符`,
              en: `${d.algorithm} digest does not match the one declared in ${d.source}`,
            },
            details: { algorithm: d.algorithm, declared: d.value, actual, source: d.source },
          });
        }
      }
    }
    findings.push(...signatureFindings(view));
    return verdict(findings);
  },
};

/** 1-14: the package received is the package sent — its digest matches the one declared on the form. */
const packageDigest: CheckItem = {
  key: 'package-digest',
  property: 1,
  number: 14,
  stages: ['YJ'],
  title: { zh: '登记包摘要值与申报一致', en: 'package digest matches the declared one' },
  run: (view) => {
    const declared = view.declared.packageDigest;
    if (declared === undefined) return notApplicable('未申报登记包摘要值', 'no package digest was declared');
    const actual = view.package.digests?.[declared.algorithm];
    if (actual === declared.value) return verdict([]);
    return verdict([
      {
        object: packageObject(view),
        reason:
          actual === undefined
            ? {
                zh: `未能计算登记包的 ${declared.algorithm} 摘要`,
                en: `the package's ${declared.algorithm} digest was not computed`,
              }
            : {
                zh: `登记包的 ${declared.algorithm} 摘要值与申报的不符：收到的不是发出的那个包`,
                en: `the package's ${declared.algorithm} digest differs from the declared one: what arrived is not what was sent`,
              },
        details: { algorithm: declared.algorithm, declared: declared.value, actual },
      },
    ]);
  },
};

function countMismatch(view: DepositView, what: Message, declared: number | undefined, actual: number): ItemVerdict {
  if (declared === undefined) return notApplicable(`未申报${what.zh}`, `no ${what.en} was declared`);
  if (declared === actual) return verdict([]);
  return verdict([
    {
      object: packageObject(view),
      reason: {
        zh: `申报${what.zh} ${declared}，实际 ${actual}`,
        en: `declared ${what.en} ${declared}, found ${actual}`,
      },
      details: { declared, actual },
    },
  ]);
}

/** 2-1: the number of items (records) matches the declared count. */
const itemCount: CheckItem = {
  key: 'item-count',
  property: 2,
  number: 1,
  stages: ALL,
  title: { zh: '总件数相符', en: 'total item count matches' },
  run: (view) =>
    countMismatch(
      view,
      { zh: '件数', en: 'item count' },
      view.declared.itemCount,
      view.catalog.records.length > 0 ? view.catalog.records.length : view.files.length,
    ),
};

/** 2-2: the total size matches the declared byte count. */
const byteCount: CheckItem = {
  key: 'byte-count',
  property: 2,
  number: 2,
  stages: ALL,
  title: { zh: '总字节数相符', en: 'total byte count matches' },
  run: (view) =>
    countMismatch(
      view,
      { zh: '字节数', en: 'byte count' },
      view.declared.byteCount,
      view.files.reduce((n, f) => n + f.size, 0),
    ),
};

/** 2-7: content complete — no file without content. */
const emptyFiles: CheckItem = {
  key: 'empty-files',
  property: 2,
  number: 7,
  stages: ALL,
  title: { zh: '电子文件内容完整（无空文件）', en: 'content complete (no empty files)' },
  run: (view) =>
    verdict(
      view.files
        .filter((f) => f.size === 0)
        .map((f) => ({
          object: fileObject(f.path),
          reason: { zh: '文件没有内容（0 字节）', en: 'the file has no content (0 bytes)' },
        })),
    ),
};

/** 2-11: the files present are the files declared — count and list. */
const fileList: CheckItem = {
  key: 'file-list',
  property: 2,
  number: 11,
  stages: ALL,
  title: { zh: '电子文件数量及清单相符', en: 'file count and list match the declared ones' },
  run: (view) => {
    const { fileCount, files } = view.declared;
    if (fileCount === undefined && files === undefined) {
      return notApplicable('未申报文件数或文件清单', 'no file count or file list was declared');
    }
    const findings: Finding[] = [];
    if (fileCount !== undefined && fileCount !== view.files.length) {
      findings.push({
        object: packageObject(view),
        reason: {
          zh: `申报文件数 ${fileCount}，实际 ${view.files.length}`,
          en: `declared ${fileCount} files, found ${view.files.length}`,
        },
        details: { declared: fileCount, actual: view.files.length },
      });
    }
    const present = new Set(view.files.map((f) => f.path));
    for (const path of files ?? []) {
      if (!present.has(path)) {
        findings.push({ object: fileObject(path), reason: { zh: '清单中的文件缺失', en: 'a listed file is missing' } });
      }
    }
    return verdict(findings);
  },
};

/** 1-11: every path the metadata names points at a real file of the package, and every record has its file. */
const catalogFiles: CheckItem = {
  key: 'catalog-files',
  property: 1,
  number: 11,
  stages: ALL,
  title: { zh: '元数据中的文件路径指向实际文件', en: 'paths in the metadata point at real files' },
  run: (view) => {
    if (view.catalog.sources.length === 0) return notApplicable('登记包没有目录数据', 'the package has no catalog');
    const present = new Set(view.files.map((f) => f.path));
    const findings: Finding[] = [];
    for (const record of view.catalog.records) {
      const ref = record.fields['档号'] || record.source;
      const named = record.fields['计算机文件名'];
      if (record.files.length === 0) {
        findings.push({
          object: { kind: 'record', ref },
          reason: named
            ? {
                zh: `目录所列文件 ${named} 不在登记包中`,
                en: `the file ${named} named in the catalog is not in the package`,
              }
            : { zh: '目录条目没有对应的电子文件', en: 'no file of the package belongs to this catalog record' },
          details: { source: record.source },
        });
      }
      for (const path of record.files) {
        if (!present.has(path)) {
          findings.push({
            object: { kind: 'record', ref },
            reason: {
              zh: `目录所列文件 ${path} 不在登记包中`,
              en: `the file ${path} named in the catalog is not in the package`,
            },
            details: { source: record.source },
          });
        }
      }
    }
    return verdict(findings);
  },
};

/** Files operating systems and editors leave behind; never records. */
const JUNK = /(^|\/)(thumbs\.db|desktop\.ini|\.ds_store|~\$[^/]*|\._[^/]*|__macosx\/.*|\.~lock\.[^/]*#)$/i;

/** 4-3: nothing extraneous: system junk, and files no metadata record or declared list accounts for. */
const extraneousFiles: CheckItem = {
  key: 'extraneous-files',
  property: 4,
  number: 3,
  stages: ALL,
  title: { zh: '无多余文件', en: 'no extraneous files' },
  run: (view) => {
    const accounted = new Set<string>([
      ...(view.declared.files ?? []),
      ...view.catalog.records.flatMap((r) => r.files),
    ]);
    const listed = view.declared.files !== undefined || view.catalog.records.length > 0;
    const findings: Finding[] = [];
    for (const f of view.files) {
      if (JUNK.test(f.path)) {
        findings.push({
          object: fileObject(f.path),
          reason: { zh: '系统或编辑器遗留的文件', en: 'a file left by the operating system or an editor' },
        });
      } else if (listed && !accounted.has(f.path)) {
        findings.push({
          object: fileObject(f.path),
          reason: { zh: '没有任何目录条目或清单提到此文件', en: 'no catalog record or list mentions this file' },
        });
      }
    }
    return verdict(findings);
  },
};

/**
 * 1-15: every e-signature in the package could be checked. A signature with
 * an algorithm Yinji does not support, or no certificate, is no evidence
 * either way; it must not let 1-1 pass unnoticed (a tamperer could simply
 * rename the algorithm), so it is reported here: a warning by default,
 * blocking in the strict profile.
 */
const signaturesVerifiable: CheckItem = {
  key: 'signatures-verifiable',
  property: 1,
  number: 15,
  stages: ALL,
  title: { zh: '电子签名均可核验', en: 'every e-signature could be checked' },
  run: (view) => {
    if (view.signatures.length === 0) return notApplicable('登记包不含电子签名', 'the package holds no e-signatures');
    return verdict(unsupportedSignatureFindings(view));
  },
};

export const INTEGRITY_ITEMS: readonly CheckItem[] = [
  fixity,
  signaturesVerifiable,
  catalogFiles,
  packageDigest,
  itemCount,
  byteCount,
  emptyFiles,
  fileList,
  extraneousFiles,
];
