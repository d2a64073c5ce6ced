import cliProgress from 'cli-progress';
import type { GlobalOptions } from './output.js';
import { formatBytes } from './output.js';

export interface Progress {
  update(p: { bytes: number; files: number; totalBytes?: number; totalFiles?: number; phase?: string }): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr for long work (bytes and files, rate, ETA). Only on
 * a terminal and never with --json, so scripts and logs stay clean.
 */
export function progressBar(opts: GlobalOptions, label: { zh: string; en: string }): Progress {
  if (opts.json || !process.stderr.isTTY) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label[opts.lang]} |{bar}| {percentage}% {done}/{total} · {files} ${opts.lang === 'zh' ? '个文件' : 'files'} · ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let lastPhase: string | undefined;
  return {
    update(p) {
      const total = p.totalBytes ?? 0;
      if (!started || p.phase !== lastPhase) {
        if (started) bar.stop();
        bar.start(Math.max(total, 1), 0, { done: formatBytes(0), total: formatBytes(total), files: 0 });
        started = true;
        lastPhase = p.phase;
      }
      if (total > 0) bar.setTotal(total);
      bar.update(Math.min(p.bytes, Math.max(total, 1)), {
        done: formatBytes(p.bytes),
        total: total > 0 ? formatBytes(total) : '?',
        files: p.totalFiles ? `${p.files}/${p.totalFiles}` : p.files,
      });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
