import type { DepositResult } from '../../center/index.js';
import type { UploadResult } from './upload-deposit.js';
import { formatReportText } from '../../checks/index.js';
import { formatBytes, printJson, say, type GlobalOptions } from '../output.js';

/** A registration's outcome, as `yinji deposit` prints it (local or uploaded to a server). */
export function printDepositResult(opts: GlobalOptions, result: DepositResult | UploadResult): void {
  if (opts.json) return printJson(result);
  if ('submission' in result) {
    const s = result.submission;
    say(
      opts,
      s.status === 'submitted'
        ? {
            zh: `已提交登记申请 ${s.id}（${s.title}），自检通过，等待中心审核；可用 GET /api/v1/submissions/${s.id} 查看进度`,
            en: `submitted as submission ${s.id} (${s.title}): the self-check passed; the center reviews it next — follow it at GET /api/v1/submissions/${s.id}`,
          }
        : {
            zh: `登记包已交给登记申请 ${s.id}（${s.title}），当前状态 ${s.status}：请用 GET /api/v1/submissions/${s.id} 查看并继续`,
            en: `the package is with submission ${s.id} (${s.title}), now ${s.status}: see GET /api/v1/submissions/${s.id} and carry on from there`,
          },
    );
  } else {
    say(opts, {
      zh: `已登记 ${result.regno}（第 ${result.version} 版）：${result.fileCount} 个文件，${formatBytes(result.byteCount)}；新存入 ${result.storedFiles} 个文件，${formatBytes(result.storedBytes)}`,
      en: `registered ${result.regno} (version ${result.version}): ${result.fileCount} files, ${formatBytes(result.byteCount)}; newly stored ${result.storedFiles} files, ${formatBytes(result.storedBytes)}`,
    });
  }
  if (result.checks !== null && result.checks.summary.warn > 0) {
    process.stdout.write(formatReportText(result.checks, opts.lang, { onlyProblems: true }));
  }
}
