import type { Command } from 'commander';
import { exportBag, restore } from '../../center/index.js';
import { formatBytes, printJson, say, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { parseIntOption, withCenter } from './with-center.js';

export function registerRestore(program: Command, global: () => GlobalOptions): void {
  program
    .command('restore <regno>')
    .description('把登记的内容恢复到一个新目录 / restore a registration into a new directory')
    .requiredOption('--to <dir>', '目标目录（须不存在或为空）/ target directory (absent or empty)')
    .option('--version <n>', '版本号，默认最新 / version, default the latest', parseIntOption)
    .action(async (regno: string, flags: { to: string; version?: number }) => {
      const opts = global();
      const bar = progressBar(opts, { default: { zh: '恢复中', en: 'Restoring' } });
      try {
        const result = await withCenter(opts, (center) =>
          restore(center, {
            regno,
            version: flags.version,
            to: flags.to,
            agent: process.env.USER,
            onProgress: (p) => bar.update(p),
          }),
        );
        bar.stop();
        if (opts.json) return printJson(result);
        say(opts, {
          zh: `已恢复 ${result.regno} 第 ${result.version} 版到 ${result.to}：${result.fileCount} 个文件，${formatBytes(result.byteCount)}`,
          en: `restored ${result.regno} version ${result.version} to ${result.to}: ${result.fileCount} files, ${formatBytes(result.byteCount)}`,
        });
      } finally {
        bar.stop();
      }
    });

  program
    .command('export <regno>')
    .description('导出为 BagIt 包（目录或 .zip）/ export as a BagIt bag (directory or .zip)')
    .requiredOption('--bag <dest>', '目标目录或 .zip 文件 / target directory or .zip file')
    .option('--version <n>', '版本号，默认最新 / version, default the latest', parseIntOption)
    .action(async (regno: string, flags: { bag: string; version?: number }) => {
      const opts = global();
      const result = await withCenter(opts, (center) =>
        exportBag(center, { regno, version: flags.version, dest: flags.bag, agent: process.env.USER }),
      );
      if (opts.json) return printJson(result);
      say(opts, {
        zh: `已导出 ${result.regno} 第 ${result.version} 版为 BagIt 包：${result.dest}`,
        en: `exported ${result.regno} version ${result.version} as a BagIt bag: ${result.dest}`,
      });
    });
}
