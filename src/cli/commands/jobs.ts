import { InvalidArgumentError, type Command } from 'commander';
import { auditOverview, enqueueDueAudits, jobsOverview, runDueJobs } from '../../center/index.js';
import type { JobState } from '../../db/index.js';
import { EXIT, printJson, say, type GlobalOptions } from '../output.js';
import { parseIntOption, withCenter } from './with-center.js';

const STATES: readonly JobState[] = ['queued', 'running', 'done', 'failed'];
const STATE_ZH: Record<JobState, string> = { queued: '排队', running: '运行中', done: '完成', failed: '失败' };

function parseState(value: string): JobState {
  if (!(STATES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`状态应为 / state must be one of ${STATES.join(', ')}`);
  }
  return value as JobState;
}

export function registerJobs(program: Command, global: () => GlobalOptions): void {
  const jobs = program
    .command('jobs')
    .description(
      '后台任务（入库后固定性核验、目录与全文等）/ background jobs (post-ingest fixity checks, catalog and full text, …)',
    )
    .option('--state <state>', `只列此状态 / only this state (${STATES.join('|')})`, parseState)
    .option(
      '--kind <kind>',
      '只列此类任务（fixity、catalog、full-text…）/ only this kind (fixity, catalog, full-text, …)',
    )
    .option('--limit <n>', '条数 / how many', parseIntOption, 20)
    .action(async (flags: { state?: JobState; kind?: string; limit: number }) => {
      const opts = global();
      const overview = await withCenter(opts, (center) => jobsOverview(center, flags));
      if (opts.json) return printJson(overview);
      const zh = opts.lang === 'zh';
      const c = overview.counts;
      const lines = [
        zh
          ? `排队 ${c.queued}，运行中 ${c.running}，完成 ${c.done}，失败 ${c.failed}`
          : `queued ${c.queued}, running ${c.running}, done ${c.done}, failed ${c.failed}`,
        ...overview.jobs.map(
          (j) =>
            `${j.id}\t${zh ? STATE_ZH[j.state] : j.state}\t${j.key}\t${zh ? '尝试' : 'attempts'} ${j.attempts}` +
            (j.leaseOwner ? `\t${j.leaseOwner}` : '') +
            (j.lastError ? `\t${j.lastError}` : ''),
        ),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });

  jobs
    .command('run')
    .description('在本进程中运行所有到期任务，直至队列为空 / run due jobs here until the queue is empty')
    .action(async () => {
      const opts = global();
      const done = await withCenter(opts, (center) => runDueJobs(center));
      if (opts.json) return printJson({ done });
      say(opts, { zh: `已运行 ${done} 个任务`, en: `ran ${done} jobs` });
    });

  jobs
    .command('audits')
    .description('固定性巡检：本周期覆盖情况与近期发现的问题 / periodic fixity audits: coverage and recent failures')
    .option(
      '--days <n>',
      '列出近几天的问题（默认一个巡检周期）/ failures of the last n days (default: the interval)',
      parseIntOption,
    )
    .option(
      '--queue',
      '先将到期的巡检加入队列（随后 yinji jobs run）/ first queue the audits that are due (then yinji jobs run)',
    )
    .action(async (flags: { days?: number; queue?: boolean }) => {
      const opts = global();
      const { due, overview } = await withCenter(opts, async (center) => ({
        due: flags.queue === true ? await enqueueDueAudits(center) : undefined,
        overview: await auditOverview(center, { findingsDays: flags.days }),
      }));
      // Findings are integrity failures: a monitoring cron job sees them in the exit code.
      process.exitCode =
        overview.lastFindings.length > 0 || overview.replicaFindings.length > 0 ? EXIT.integrity : EXIT.ok;
      if (opts.json) return printJson(due === undefined ? overview : { ...overview, due });
      const zh = opts.lang === 'zh';
      const o = overview;
      const lines: string[] = [];
      if (due !== undefined)
        lines.push(zh ? `到期待巡检 ${due} 项，均已在任务队列中` : `${due} due for audit, all in the job queue`);
      if (o.intervalDays === 0) {
        lines.push(
          zh
            ? `定期巡检未开启（auditIntervalDays 为 0），登记 ${o.registrations} 项`
            : `periodic audits are off (auditIntervalDays 0), ${o.registrations} registrations`,
        );
      } else {
        lines.push(
          zh
            ? `每 ${o.intervalDays} 天巡检一次：登记 ${o.registrations} 项，本周期已核验 ${o.auditedInPeriod}，逾期 ${o.overdue}`
            : `audit every ${o.intervalDays} days: ${o.registrations} registrations, ${o.auditedInPeriod} audited in the period, ${o.overdue} overdue`,
        );
      }
      lines.push(
        zh
          ? `近 ${o.findingsDays} 天固定性核验失败 ${o.lastFindings.length} 次`
          : `${o.lastFindings.length} failed fixity checks in the last ${o.findingsDays} days`,
      );
      for (const f of o.lastFindings) {
        const problems = Array.isArray(f.detail.problems)
          ? (f.detail.problems as { path?: unknown; problem?: unknown }[])
          : [];
        lines.push(
          `${f.at}\t${f.regno}\tv${f.version ?? '?'}\t` +
            problems.map((p) => `${String(p.path)} (${String(p.problem)})`).join(', '),
        );
      }
      if (o.replicaFindings.length > 0 || o.repairs.length > 0) {
        lines.push(
          zh
            ? `副本挑战失败 ${o.replicaFindings.length} 次，修复 ${o.repairs.length} 次`
            : `${o.replicaFindings.length} failed replica challenges, ${o.repairs.length} repairs`,
        );
      }
      for (const f of o.replicaFindings) {
        const found = Array.isArray(f.detail.findings)
          ? (f.detail.findings as { path?: unknown; problem?: unknown }[])
          : [];
        lines.push(
          `${f.at}\t${f.regno}\t${String(f.detail.targetId)}\t` +
            found.map((p) => `${String(p.path)} (${String(p.problem)})`).join(', '),
        );
      }
      for (const r of o.repairs) lines.push(`${r.at}\t${r.regno}\t${zh ? '修复' : 'repair'}\t${r.outcome}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
