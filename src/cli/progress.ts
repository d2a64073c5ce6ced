import cliProgress from 'cli-progress';
import type { Message } from '../core/index.js';
import { formatBytes, type GlobalOptions } from './output.js';

export interface ProgressUpdate {
  readonly bytes: number;
  readonly files: number;
  /** Unknown while a folder or archive is still being read. */
  readonly totalBytes?: number;
  readonly totalFiles?: number;
  /** A new phase starts a new line (e.g. hashing, then storing). */
  readonly phase?: string;
}

export interface Progress {
  update(p: ProgressUpdate): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/**
 * Progress on stderr for long work: a bar with bytes, files and ETA when the
 * total is known, a running count with the rate while it is not. Only on a
 * terminal and never with --json, so scripts and logs stay clean.
 */
export function progressBar(
  opts: GlobalOptions,
  labels: Readonly<Record<string, Message>>,
  /** What `files` counts. Default files. */
  unit: Message = { zh: '个文件', en: 'files' },
): Progress {
  if (opts.json || !process.stderr.isTTY) return silent;
  const filesWord = unit[opts.lang];
  let bar: cliProgress.SingleBar | undefined;
  let phase: string | undefined;
  let started = Date.now();
  return {
    update(p) {
      const total = p.totalBytes ?? 0;
      const known = total > 0;
      if (bar === undefined || p.phase !== phase) {
        if (bar !== undefined) started = Date.now(); // a later phase: its rate counts from now
        bar?.stop();
        phase = p.phase;
        const label = labels[p.phase ?? 'default'] ?? labels.default ?? { zh: '处理中', en: 'Working' };
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: known
              ? `${label[opts.lang]} |{bar}| {percentage}% {done}/{totalText} · {files} ${filesWord} · ETA {eta_formatted}`
              : `${label[opts.lang]} {done} · {files} ${filesWord} · {rate}/s`,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(known ? total : 1, 0, { done: '0 B', totalText: '', files: 0, rate: '0 B' });
      }
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(known ? Math.min(p.bytes, total) : 0, {
        done: formatBytes(p.bytes),
        totalText: known ? formatBytes(total) : '',
        files: p.totalFiles ? `${p.files}/${p.totalFiles}` : p.files,
        rate: formatBytes(Math.round(p.bytes / seconds)),
      });
    },
    stop() {
      bar?.stop();
    },
  };
}
