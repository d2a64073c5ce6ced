import { spawn } from 'node:child_process';

/**
 * One run of a helper program (pdftotext, pdftoppm, pdfinfo, tesseract) on an
 * untrusted file. The file may be built to make the tool loop or print without
 * end, so every run has a deadline and a cap on what it may print; past
 * either, or on abort, the child is killed (SIGKILL: a tool stuck in a parser
 * need not get the chance to ignore SIGTERM). No shell is involved: the
 * arguments go to execve as they are.
 */
export interface RunOptions {
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number;
  /** Stdout bytes kept at most; the child is killed beyond (default 1 MiB). */
  readonly maxStdoutBytes?: number;
  /** Called with each stdout chunk instead of keeping it; return false to stop the child (enough read). */
  readonly onStdout?: (chunk: Buffer) => boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  /** Kept stdout (empty when onStdout was given). */
  readonly stdout: Buffer;
  /** The tail of stderr (at most 16 KiB), decoded as UTF-8. */
  readonly stderr: string;
  /** Why we killed it, if we did. */
  readonly stopped?: 'timeout' | 'output-cap' | 'enough';
  /** The program could not be started (ENOENT: not installed, EACCES, …). */
  readonly spawnError?: NodeJS.ErrnoException;
}

const STDERR_KEEP = 16 * 1024;

/** Run `command args`; resolves when the child has exited, rejects only on abort (with the signal's reason). */
export function runTool(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const maxStdout = options.maxStdoutBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let stopped: RunResult['stopped'];
    let spawnError: NodeJS.ErrnoException | undefined;
    const stop = (why: NonNullable<RunResult['stopped']>): void => {
      stopped ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped !== undefined) return;
      outBytes += chunk.length;
      if (options.onStdout !== undefined) {
        if (!options.onStdout(chunk)) stop('enough');
        else if (outBytes > maxStdout) stop('output-cap');
        return;
      }
      if (outBytes > maxStdout) {
        out.push(chunk.subarray(0, chunk.length - (outBytes - maxStdout)));
        stop('output-cap');
      } else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(abortReason(signal));
      const result: RunResult = { code, stdout: Buffer.concat(out), stderr };
      resolve({
        ...result,
        ...(stopped === undefined ? {} : { stopped }),
        ...(spawnError === undefined ? {} : { spawnError }),
      });
    });
  });
}

/** What an aborted signal rejects with: its reason when an Error (an AbortError DOMException for a plain abort()). */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

/** The first few meaningful lines of a tool's stderr, with the (temporary) file path shortened. */
export function stderrLines(stderr: string, file: string, name: string, max = 3): string {
  return stderr
    .split('\n')
    .map((l) => l.split(file).join(name).trim())
    .filter((l, i, all) => l !== '' && all.indexOf(l) === i)
    .slice(0, max)
    .join('; ');
}
