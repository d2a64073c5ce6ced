import type { Command } from 'commander';
import { validateBagAt, validateCenterStore, validateStoreAt } from '../../center/index.js';
import type { Message } from '../../core/index.js';
import { EXIT, printJson, say, type GlobalOptions } from '../output.js';
import { withCenter } from './with-center.js';

interface Finding {
  readonly code: string;
  readonly message: string | Message;
  readonly path?: string;
}

function text(opts: GlobalOptions, m: string | Message): string {
  return typeof m === 'string' ? m : m[opts.lang];
}

/**
 * Every error on its own line; warnings grouped by code with one example, since
 * a large store repeats the same warning (e.g. W004) for every inventory.
 * `--json` always carries every finding.
 */
function printFindings(opts: GlobalOptions, errors: readonly Finding[], warnings: readonly Finding[]): void {
  for (const f of errors) process.stdout.write(`${f.code}  ${f.path ?? ''}  ${text(opts, f.message)}\n`);
  const byCode = new Map<string, Finding[]>();
  for (const w of warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
  for (const [code, group] of byCode) {
    const first = group[0]!;
    const more =
      group.length > 1 ? (opts.lang === 'zh' ? `（共 ${group.length} 处）` : ` (${group.length} in all)`) : '';
    process.stdout.write(`${code}  ${first.path ?? ''}  ${text(opts, first.message)}${more}\n`);
  }
}

export function registerValidate(program: Command, global: () => GlobalOptions): void {
  const bag = program.command('bag').description('BagIt 包 / BagIt bags');
  bag
    .command('validate <path>')
    .description('校验任意 BagIt 包（目录或 .zip），列出全部问题 / validate any bag, listing every violation')
    .option('--allow-fetch', '允许 fetch.txt（不下载）/ accept fetch.txt (nothing is fetched)', false)
    .action(async (path: string, flags: { allowFetch: boolean }) => {
      const opts = global();
      const report = await validateBagAt(path, { allowFetch: flags.allowFetch });
      if (opts.json) printJson(report);
      else {
        printFindings(opts, report.violations, report.warnings);
        say(
          opts,
          report.valid
            ? { zh: `有效的 BagIt 包：${path}`, en: `valid bag: ${path}` }
            : {
                zh: `无效的 BagIt 包：${path}（${report.violations.length} 处问题）`,
                en: `invalid bag: ${path} (${report.violations.length} violations)`,
              },
        );
      }
      process.exitCode = report.valid ? EXIT.ok : EXIT.invalid;
    });

  const store = program.command('store').description('长期保存库（OCFL）/ the preservation store (OCFL)');
  store
    .command('validate [path]')
    .description('按 OCFL 1.1 校验存储根或单个对象 / validate an OCFL storage root or object')
    .option('--no-fixity', '不重算内容摘要（更快）/ skip recomputing content digests (faster)')
    .action(async (path: string | undefined, flags: { fixity: boolean }) => {
      const opts = global();
      const report =
        path === undefined
          ? await withCenter(opts, (center) => validateCenterStore(center, { fixity: flags.fixity }))
          : await validateStoreAt(path, { fixity: flags.fixity });
      if (opts.json) printJson(report);
      else {
        printFindings(opts, report.errors, report.warnings);
        say(
          opts,
          report.valid
            ? {
                zh: `OCFL 校验通过（${report.warnings.length} 条警告）`,
                en: `OCFL valid (${report.warnings.length} warnings)`,
              }
            : {
                zh: `OCFL 校验未通过：${report.errors.length} 处错误`,
                en: `OCFL invalid: ${report.errors.length} errors`,
              },
        );
      }
      process.exitCode = report.valid ? EXIT.ok : EXIT.invalid;
    });
}
