import { InvalidArgumentError, type Command } from 'commander';
import { jobsOverview, runDueJobs } from '../../center/index.js';
import type { JobState } from '../../db/index.js';
import { printJson, say, type GlobalOptions } from '../output.js';
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
    .description('后台任务（入库后固定性核验等）/ background jobs (post-ingest fixity checks, …)')
    .option('--state <state>', `只列此状态 / only this state (${STATES.join('|')})`, parseState)
    .option('--limit <n>', '条数 / how many', parseIntOption, 20)
    .action(async (flags: { state?: JobState; limit: number }) => {
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
}
