import { extname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { catalogFilters } from '../../catalog/index.js';
import {
  exportCenterCatalog,
  importUnitCatalog,
  pushCatalog,
  searchCenterCatalog,
  setUpperCatalogCenter,
  upperCatalogCenter,
} from '../../center/index.js';
import type { CatalogAccess, CatalogFilters } from '../../db/index.js';
import { EXIT, printJson, say, type GlobalOptions } from '../output.js';
import { parseIntOption, withCenter } from './with-center.js';

/** `--map "原列名=title"`, repeatable. */
function collectMap(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.lastIndexOf('=');
  if (at <= 0 || at === value.length - 1) {
    throw new InvalidArgumentError(`应为 列名=字段 / expected heading=field: ${value}`);
  }
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1).trim() };
}

interface FilterFlags {
  unit?: string;
  fonds?: string;
  category?: string;
  yearFrom?: number;
  yearTo?: number;
  retention?: string;
  open?: boolean;
  controlled?: boolean;
  public?: boolean;
}

function filtersOf(flags: FilterFlags): CatalogFilters {
  const openStatus = flags.open === true ? 'open' : flags.controlled === true ? 'controlled' : undefined;
  return catalogFilters({ ...flags, openStatus });
}

/** On the center's own machine the operator sees everything; --public shows what the public sees. */
const accessOf = (flags: FilterFlags): CatalogAccess => (flags.public === true ? { kind: 'open' } : { kind: 'all' });

function withFilterOptions(cmd: Command): Command {
  return cmd
    .option('--unit <code>', '单位代码 / unit code')
    .option('--fonds <code>', '全宗号 / fonds')
    .option('--category <code>', '门类代码（WS、KJ…）/ record class')
    .option('--year-from <year>', '起始年度 / from year', parseIntOption)
    .option('--year-to <year>', '截止年度 / to year', parseIntOption)
    .option('--retention <value>', '保管期限 / retention (永久, 定期30年, 定期10年)')
    .option('--open', '只要开放条目 / open entries only')
    .option('--controlled', '只要控制条目 / controlled entries only')
    .option('--public', '按公众可见范围 / as the public sees it');
}

