import type { Command } from 'commander';
import { getRegistration, listRegistrations, resolveVersion } from '../../center/index.js';
import { formatBytes, printJson, type GlobalOptions } from '../output.js';
import { parseIntOption, withCenter } from './with-center.js';

export function registerInspect(program: Command, global: () => GlobalOptions): void {
  program
    .command('list')
    .description('列出登记 / list registrations')
    .option('--unit <code>', '只列此单位 / only this unit')
    .option('--limit <n>', '每页条数 page size', parseIntOption, 50)
    .option('--offset <n>', '跳过条数 skip', parseIntOption, 0)
    .action(async (flags: { unit?: string; limit: number; offset: number }) => {
      const opts = global();
      const page = await withCenter(opts, (center) => listRegistrations(center, flags));
      if (opts.json) return printJson(page);
      const zh = opts.lang === 'zh';
      process.stdout.write(
        (zh ? '登记号\t版本\t文件数\t大小\t登记时间\t题名\n' : 'regno\tversion\tfiles\tsize\tregistered\ttitle\n') +
          page.items
            .map(
              (r) =>
                `${r.regno}\tv${r.headVersion}\t${r.fileCount}\t${formatBytes(r.byteCount)}\t${r.createdAt}\t${r.title}`,
            )
            .join('\n') +
          (page.items.length ? '\n' : '') +
          (zh ? `共 ${page.total} 条\n` : `${page.total} in all\n`),
      );
    });

  program
    .command('show <regno>')
    .description('显示一个登记的详情 / show a registration')
    .option('--version <n>', '列出此版本的文件 / list files of this version', parseIntOption)
    .option('--files', '列出文件 / list files', false)
    .action(async (regno: string, flags: { version?: number; files: boolean }) => {
      const opts = global();
      const shown = await withCenter(opts, async (center) => {
        const reg = await getRegistration(center, regno);
        const versions = await center.db.registrations.versions(regno);
        const version = resolveVersion(reg, flags.version);
        const files =
          flags.files || flags.version !== undefined
            ? await center.db.registrations.versionFiles(regno, version)
            : undefined;
        const unit = await center.db.units.getById(reg.unitId);
        return { ...reg, unit, versions, files };
      });
      if (opts.json) return printJson(shown);
      const zh = opts.lang === 'zh';
      const lines = [
        `${zh ? '登记号' : 'regno'}: ${shown.regno}`,
        `${zh ? '题名' : 'title'}: ${shown.title}`,
        `${zh ? '单位' : 'unit'}: ${shown.unit?.name ?? ''} (${shown.unit?.code ?? ''})`,
        `${zh ? '保存对象' : 'OCFL object'}: ${shown.objectId}`,
        `${zh ? '登记时间' : 'registered'}: ${shown.createdAt}`,
        `${zh ? '版本' : 'versions'}:`,
        ...shown.versions.map(
          (v) =>
            `  v${v.version}  ${v.createdAt}  ${v.fileCount} ${zh ? '个文件' : 'files'}  ${formatBytes(v.byteCount)}  ${zh ? '新存入' : 'new'} ${formatBytes(v.newContentBytes)}  ${v.message}`,
        ),
        ...(shown.files ? shown.files.map((f) => `  ${f.sha256}  ${String(f.size).padStart(12)}  ${f.path}`) : []),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
