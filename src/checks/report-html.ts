import { PROPERTY_NAMES, type CheckReport } from './run.js';
import { OUTCOME_NAMES } from './report-text.js';

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A printable report (one self-contained HTML page, Chinese with English
 * beneath, print styles for A4): what an archivist files with the
 * registration or hands back to a unit with a returned deposit.
 */
export function renderReportHtml(
  report: CheckReport,
  subject: { centerName: string; regno?: string; version?: number },
): string {
  const s = report.summary;
  const rows = report.items
    .map((item) => {
      const findings = item.findings
        .map(
          (f) =>
            `<li><code>${escape(f.object.ref)}</code> ${escape(f.reason.zh)}<br><small>${escape(f.reason.en)}</small></li>`,
        )
        .join('');
      const cut =
        item.findingCount > item.findings.length
          ? `<li>……共 ${item.findingCount} 条，此处列出前 ${item.findings.length} 条 / ${item.findingCount} in all, the first ${item.findings.length} listed</li>`
          : '';
      const reason = item.reason
        ? `<div>${escape(item.reason.zh)}<br><small>${escape(item.reason.en)}</small></div>`
        : '';
      return `<tr class="${item.outcome}">
<td>${escape(item.id)}</td>
<td>${escape(PROPERTY_NAMES[item.property].zh)}<br><small>${PROPERTY_NAMES[item.property].en}</small></td>
<td>${escape(item.title.zh)}<br><small>${escape(item.title.en)}</small>${reason}${findings ? `<ul>${findings}${cut}</ul>` : ''}</td>
<td class="outcome">${OUTCOME_NAMES[item.outcome].zh}<br><small>${OUTCOME_NAMES[item.outcome].en}</small></td>
</tr>`;
    })
    .join('\n');
  const what =
    subject.regno !== undefined
      ? `${escape(subject.regno)}${subject.version !== undefined ? ` 第 ${subject.version} 版` : ''}`
      : escape(report.package.name);
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>四性检测报告 ${what}</title>
<style>
  body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "AR PL SungtiL GB", sans-serif; margin: 2em; color: #222; }
  h1 { font-size: 1.4em; margin-bottom: 0.2em; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
  th, td { border: 1px solid #999; padding: 0.35em 0.5em; vertical-align: top; text-align: left; }
  small { color: #666; }
  tr.fail td.outcome { color: #b00020; font-weight: bold; }
  tr.warn td.outcome { color: #a05a00; font-weight: bold; }
  tr.pass td.outcome { color: #1b5e20; }
  ul { margin: 0.3em 0 0 1.2em; padding: 0; }
  @media print { body { margin: 1cm; } tr { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>电子文件四性检测报告 <small>Four-properties check report</small></h1>
<p>${escape(subject.centerName)} · ${what} · 阶段 stage ${escape(report.stage)} · 方案 profile ${escape(report.profile)} · ${escape(report.checkedAt)}</p>
<p>登记包 package: ${escape(report.package.name)} (${escape(report.package.kind)}), ${report.package.files} 个文件 files, ${report.package.bytes} 字节 bytes</p>
<p><strong>${report.blocked ? '结论：不通过，退回 Result: failed, returned' : '结论：通过 Result: passed'}</strong> —
通过 pass ${s.pass} · 不通过 fail ${s.fail} · 警告 warn ${s.warn} · 不适用 n/a ${s.notApplicable} · 未检测 not run ${s.notRun}</p>
<table>
<thead><tr><th>编号 ID</th><th>性质 Property</th><th>检测项 Item</th><th>结果 Outcome</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