export function registerCatalog(program: Command, global: () => GlobalOptions): void {
  const catalog = program.command('catalog').description('档案目录：导入、导出 / the catalog: import and export');

  catalog
    .command('import <file>')
    .description('导入单位目录（.xlsx、.csv，UTF-8 或 GBK）/ import a unit catalog (.xlsx, .csv in UTF-8 or GBK)')
    .requiredOption('--unit <code>', '单位代码 / the unit whose catalog it is')
    .option(
      '--map <heading=field>',
      '列名对应字段，可重复，按单位保存 / map a heading to a field (repeatable, saved per unit)',
      collectMap,
      {},
    )
    .option(
      '--open-by-default',
      '未注明开放状态的条目按开放处理（默认：控制）/ rows that do not say are open (default: controlled)',
    )
    .action(async (file: string, flags: { unit: string; map: Record<string, string>; openByDefault?: boolean }) => {
      const opts = global();
      const report = await withCenter(opts, (center) =>
        importUnitCatalog(center, {
          file,
          unit: flags.unit,
          map: flags.map,
          defaultOpenStatus: flags.openByDefault === true ? 'open' : 'controlled',
          onProgress: (rows) => {
            if (!opts.json && process.stderr.isTTY) process.stderr.write(`\r${rows.toLocaleString('en')} …`);
          },
        }),
      );
      if (!opts.json && process.stderr.isTTY) process.stderr.write('\r');
      // Some rows refused: the good ones are in, but a script must notice.
      process.exitCode = report.rejected > 0 ? EXIT.rejected : EXIT.ok;
      if (opts.json) return printJson(report);
      const zh = opts.lang === 'zh';
      const lines = [
        zh
          ? `${report.file}：共 ${report.rows} 行，新增 ${report.imported}，更新 ${report.updated}，未导入 ${report.rejected}`
          : `${report.file}: ${report.rows} rows, ${report.imported} added, ${report.updated} updated, ${report.rejected} not imported`,
        ...report.problems
          .slice(0, 50)
          .map((p) => `  ${zh ? `第 ${p.line} 行` : `row ${p.line}`}：${p.message[opts.lang]}`),
      ];
      if (report.problems.length > 50) lines.push(zh ? `  ……（--json 查看全部）` : '  … (--json for all)');
      const ignored = report.columns.filter((c) => c.field === null && c.heading !== '').map((c) => c.heading);
      if (ignored.length > 0) {
        lines.push(
          zh
            ? `未识别的列（已忽略，可用 --map 指定）：${ignored.join('、')}`
            : `ignored columns (use --map): ${ignored.join(', ')}`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
    });

  withFilterOptions(
    catalog
      .command('export <file>')
      .description('导出目录为 .xlsx 或 .csv（按扩展名）/ export the catalog as .xlsx or .csv (by extension)'),
  ).action(async (file: string, flags: FilterFlags) => {
    const opts = global();
    const ext = extname(file).toLowerCase().slice(1);
    if (ext !== 'xlsx' && ext !== 'csv')
      throw new InvalidArgumentError('文件名应以 .xlsx 或 .csv 结尾 / the file must end in .xlsx or .csv');
    const count = await withCenter(opts, (center) =>
      exportCenterCatalog(center, file, {
        format: ext,
        filters: filtersOf(flags),
        access: accessOf(flags),
      }),
    );
    if (opts.json) return printJson({ file, entries: count });
    say(opts, { zh: `已导出 ${count} 条目录到 ${file}`, en: `exported ${count} entries to ${file}` });
  });

  catalog
    .command('upper [peer]')
    .description(
      '设置上级目录中心（已配对的伙伴中心），开放目录将推送给它 / set the upper-level catalog center (a paired partner) that gets the open catalog',
    )
    .option('--none', '不再推送 / stop pushing')
    .action(async (peer: string | undefined, flags: { none?: boolean }) => {
      const opts = global();
      const upper = await withCenter(opts, async (center) => {
        if (flags.none === true) await setUpperCatalogCenter(center, null);
        else if (peer !== undefined) await setUpperCatalogCenter(center, peer);
        return upperCatalogCenter(center);
      });
      if (opts.json) return printJson({ upper: upper ?? null });
      say(
        opts,
        upper === undefined
          ? { zh: '未设置上级目录中心', en: 'no upper-level catalog center' }
          : { zh: `上级目录中心：${upper}`, en: `upper-level catalog center: ${upper}` },
      );
    });

  catalog
    .command('push')
    .description(
      '把目录变更推送到上级目录中心（yinji serve 也定时推送）/ push catalog changes to the upper-level catalog center now',
    )
    .action(async () => {
      const opts = global();
      const result = await withCenter(opts, (center) => pushCatalog(center));
      if (opts.json) return printJson(result ?? null);
      if (result === undefined) {
        say(opts, {
          zh: '未设置上级目录中心：先运行 yinji catalog upper <伙伴中心代码>',
          en: 'no upper-level catalog center: run yinji catalog upper <partner id> first',
        });
        process.exitCode = EXIT.usage;
        return;
      }
      say(opts, {
        zh: `已推送 ${result.sent} 条开放目录到 ${result.upper}，撤下 ${result.withdrawn} 条，对方拒收 ${result.rejected} 条`,
        en: `pushed ${result.sent} open entries to ${result.upper}, withdrew ${result.withdrawn}, ${result.rejected} refused`,
      });
      if (result.rejected > 0) process.exitCode = EXIT.rejected;
    });

  withFilterOptions(
    program
      .command('search <query>')
      .description(
        '检索目录与全文（中文无需空格；题名:社保 指定字段；"…" 精确短语）/ search the catalog and full text',
      ),
  )
    .option('--limit <n>', '每页条数 / hits per page', parseIntOption, 10)
    .option('--page <n>', '第几页 / page number', parseIntOption, 1)
    .action(async (query: string, flags: FilterFlags & { limit: number; page: number }) => {
      const opts = global();
      const result = await withCenter(opts, (center) =>
        searchCenterCatalog(center, {
          query,
          filters: filtersOf(flags),
          access: accessOf(flags),
          limit: flags.limit,
          offset: Math.max(0, flags.page - 1) * flags.limit,
        }),
      );
      if (opts.json) {
        return printJson({
          ...result,
          hits: result.hits.map(({ entry: _entry, ...hit }) => hit),
        });
      }
      const zh = opts.lang === 'zh';
      const plain = (html: string): string =>
        html
          .replace(/<mark>/g, '【')
          .replace(/<\/mark>/g, '】')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&');
      const about = result.totalEstimated === true;
      const lines = [zh ? `${about ? '约' : '共'} ${result.total} 条` : `${about ? 'about ' : ''}${result.total} hits`];
      if (result.rankedWithin !== undefined) {
        const n = result.rankedWithin.toLocaleString('en');
        lines.push(
          zh
            ? `（命中过多：按相关度排列的是最新编目的 ${n} 条，请增加检索词或筛选条件）`
            : `(too many hits: ranked among the ${n} most recently catalogued; add words or filters)`,
        );
      }
      result.hits.forEach((h, i) => {
        lines.push(
          `${result.offset + i + 1}. ${h.archivalCode || '—'}  ${plain(h.titleHtml)}${h.openStatus === 'controlled' ? (zh ? '  [控制]' : '  [controlled]') : ''}` +
            (h.entry.holder === '' ? '' : zh ? `  〔保存于 ${h.holder.name}〕` : `  [held by ${h.holder.name}]`),
        );
        if (h.snippet !== '') lines.push(`   ${plain(h.snippet)}`);
      });
      process.stdout.write(lines.join('\n') + '\n');
    });
}
