import type { Command } from 'commander';
import { deposit } from '../../center/index.js';
import { formatBytes, printJson, say, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { withCenter } from './with-center.js';

interface DepositFlags {
  unit?: string;
  unitName?: string;
  title?: string;
  to?: string;
  message?: string;
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
    .action(async (path: string, flags: DepositFlags) => {
      const opts = global();
      const bar = progressBar(opts, {
        scan: { zh: '读取并计算摘要', en: 'Reading and hashing' },
        store: { zh: '写入长期保存库', en: 'Writing to the preservation store' },
      });
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      try {
        const result = await withCenter(opts, (center) =>
          deposit(center, {
            source: path,
            unit: flags.unit,
            unitName: flags.unitName,
            title: flags.title,
            to: flags.to,
            message: flags.message,
            agent: process.env.USER,
            signal: controller.signal,
            onProgress: (p) => bar.update(p),
          }),
        );
        bar.stop();
        if (opts.json) return printJson(result);
        say(opts, {
          zh: `已登记 ${result.regno}（第 ${result.version} 版）：${result.fileCount} 个文件，${formatBytes(result.byteCount)}；新存入 ${result.storedFiles} 个文件，${formatBytes(result.storedBytes)}`,
          en: `registered ${result.regno} (version ${result.version}): ${result.fileCount} files, ${formatBytes(result.byteCount)}; newly stored ${result.storedFiles} files, ${formatBytes(result.storedBytes)}`,
        });
      } finally {
        bar.stop();
        process.off('SIGINT', onSignal);
      }
    });
}
