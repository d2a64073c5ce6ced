import type { Command } from 'commander';
import { deposit, selfCheck, type DepositRequest } from '../../center/index.js';
import { formatReportText, type CheckReport } from '../../checks/index.js';
import { ChecksFailedError } from '../../core/index.js';
import { printJson, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { depositToServer } from './upload-deposit-command.js';
import { printDepositResult } from './deposit-output.js';
import { parseIntOption, withCenter } from './with-center.js';

interface DepositFlags {
  unit?: string;
  unitName?: string;
  title?: string;
  to?: string;
  message?: string;
  checkOnly?: boolean;
  digest?: string;
  items?: number;
  fileCount?: number;
  bytes?: number;
  server?: string;
  resume?: boolean;
}

export function registerDeposit(program: Command, global: () => GlobalOptions): void {
  program
    .command('deposit <path>')
    .description('登记一个文件夹、.zip 或 .tar(.gz) / deposit a folder, .zip or .tar(.gz)')
    .option('--unit <code>', '单位代码 depositing unit code')
    .option('--unit-name <name>', '单位名称（首次登记该单位时）/ unit name on first use')
    .option('--title <title>', '题名 title')
    .option('--to <regno>', '作为已有登记的新版本 / add a new version to this registration')
    .option('--message <text>', '版本说明 version note')
    .option('--check-only', '只做四性检测（自检），不登记 / self-check only: run the checks, register nothing')
    .option('--digest <alg:hex>', '申报的登记包摘要，如 sm3:66c7… / declared package digest, algorithm named')
    .option('--items <n>', '申报的件数 / declared item count', parseIntOption)
    .option('--file-count <n>', '申报的文件数 / declared file count', parseIntOption)
    .option('--bytes <n>', '申报的字节数 / declared byte count', parseIntOption)
    .option('--server <url>', '上传到运行中的中心（断点续传）/ upload to a running center (resumable)')
    .option('--resume', '续传上次中断的上传（默认）/ resume an interrupted upload (the default)')
    .option('--no-resume', '放弃上次中断的上传，从头上传 / discard an interrupted upload, start over')
    .action(async (path: string, flags: DepositFlags) => {
      const opts = global();
      if (flags.server !== undefined) return depositToServer(path, { ...flags, server: flags.server }, opts);
      const bar = progressBar(opts, {
        scan: { zh: '读取并计算摘要', en: 'Reading and hashing' },
        store: { zh: '写入长期保存库', en: 'Writing to the preservation store' },
      });
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      const request: DepositRequest = {
        source: path,
        unit: flags.unit,
        unitName: flags.unitName,
        title: flags.title,
        to: flags.to,
        message: flags.message,
        agent: process.env.USER,
        declared: {
          ...(flags.digest !== undefined ? { packageDigest: flags.digest } : {}),
          ...(flags.items !== undefined ? { itemCount: flags.items } : {}),
          ...(flags.fileCount !== undefined ? { fileCount: flags.fileCount } : {}),
          ...(flags.bytes !== undefined ? { byteCount: flags.bytes } : {}),
        },
        signal: controller.signal,
        onProgress: (p) => bar.update(p),
      };
      try {
        if (flags.checkOnly) {
          const report = await withCenter(opts, (center) => selfCheck(center, request));
          bar.stop();
          if (opts.json) printJson(report);
          else process.stdout.write(formatReportText(report, opts.lang));
          // A self-check that finds blocking problems exits as a refused deposit would (3), registering nothing.
          if (report.blocked) process.exitCode = 3;
          return;
        }
        const result = await withCenter(opts, (center) => deposit(center, request)).catch((e: unknown) => {
          bar.stop();
          if (e instanceof ChecksFailedError && !opts.json) {
            process.stderr.write(formatReportText(e.details.report as CheckReport, opts.lang, { onlyProblems: true }));
          }
          throw e;
        });
        bar.stop();
        printDepositResult(opts, result);
      } finally {
        bar.stop();
        process.off('SIGINT', onSignal);
      }
    });
}
