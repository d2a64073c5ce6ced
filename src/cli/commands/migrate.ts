import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  applyConfigChange,
  migrateCenterDatabase,
  migrateCenterStorage,
  type ConfigChange,
  type MigrateDatabaseOutcome,
  type MigrateStorageOutcome,
} from '../../center/index.js';
import type { Message } from '../../core/index.js';
import { EXIT, exitCodeFor, formatBytes, printJson, say, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { parseIntOption } from './with-center.js';

interface MigrateFlags {
  toDatabase?: string;
  toStorage?: string;
  s3Endpoint?: string;
  s3Region?: string;
  switch: boolean;
  fixity: boolean;
  concurrency: number;
}

/** A database URL fit to print: the password, if any, replaced. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function warn(opts: GlobalOptions, m: Message): void {
  if (!opts.json) process.stderr.write(`${opts.lang === 'zh' ? '警告' : 'warning'}: ${m[opts.lang]}\n`);
}

/** Report the database copy; returns the exit code (0 when the copy may be switched to). */
function reportDatabase(opts: GlobalOptions, to: string, { result }: MigrateDatabaseOutcome): number {
  const skipped = result.skipped.length > 0 ? result.skipped.join(', ') : undefined;
  say(opts, {
    zh: `已将元数据复制到 ${shown(to)}：${result.tables.length} 张表，共 ${result.rows} 行${skipped ? `（临时表 ${skipped} 不复制）` : ''}`,
    en: `copied the metadata to ${shown(to)}: ${result.tables.length} tables, ${result.rows} rows${skipped ? ` (transient ${skipped} not copied)` : ''}`,
  });
  if (result.sourceChanged.length === 0) return EXIT.ok;
  warn(opts, {
    zh: `复制期间源数据库仍有写入（表 ${result.sourceChanged.join('、')}），这些写入不在副本中。请先停止中心，再复制到一个新的空数据库。`,
    en: `the source database was written to during the copy (tables ${result.sourceChanged.join(', ')}); those writes are not in the copy. Stop the center, then copy to a new, empty database.`,
  });
  return EXIT.busy;
}

/** Report the storage copy; returns the exit code (0 when complete and valid). */
function reportStorage(opts: GlobalOptions, { result }: MigrateStorageOutcome): number {
  const { counts } = result;
  for (const o of result.objects) {
    if (o.status !== 'failed' || o.problem === undefined) continue;
    process.stderr.write(`${o.objectId ?? o.path}  [${o.problem.code}] ${o.problem.message[opts.lang]}\n`);
  }
  say(opts, {
    zh: `长期保存库 ${result.source} → ${result.target}：新复制 ${counts.copied} 个对象（${result.files} 个文件，${formatBytes(result.bytes)}），已在目标中 ${counts.unchanged} 个，失败 ${counts.failed} 个`,
    en: `preservation store ${result.source} → ${result.target}: copied ${counts.copied} objects (${result.files} files, ${formatBytes(result.bytes)}), already there ${counts.unchanged}, failed ${counts.failed}`,
  });
  if (counts.skipped > 0) {
    warn(opts, {
      zh: `${counts.skipped} 个对象尚无已提交的版本（登记正在进行或曾中断），未复制；停止中心后再运行一次本命令即可补齐`,
      en: `${counts.skipped} objects have no committed version yet (a deposit in progress or interrupted) and were not copied; run this command again with the center stopped to complete the copy`,
    });
  }
  const firstFailure = result.objects.find((o) => o.status === 'failed')?.problem;
  if (firstFailure !== undefined) {
    say(opts, {
      zh: '未完成：排除上述问题后再次运行同一命令，已完成的对象会跳过。',
      en: 'not complete: fix the problems above and run the same command again; objects already copied are skipped.',
    });
    return exitCodeFor(firstFailure.code);
  }
  const v = result.validation!;
  if (!v.valid) {
    for (const e of v.errors.slice(0, 20)) process.stderr.write(`${e.code}  ${e.path}  ${e.message}\n`);
    say(opts, {
      zh: `目标未通过 OCFL 1.1 校验（${v.errors.length} 处错误）`,
      en: `the target is not a valid OCFL 1.1 storage root (${v.errors.length} errors)`,
    });
    return EXIT.integrity;
  }
  say(opts, {
    zh: `目标通过 OCFL 1.1 校验（${v.warnings.length} 条警告）`,
    en: `the target is a valid OCFL 1.1 storage root (${v.warnings.length} warnings)`,
  });
  return EXIT.ok;
}

function nextSteps(opts: GlobalOptions, file: string, change: ConfigChange, switched: boolean): void {
  const lines = Object.entries(change).map(
    ([k, v]) => `  "${k}": ${JSON.stringify(k === 'database' && typeof v === 'string' ? shown(v) : v)}`,
  );
  if (switched) {
    say(opts, {
      zh: `已更新 ${file}：\n${lines.join('\n')}\n重新启动中心后生效。`,
      en: `updated ${file}:\n${lines.join('\n')}\nrestart the center to use it.`,
    });
    return;
  }
  const store = change.storageRoot !== undefined;
  say(opts, {
    zh: `下一步：停止中心，${store ? '再运行一次本命令（补上复制期间新登记的对象），' : ''}在 ${file} 中设置\n${lines.join('\n')}\n然后重新启动中心（或加 --switch 由本命令在复制成功后写入）。`,
    en: `next: stop the center, ${store ? 'run this command once more (to pick up objects deposited during the copy), ' : ''}set in ${file}\n${lines.join('\n')}\nthen start the center again (or add --switch to have this command write it after a successful copy).`,
  });
}

export function registerMigrate(program: Command, global: () => GlobalOptions): void {
  program
    .command('migrate')
    .description(
      '把中心的数据库或长期保存库复制到新位置 / copy the center’s database or preservation store to a new place',
    )
    .option('--to-database <url>', '复制元数据到一个空的数据库 postgres://… / copy the metadata to an empty database')
    .option(
      '--to-storage <root>',
      '复制 OCFL 存储根到 s3://桶/前缀 或目录 / copy the OCFL root to s3://bucket/prefix or a dir',
    )
    .option('--s3-endpoint <url>', 'S3 兼容服务地址（目标为 s3:// 时）/ S3-compatible endpoint of the target')
    .option('--s3-region <region>', 'S3 区域（目标为 s3:// 时）/ S3 region of the target')
    .option(
      '--switch',
      '复制成功后修改 config.json 指向新位置 / point config.json at the copy once it succeeded',
      false,
    )
    .option('--fixity', '校验目标时重算全部内容摘要 / recompute every digest when validating the target', false)
    .option('--concurrency <n>', '每个对象同时复制的文件数 / files copied at once per object', parseIntOption, 4)
    .action(async (flags: MigrateFlags, command: Command) => {
      const opts = global();
      if (flags.toDatabase === undefined && flags.toStorage === undefined) {
        command.error('需要 --to-database 或 --to-storage / give --to-database or --to-storage', {
          exitCode: EXIT.usage,
        });
      }
      const file = join(resolve(opts.data), 'config.json');
      const out: Record<string, unknown> = {};
      let change: ConfigChange = {};
      let exit: number = EXIT.ok;

      if (flags.toDatabase !== undefined) {
        const outcome = await migrateCenterDatabase(opts.data, flags.toDatabase);
        out.database = outcome.result;
        exit = reportDatabase(opts, flags.toDatabase, outcome);
        if (exit === EXIT.ok) change = { ...change, ...outcome.change };
      }
      if (flags.toStorage !== undefined && exit === EXIT.ok) {
        const bar = progressBar(
          opts,
          { default: { zh: '复制长期保存库', en: 'Copying the store' } },
          { zh: '个对象', en: 'objects' },
        );
        const controller = new AbortController();
        const onSignal = (): void => controller.abort();
        process.once('SIGINT', onSignal);
        try {
          const outcome = await migrateCenterStorage(opts.data, flags.toStorage, {
            ...(flags.s3Endpoint !== undefined ? { s3Endpoint: flags.s3Endpoint } : {}),
            ...(flags.s3Region !== undefined ? { s3Region: flags.s3Region } : {}),
            fixity: flags.fixity,
            concurrency: Math.max(1, flags.concurrency),
            signal: controller.signal,
            onProgress: (p) => bar.update({ bytes: p.bytes, files: p.objectsDone, totalFiles: p.objectsTotal }),
          });
          bar.stop();
          out.storage = outcome.result;
          exit = reportStorage(opts, outcome);
          if (exit === EXIT.ok) change = { ...change, ...outcome.change };
        } catch (e) {
          if (!controller.signal.aborted) throw e;
          bar.stop();
          say(opts, {
            zh: '已中断。已完成的对象保留在目标中；再次运行同一命令即可继续。',
            en: 'interrupted. Objects already copied stay in the target; run the same command again to resume.',
          });
          exit = 130; // 128 + SIGINT, as shells report Ctrl+C
        } finally {
          bar.stop();
          process.off('SIGINT', onSignal);
        }
      }

      const switched = flags.switch && exit === EXIT.ok && Object.keys(change).length > 0;
      if (switched) await applyConfigChange(opts.data, change);
      if (opts.json) printJson({ ...out, config: { file, change }, switched });
      else if (Object.keys(change).length > 0) nextSteps(opts, file, change, switched);
      process.exitCode = exit;
    });
}
