/**
 * Run the real `yinji` CLI (the compiled dist/, as users run it) in a child
 * process. `npm test` builds first; run `npm run build` before a bare vitest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const YINJI_BIN = fileURLToPath(new URL('../../bin/yinji.js', import.meta.url));
const DIST_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function startYinji(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  if (!existsSync(DIST_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  return spawn(process.execPath, [YINJI_BIN, ...args], {
    env: { ...process.env, YINJI_LANG: 'zh', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runYinji(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = startYinji(args, env);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Run and parse the --json output of a command that must succeed. */
export async function yinjiJson<T>(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const r = await runYinji([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`yinji ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Start `yinji serve` on a free loopback port; resolves once it prints its URL. */
export async function serveYinji(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; setupCode?: string; pid: number; stop(): Promise<void>; kill(): Promise<void> }> {
  const server = startYinji(['--data', dataDir, 'serve', '--port', '0', '--json'], env);
  const closed = new Promise((r) => server.once('close', r));
  // Drain the log (stderr): a full pipe would block the server. Keep the tail for failure messages.
  let log = '';
  server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString('utf8')).slice(-20_000)));
  // The first thing on stdout, a flat JSON object: url, dataDir, setupCode (while there are no administrators).
  const started = await new Promise<{ url: string; setupCode?: string }>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const printed = /^\{[\s\S]*?\n\}\n/.exec(out)?.[0];
      if (printed !== undefined) resolve(JSON.parse(printed) as { url: string; setupCode?: string });
    });
    server.once('exit', (code) => reject(new Error(`yinji serve exited ${code}: ${log}`)));
  });
  return {
    ...started,
    pid: server.pid!,
    stop: async () => {
      server.kill('SIGTERM');
      await closed;
    },
    /** kill -9: no clean-up, as when an instance's machine dies. */
    kill: async () => {
      server.kill('SIGKILL');
      await closed;
    },
  };
}
