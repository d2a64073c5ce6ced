import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { acceptCheckItem, enqueueRecheck, registrationChecks } from '../../center/index.js';
import { formatReportText, renderReportHtml, type CheckReport } from '../../checks/index.js';
import { printJson, say, type GlobalOptions } from '../output.js';
import { parseIntOption, withCenter } from './with-center.js';

interface ChecksFlags {
  version?: number;
  html?: string;
  accept?: string;
  reason?: string;
  recheck?: boolean;
}

export function registerChecks(program: Command, global: () => GlobalOptions): void {
  program
    .command('checks <regno>')
    .description(
      '四性检测报告；--accept 记录接受警告的决定 / four-properties check reports; --accept records accepting a warning',
    )
    .option('--version <n>', '版本，默认最新版 / version (default: head)', parseIntOption)
    .option('--html <file>', '另存为可打印的 HTML 报告 / also write a printable HTML report')
    .option('--accept <itemId>', '接受此检测项的警告，如 YJ-3-3 / accept the warning of this item, e.g. YJ-3-3')
    .option('--reason <text>', '接受的理由（与 --accept 同用）/ why (with --accept)')
    .option('--recheck', '排队一次长期保存阶段（BC）复检 / queue a preservation-stage (BC) re-check')
    .action(async (regno: string, flags: ChecksFlags) => {
      const opts = global();
      if (flags.recheck) {
        const queued = await withCenter(opts, async (center) => {
          const { version } = await registrationChecks(center, regno, flags.version);
          await enqueueRecheck(center.db, { regno, version, round: center.clock.now().toISOString() });
          return { regno, version };
        });
        if (opts.json) return printJson({ queued });
        return say(opts, {
          zh: `已排队复检 ${regno} 第 ${queued.version} 版；运行中的服务或 yinji jobs run 会执行它`,
          en: `queued a re-check of ${regno} v${queued.version}; a running server or yinji jobs run does it`,
        });
      }
      if (flags.accept !== undefined) {
        const accepted = await withCenter(opts, (center) =>
          acceptCheckItem(center, {
            regno,
            version: flags.version,
            itemId: flags.accept!,
            reason: flags.reason ?? '',
            agent: process.env.USER ?? 'operator',
          }),
        );
        if (opts.json) return printJson(accepted);
        return say(opts, {
          zh: `已记录：${accepted.agent} 接受 ${regno} 第 ${accepted.version} 版的 ${accepted.itemId}，理由：${accepted.reason}`,
          en: `recorded: ${accepted.agent} accepted ${accepted.itemId} of ${regno} v${accepted.version}: ${accepted.reason}`,
        });
      }
      const { checks, centerName } = await withCenter(opts, async (center) => ({
        checks: await registrationChecks(center, regno, flags.version),
        centerName: center.config.centerName,
      }));
      if (flags.html !== undefined) {
        const latest = checks.reports.at(-1)?.report as unknown as CheckReport | undefined;
        if (latest !== undefined) {
          await writeFile(flags.html, renderReportHtml(latest, { centerName, regno, version: checks.version }));
        }
      }
      if (opts.json) return printJson(checks);
      if (checks.reports.length === 0) {
        return say(opts, {
          zh: `${regno} 第 ${checks.version} 版没有检测报告（登记早于四性检测功能）`,
          en: `${regno} v${checks.version} has no check report (registered before checks existed)`,
        });
      }
      for (const stored of checks.reports) {
        process.stdout.write(formatReportText(stored.report as unknown as CheckReport, opts.lang));
      }
      for (const a of checks.acceptances) {
        say(opts, {
          zh: `  已接受 ${a.itemId}：${a.agent}，${a.at}，理由：${a.reason}`,
          en: `  accepted ${a.itemId}: ${a.agent}, ${a.at}: ${a.reason}`,
        });
      }
    });
}
