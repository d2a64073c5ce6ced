/**
 * Items about the content files' formats (DA/T 70 1-10, 3-3, 3-4, 3-8), read
 * from the FormatReport the format probe (checks/formats) left on each file.
 * Files the probe did not reach are skipped; when it reached none, the items
 * say "not run" rather than pass.
 */
import type { Message } from '../../core/index.js';
import { extensionOf } from '../formats/extensions.js';
import type { CheckItem, DepositView, FileView, Finding, FormatReport, ItemVerdict } from '../types.js';

const ALL = ['GD', 'YJ', 'BC'] as const;

type Probed = FileView & { readonly format: FormatReport };

const notProbed: Message = {
  zh: '未进行格式识别，无法检测',
  en: 'format identification did not run, so this cannot be checked',
};

/** Findings for the probed files `judge` picks out; "not run" when no file was probed. */
function perFile(view: DepositView, judge: (f: Probed) => Omit<Finding, 'object'> | undefined): ItemVerdict {
  if (view.files.length === 0) {
    return { notApplicable: { zh: '登记包中没有内容文件', en: 'the package holds no content files' } };
  }
  const probed = view.files.filter((f): f is Probed => f.format !== undefined);
  if (probed.length === 0) return { notRun: notProbed };
  const findings: Finding[] = [];
  for (const file of probed) {
    const found = judge(file);
    if (found) findings.push({ object: { kind: 'file', ref: file.path }, ...found });
  }
  return { findings };
}

/** "PDF 1.7，扩展名 .docx" — what was found and what the name says, for reasons. */
function described(f: Probed): { zh: string; en: string; ext: string } {
  const ext = extensionOf(f.path);
  const shown = ext === '' ? { zh: '无扩展名', en: 'no extension' } : { zh: `扩展名 .${ext}`, en: `extension .${ext}` };
  return { zh: `${f.format.name}，${shown.zh}`, en: `${f.format.name}, ${shown.en}`, ext };
}

/** 1-10: the extension names the format the content is in (no "fake extension"). */
const formatExtension: CheckItem = {
  key: 'format-extension',
  property: 1,
  number: 10,
  stages: ALL,
  title: { zh: '电子文件格式与扩展名一致', en: 'file format matches its extension' },
  run: (view) =>
    perFile(view, (f) => {
      if (!f.format.extensionMismatch) return undefined;
      const d = described(f);
      return {
        reason: {
          zh: `“${f.path}”的实际格式为 ${f.format.name}，与扩展名 .${d.ext} 不符`,
          en: `"${f.path}" is ${f.format.name}, not what its extension .${d.ext} says`,
        },
        details: { format: f.format.format, extension: d.ext, mime: f.format.mime },
      };
    }),
};

/** Whether a file's format is on the profile's list; "pdfa" approves any PDF declaring PDF/A, "pdf" any PDF. */
export function isApprovedFormat(report: FormatReport, approved: readonly string[]): boolean {
  const list = approved.map((a) => a.toLowerCase());
  if (list.includes(report.format)) return true;
  return report.format === 'pdf' && report.pdfa !== undefined && list.includes('pdfa');
}

/** 3-3: content in a format approved for long-term preservation (the profile's list). */
const approvedFormat: CheckItem = {
  key: 'approved-format',
  property: 3,
  number: 3,
  stages: ALL,
  title: { zh: '电子文件格式符合长期保存要求', en: 'content in an approved long-term preservation format' },
  run: (view) => {
    const approved = view.settings.approvedFormats;
    if (approved.length === 0) {
      return { notApplicable: { zh: '检测方案未规定长期保存格式', en: 'the check profile lists no approved formats' } };
    }
    const list = approved.join('、');
    return perFile(view, (f) => {
      if (f.format.format === 'empty' || isApprovedFormat(f.format, approved)) return undefined;
      const d = described(f);
      return {
        reason: {
          zh: `“${f.path}”（${d.zh}）不属于批准的长期保存格式（${list}）`,
          en: `"${f.path}" (${d.en}) is not in an approved format (${approved.join(', ')})`,
        },
        details: { format: f.format.format, ...(f.format.pdfa ? { pdfa: f.format.pdfa } : {}), approved },
      };
    });
  },
};

/** 3-4: content readable — the structure of its format is intact. Empty files are another item's business. */
const formatValid: CheckItem = {
  key: 'format-valid',
  property: 3,
  number: 4,
  stages: ALL,
  title: { zh: '电子文件内容可读（格式结构有效）', en: 'content readable and valid' },
  run: (view) =>
    perFile(view, (f) => {
      if (f.format.valid !== false || f.format.format === 'empty') return undefined;
      const d = described(f);
      const problems = f.format.problems;
      return {
        reason: {
          zh: `“${f.path}”（${d.zh}）结构损坏：${problems.map((p) => p.zh).join('；') || '原因不明'}`,
          en: `"${f.path}" (${d.en}) is damaged: ${problems.map((p) => p.en).join('; ') || 'no reason given'}`,
        },
        details: { format: f.format.format, problems },
      };
    }),
};

/** 3-8: no encryption or password protection inside the package. */
const noEncryption: CheckItem = {
  key: 'no-encryption',
  property: 3,
  number: 8,
  stages: ALL,
  title: { zh: '无加密或口令保护', en: 'no encryption or password protection' },
  run: (view) =>
    perFile(view, (f) => {
      if (!f.format.encrypted) return undefined;
      const d = described(f);
      return {
        reason: {
          zh: `“${f.path}”（${d.zh}）已加密或设有口令保护，长期保存中可能无法打开；请提交未加密的版本`,
          en: `"${f.path}" (${d.en}) is encrypted or password-protected and may not open in long-term preservation; deposit an unencrypted copy`,
        },
        details: { format: f.format.format },
      };
    }),
};

export const FORMAT_ITEMS: readonly CheckItem[] = [formatExtension, approvedFormat, formatValid, noEncryption];
