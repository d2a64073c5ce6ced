import type { CertificateData } from './certificate-data.js';
import { formatBeijingTime, formatCount, formatGigabytes } from './format.js';

/** One line of the certificate table: Chinese label first, small English below. */
export interface CertificateRow {
  readonly zh: string;
  readonly en: string;
  readonly lines: readonly string[];
  /** Printed in a fixed-pitch font and never re-wrapped (digests). */
  readonly mono?: boolean;
}

// Two full-width spaces: the customary first-line indent of a Chinese paragraph.
export const PREAMBLE =
  '\u3000\u3000兹证明下列电子文件和数字档案已由登记单位提交本中心，经检测合格，予以登记备份。' +
  '其内容摘要已记入本中心透明日志并取得可信时间戳，登记后内容的任何改动均可被发现。';

export const VERIFY_HEADING = '核验方法 How to verify';

export const FOOTNOTES: readonly string[] = [
  '注：1. 数据量按 1 GB = 1,000,000,000 字节（十进制）计算，括号内为精确字节数。',
  '2. 本证明所载时间均为北京时间（UTC+8）。',
  '3. 根摘要由所列摘要算法对本次登记的全部文件及其摘要计算得出，任一文件改动都会使其改变。',
  '4. 本证明由 Yinji 登记备份系统生成；核验结果以登记备份中心的记录为准。',
];

export function certificateRows(d: CertificateData): CertificateRow[] {
  const ts = formatBeijingTime(d.timestampTime);
  return [
    { zh: '登记号', en: 'Registration No.', lines: [d.regno] },
    { zh: '登记单位', en: 'Registering unit', lines: [d.unitName] },
    { zh: '单位代码', en: 'Unit code', lines: [d.unitCode] },
    { zh: '题名', en: 'Title', lines: [d.title] },
    { zh: '版本', en: 'Version', lines: [`第 ${d.version} 版`] },
    { zh: '件数', en: 'Items', lines: [`${formatCount(d.itemCount)} 件`] },
    { zh: '文件数', en: 'Files', lines: [`${formatCount(d.fileCount)} 个`] },
    {
      zh: '数据量',
      en: 'Data volume',
      lines: [`${formatGigabytes(d.byteCount)} GB（${formatCount(d.byteCount)} 字节）`],
    },
    { zh: '摘要算法', en: 'Digest algorithm', lines: [d.digestAlgorithm] },
    { zh: '根摘要', en: 'Root digest', lines: splitInTwo(d.rootDigest), mono: true },
    { zh: '登记时间', en: 'Registered at', lines: [`${formatBeijingTime(d.registeredAt)}（北京时间）`] },
    {
      zh: '可信时间戳',
      en: 'Trusted timestamp',
      lines: [`${ts}（北京时间）`, `时间戳服务：${d.timestampAuthority}`],
    },
    { zh: '日志序号', en: 'Log index', lines: [String(d.logIndex)] },
    { zh: '检查点树大小', en: 'Checkpoint tree size', lines: [String(d.treeSize)] },
  ];
}

export interface VerifyLine {
  readonly text: string;
  readonly size: number;
  readonly mono: boolean;
}

export function verifyLines(d: CertificateData): VerifyLine[] {
  return [
    { text: '扫描左侧二维码或访问以下网址核验本证明：', size: 9, mono: false },
    { text: d.verifyUrl, size: 7.5, mono: true },
    {
      text: '也可离线运行 yinji verify，用本中心出具的 JSON 回执核验手中的文件，无需联网。',
      size: 9,
      mono: false,
    },
  ];
}

/**
 * A digest on two lines of equal length: 64 hex characters do not fit one
 * line at a legible size, and equal halves are easy to compare by eye.
 */
export function splitInTwo(hex: string): string[] {
  const half = Math.ceil(hex.length / 2);
  return [hex.slice(0, half), hex.slice(half)];
}
