import type { Command } from 'commander';
import { verifyCenterAuditLog } from '../../center/index.js';
import { EXIT, printJson, say, type GlobalOptions } from '../output.js';
import { parseIntOption, withCenter } from './with-center.js';

// TODO(issue 5, auth): only the security auditor (安全审计员) may read the audit log. These commands run
// with direct access to the data directory; when the auth work adds roles, gate them on the auditor role.
export function registerAuditLog(program: Command, global: () => GlobalOptions): void {
  const audit = program
    .command('audit-log')
    .description('安全审计日志（哈希链）/ the security audit log (a hash chain)');

  audit
    .command('verify')
    .description('核验审计日志是否被改动、删除或调换顺序 / detect edited, deleted or reordered entries')
    .action(async () => {
      const opts = global();
      const report = await withCenter(opts, (center) => verifyCenterAuditLog(center));
      process.exitCode = report.ok ? EXIT.ok : EXIT.integrity;
      if (opts.json) return printJson(report);
      const zh = opts.lang === 'zh';
      for (const f of report.findings) process.stdout.write(`${f.seq}\t${f.problem}\t${f.message[opts.lang]}\n`);
      if (report.ok) {
        say(opts, {
          zh: `审计日志完整：${report.entries} 条，已锚定至第 ${report.anchoredLength} 条（${report.anchors} 次锚定）`,
          en: `audit log intact: ${report.entries} entries, anchored up to entry ${report.anchoredLength} (${report.anchors} anchors)`,
        });
      } else {
        process.stdout.write(
          zh
            ? `审计日志已被篡改：发现 ${report.findings.length} 处问题\n`
            : `audit log tampered with: ${report.findings.length} findings\n`,
        );
      }
    });

  audit
    .command('list')
    .description('列出最近的审计日志条目 / list the latest audit-log entries')
    .option('--limit <n>', '条数 / how many', parseIntOption, 50)
    .action(async (flags: { limit: number }) => {
      const opts = global();
      const entries = await withCenter(opts, (center) =>
        center.db.auditLog.list({ limit: flags.limit, newestFirst: true }),
      );
      const oldestFirst = [...entries].reverse();
      if (opts.json) return printJson(oldestFirst);
      process.stdout.write(
        oldestFirst
          .map((e) => [e.seq, e.at, e.actor, e.role, e.action, e.target, e.outcome, e.detailText].join('\t') + '\n')
          .join(''),
      );
    });
}
