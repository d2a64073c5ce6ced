import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import type { Message } from '../../core/index.js';
import { problem } from './format-info.js';

/**
 * Deep PDF validation with qpdf (Debian package `qpdf`): `qpdf --check`
 * parses every object and decodes every stream, which the structural checks
 * in pdf.ts do not. It is one process per PDF, so it is optional; without it
 * the structural checks still run (see pdf.ts).
 */

const QPDF_TIMEOUT_MS = 120_000;

let availability: Promise<boolean> | undefined;

/** Whether `qpdf` runs on this machine (asked once per process). */
export function qpdfAvailable(): Promise<boolean> {
  availability ??= new Promise((resolve) => {
    execFile('qpdf', ['--version'], { timeout: 10_000 }, (err) => resolve(err === null));
  });
  return availability;
}

export interface QpdfResult {
  /** False when qpdf could not judge the file (a user password we do not have). */
  readonly ran: boolean;
  readonly problems: readonly Message[];
}

/** Error lines of qpdf's output, with the (staging) path shortened to the file's name. */
function errorLines(output: string, file: string): string[] {
  return output
    .split('\n')
    .map((l) => l.split(file).join(basename(file)).trim())
    .filter((l) => l !== '' && !/^(checking |PDF Version|File is|No syntax|qpdf: errors detected)/.test(l))
    .slice(0, 3);
}

/**
 * `qpdf --check FILE`: exit 0 clean, 3 warnings only (qpdf recovered, and the
 * structural checks judge what it recovered from), 2 errors (qpdf manual,
 * "Exit Status").
 */
export function qpdfCheck(file: string, signal?: AbortSignal): Promise<QpdfResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'qpdf',
      ['--check', '--', file],
      { timeout: QPDF_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, signal, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err === null) return resolve({ ran: true, problems: [] });
        if (signal?.aborted) {
          return reject(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
        }
        const output = `${stderr}\n${stdout}`;
        if (err.code === 3) return resolve({ ran: true, problems: [] });
        if (/invalid password/i.test(output)) return resolve({ ran: false, problems: [] });
        if (err.killed)
          return resolve({
            ran: true,
            problems: [
              problem(
                `qpdf 未能在 ${QPDF_TIMEOUT_MS / 1000} 秒内完成检查`,
                `qpdf did not finish checking within ${QPDF_TIMEOUT_MS / 1000} s`,
              ),
            ],
          });
        if (typeof err.code !== 'number') return resolve({ ran: false, problems: [] }); // could not start qpdf
        const lines = errorLines(output, file);
        const shown = lines.length > 0 ? lines : [`exit status ${err.code}`];
        resolve({
          ran: true,
          problems: shown.map((l) => problem(`qpdf 检查发现错误：${l}`, `qpdf --check found an error: ${l}`)),
        });
      },
    );
  });
}
