import type { Command } from 'commander';
import {
  exportBag,
  restore,
  restoreMany,
  verifyRestored,
  type RestoreManyItem,
  type RestoreManyStatus,
  type RestoredFileProblem,
} from '../../center/index.js';
import type { Message } from '../../core/index.js';
import { EXIT, exitCodeFor, formatBytes, printJson, say, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { parseIntOption, withCenter } from './with-center.js';

interface RestoreFlags {
  to: string;
  version?: number;
  unit?: string;
  all: boolean;
  verify: boolean;
}

const STATUS_NAMES: Record<RestoreManyStatus, Message> = {
  restored: { zh: '已恢复', en: 'restored' },
  skipped: { zh: '已跳过', en: 'skipped' },
  failed: { zh: '失败', en: 'failed' },
};

const PROBLEM_NAMES: Record<RestoredFileProblem['problem'], Message> = {
  missing: { zh: '缺失', en: 'missing' },
  size: { zh: '大小不符', en: 'size differs' },
  digest: { zh: 'SHA-256 不符', en: 'SHA-256 differs' },
};

/** How many problems per registration are listed in text output (all are in --json). */
const SHOWN_PROBLEMS = 10;

function sayProblems(opts: GlobalOptions, regno: string, problems: readonly RestoredFileProblem[]): void {
  for (const p of problems.slice(0, SHOWN_PROBLEMS)) {
    say(opts, {
      zh: `    核验不符 ${regno}：${p.path}（${PROBLEM_NAMES[p.problem].zh}）`,
      en: `    verification failed ${regno}: ${p.path} (${PROBLEM_NAMES[p.problem].en})`,
    });
  }
  if (problems.length > SHOWN_PROBLEMS) {
    say(opts, {
      zh: `    ……另有 ${problems.length - SHOWN_PROBLEMS} 个文件不符`,
      en: `    … and ${problems.length - SHOWN_PROBLEMS} more files`,
    });
  }
}

/** The exit code of a many-registration restore: integrity before other failures before a skipped target. */
function worstExit(items: readonly RestoreManyItem[]): number {
  let worst: number = EXIT.ok;
  let rank = 0;
  for (const item of items) {
    const code = item.verified === false ? EXIT.integrity : item.code !== undefined ? exitCodeFor(item.code) : EXIT.ok;
    const r = code === EXIT.ok ? 0 : code === EXIT.integrity ? 3 : item.status === 'skipped' ? 1 : 2;
    if (r > rank) {
      rank = r;
      worst = code;
    }
  }
  return worst;
}

function usage(command: Command, text: string): never {
  command.error(text, { exitCode: EXIT.usage });
}

export function registerRestore(program: Command, global: () => GlobalOptions): void {
  program
    .command('restore [regno]')
    .description(
      '把登记的内容恢复到一个新目录；--all 恢复全部登记（灾难恢复）/ restore a registration into a new directory; --all restores every registration (disaster recovery)',
    )
    .requiredOption(
      '--to <dir>',
      '目标目录（单个登记：须不存在或为空；--all：每个登记一个子目录）/ target directory (one registration: absent or empty; --all: a subdirectory per registration)',
    )
    .option('--version <n>', '版本号，默认最新 / version, default the latest', parseIntOption)
    .option('--all', '恢复全部登记的最新版 / restore the head version of every registration', false)
    .option('--unit <code>', '与 --all 一起：只恢复该单位的登记 / with --all: only this unit’s registrations')
    .option(
      '--verify',
      '写完后从磁盘重读每个文件并核对 SHA-256 / re-read every restored file from disk and check its SHA-256',
      false,
    )
    .action(async (regno: string | undefined, flags: RestoreFlags, command: Command) => {
      const opts = global();
      if (flags.all && regno !== undefined) {
        usage(command, '--all 不能与登记号同时使用 / --all cannot be given with a registration number');
      }
      if (flags.unit !== undefined && !flags.all) {
        usage(command, '--unit 须与 --all 一起使用 / --unit needs --all');
      }
      if (flags.all && flags.version !== undefined) {
        usage(
          command,
          '--all 恢复各登记的最新版，不能指定 --version / --all restores head versions; --version is not allowed',
        );
      }
      if (!flags.all) {
        if (regno === undefined) usage(command, '请指定登记号或 --all / give a registration number or --all');
        return restoreOneCommand(opts, regno, flags);
      }
      return restoreAllCommand(opts, flags);
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

async function restoreOneCommand(opts: GlobalOptions, regno: string, flags: RestoreFlags): Promise<void> {
  const bar = progressBar(opts, { default: { zh: '恢复中', en: 'Restoring' } });
  try {
    const { result, check } = await withCenter(opts, async (center) => {
      const result = await restore(center, {
        regno,
        version: flags.version,
        to: flags.to,
        agent: process.env.USER,
        onProgress: (p) => bar.update(p),
      });
      bar.stop();
      const check = flags.verify
        ? await verifyRestored(center, { regno: result.regno, version: result.version, dir: result.to })
        : undefined;
      return { result, check };
    });
    bar.stop();
    if (check !== undefined && !check.verified) process.exitCode = EXIT.integrity;
    if (opts.json) {
      return printJson(
        check === undefined ? result : { ...result, verified: check.verified, problems: check.problems },
      );
    }
    say(opts, {
      zh: `已恢复 ${result.regno} 第 ${result.version} 版到 ${result.to}：${result.fileCount} 个文件，${formatBytes(result.byteCount)}`,
      en: `restored ${result.regno} version ${result.version} to ${result.to}: ${result.fileCount} files, ${formatBytes(result.byteCount)}`,
    });
    if (check === undefined) return;
    if (check.verified) {
      say(opts, {
        zh: `核验通过：${check.files} 个文件的 SHA-256 均与登记一致`,
        en: `verified: the SHA-256 of all ${check.files} files matches the registration`,
      });
      return;
    }
    say(opts, {
      zh: `核验未通过：${check.problems.length} 个文件与登记 ${check.regno} 不符`,
      en: `verification failed: ${check.problems.length} files do not match registration ${check.regno}`,
    });
    sayProblems(opts, check.regno, check.problems);
  } finally {
    bar.stop();
  }
}

async function restoreAllCommand(opts: GlobalOptions, flags: RestoreFlags): Promise<void> {
  const bar = progressBar(
    opts,
    { default: { zh: '恢复登记', en: 'Restoring registrations' } },
    { zh: '个登记', en: 'registrations' },
  );
  try {
    const result = await withCenter(opts, (center) =>
      restoreMany(center, {
        to: flags.to,
        unit: flags.unit,
        verify: flags.verify,
        agent: process.env.USER,
        onProgress: (p) =>
          bar.update({
            bytes: p.bytes,
            totalBytes: p.totalBytes,
            files: p.registrations,
            totalFiles: p.totalRegistrations,
          }),
      }),
    );
    bar.stop();
    process.exitCode = worstExit(result.items);
    if (opts.json) {
      return printJson({
        ...result,
        items: result.items.map((i) => ({ ...i, reason: i.reason?.[opts.lang] })),
      });
    }
    for (const item of result.items) {
      // Registrations an earlier run restored (skipped without a code) are only counted.
      if (item.status === 'failed' || item.code !== undefined) {
        say(opts, {
          zh: `${item.regno}  ${STATUS_NAMES[item.status].zh}${item.code && item.status === 'failed' ? ` [${item.code}]` : ''}：${item.reason?.zh ?? ''}`,
          en: `${item.regno}  ${STATUS_NAMES[item.status].en}${item.code && item.status === 'failed' ? ` [${item.code}]` : ''}: ${item.reason?.en ?? ''}`,
        });
      }
      if (item.verified === false) sayProblems(opts, item.regno, item.problems ?? []);
    }
    const t = result.totals;
    const seconds = (result.elapsedMs / 1000).toFixed(1);
    say(opts, {
      zh: `恢复到 ${result.to}：共 ${t.registrations} 个登记，恢复 ${t.restored}，跳过 ${t.skipped}，失败 ${t.failed}；${t.files} 个文件，${formatBytes(t.bytes)}，用时 ${seconds} 秒${flags.verify ? (t.verifyFailed === 0 ? '；核验全部通过' : `；${t.verifyFailed} 个登记核验未通过`) : ''}`,
      en: `restored to ${result.to}: ${t.registrations} registrations, ${t.restored} restored, ${t.skipped} skipped, ${t.failed} failed; ${t.files} files, ${formatBytes(t.bytes)} in ${seconds} s${flags.verify ? (t.verifyFailed === 0 ? '; all verified' : `; ${t.verifyFailed} registrations failed verification`) : ''}`,
    });
  } finally {
    bar.stop();
  }
}
