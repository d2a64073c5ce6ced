import { formatReportText, type CheckReport } from '../../checks/index.js';
import { InvalidInputError, isYinjiError } from '../../core/index.js';
import { say, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { printDepositResult } from './deposit-output.js';
import { requireToken } from '../credentials.js';
import { uploadDeposit } from './upload-deposit.js';

export interface ServerDepositFlags {
  readonly server: string;
  readonly resume?: boolean;
  readonly unit?: string;
  readonly unitName?: string;
  readonly title?: string;
  readonly to?: string;
  readonly message?: string;
  readonly digest?: string;
  readonly checkOnly?: boolean;
  readonly items?: number;
  readonly fileCount?: number;
  readonly bytes?: number;
}

/** `yinji deposit <file> --server <url>`: the resumable upload, then the same output as a local deposit. */
export async function depositToServer(path: string, flags: ServerDepositFlags, opts: GlobalOptions): Promise<void> {
  const unsupported = (['checkOnly', 'items', 'fileCount', 'bytes'] as const).filter((f) => flags[f] !== undefined);
  if (unsupported.length > 0) {
    throw new InvalidInputError({
      zh: `--server 上传暂不支持 ${unsupported.join('、')}；可申报 --digest`,
      en: `uploading with --server does not support ${unsupported.join(', ')} yet; --digest can be declared`,
    });
  }
  const bar = progressBar(opts, { upload: { zh: '上传', en: 'Uploading' } }, { zh: '个登记包', en: 'package' });
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const token = await requireToken(flags.server);
    const { result } = await uploadDeposit({
      server: flags.server,
      token,
      file: path,
      dataDir: opts.data,
      resume: flags.resume !== false,
      metadata: {
        unit: flags.unit,
        unitName: flags.unitName,
        title: flags.title,
        to: flags.to,
        message: flags.message,
        digest: flags.digest,
      },
      lang: opts.lang,
      signal: controller.signal,
      onProgress: (bytes, total) => bar.update({ phase: 'upload', bytes, files: 0, totalBytes: total }),
      // Notes go to stderr, so --json output on stdout stays exactly a local deposit's.
      onNote: (m) => {
        bar.stop();
        process.stderr.write(m[opts.lang] + '\n');
      },
    }).catch((e: unknown) => {
      bar.stop();
      if (controller.signal.aborted) {
        say(opts, {
          zh: '上传已中断；再次运行同一命令即可续传',
          en: 'upload interrupted; run the same command again to resume',
        });
      }
      const report = isYinjiError(e) ? (e.details.report as CheckReport | undefined) : undefined;
      if (isYinjiError(e) && e.code === 'E_CHECKS_FAILED' && report !== undefined && !opts.json) {
        process.stderr.write(formatReportText(report, opts.lang, { onlyProblems: true }));
      }
      throw e;
    });
    bar.stop();
    printDepositResult(opts, result);
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
  }
}
