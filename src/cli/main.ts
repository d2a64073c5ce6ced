#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import type { Lang } from '../core/index.js';
import { registerCommands } from './commands/index.js';
import { EXIT, reportError, type GlobalOptions } from './output.js';

/**
 * `yinji`: the CLI of a registration and backup center. Every command takes
 * --data (or YINJI_DATA), --json and --lang; messages are Chinese by default.
 */
function detectLang(argv: readonly string[]): Lang {
  const i = argv.indexOf('--lang');
  const v = i >= 0 ? argv[i + 1] : (process.env.YINJI_LANG ?? 'zh');
  return v === 'en' ? 'en' : 'zh';
}

export function buildProgram(): Command {
  const program = new Command('yinji')
    .description('印记 Yinji — 电子文件和数字档案登记备份中心 / registration and backup center for electronic records')
    .addOption(new Option('--data <dir>', '数据目录 data directory').env('YINJI_DATA').default('./yinji-data'))
    .option('--json', '以 JSON 输出，供脚本使用 / JSON output for scripts', false)
    .addOption(new Option('--lang <lang>', '界面语言 language').choices(['zh', 'en']).env('YINJI_LANG').default('zh'))
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program, () => program.opts<GlobalOptions>());
  return program;
}

async function main(): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError({ json: process.argv.includes('--json'), lang: detectLang(process.argv) }, e);
  }
}

process.exitCode = await main();
