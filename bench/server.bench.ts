/**
 * Server benchmark (not a Vitest test): `npx tsx bench/server.bench.ts [--seconds N]` (default 60),
 * after `npm run build` (it runs the compiled CLI, as users do).
 *
 * Issue 10 item 6, the server under load. A throwaway center is made with
 * the real CLI (`yinji init`, `yinji admin bootstrap`) and served by a real
 * `yinji serve` child on 127.0.0.1 with everything at its defaults: SQLite,
 * a filesystem OCFL root with an fsync per file, the built-in time-stamp
 * authority, one background job worker (post-ingest fixity checks), request
 * logging at info (to a file). The security administrator registers a unit
 * and an operator over the API; the operator's API token deposits directly
 * (operators register without the review workflow). Then autocannon, in this
 * process, runs two phases of N seconds with 50 connections each:
 *
 *  A. deposits: `POST /api/v1/registrations?unit=…&title=…` with a small
 *     .tar body (two text files, 6 KiB). One template is built up front;
 *     each request gets its own sequence number written into the first file,
 *     so every registration holds a distinct file (no deduplication).
 *  B. verifications: the public `POST /verify` with `{"sha256": [digest]}`,
 *     each digest that of a file registered in phase A (every answer must be
 *     a hit). `/verify` is rate-limited to 300 a minute per client address
 *     and no setting changes that; the limit stays on, and requests carry
 *     `X-Forwarded-For` from 4,096 addresses (the default `trustedProxies`
 *     believes loopback), as clients behind a local reverse proxy would.
 *
 * The server's resident memory (VmRSS in /proc/<pid>/status) and CPU time
 * (/proc/<pid>/stat) are sampled every second during both phases; the job
 * counts after each phase show whether background work keeps up. Targets: ≥ 300 registrations/s sustained with
 * fsync, 0 errors (non-2xx, connection errors, timeouts) in both phases,
 * memory flat (the least-squares RSS slope over the second half of phase A
 * near 0 MiB/min; the issue asks for a 10-minute run: `--seconds 600`).
 *
 * Prints progress and a Markdown table on stderr, one JSON line on stdout,
 * and saves the same to bench/results/<date>-server.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { pack } from 'tar-stream';
import { saveResults } from './results.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'yinji.js');
const DIST_MAIN = join(ROOT, 'dist', 'cli', 'main.js');

const CONNECTIONS = 50;
/** autocannon gives up on a request after this many seconds (counted as a timeout). */
const TIMEOUT_SECONDS = 10;
const TARGET_REGISTRATIONS_PER_SECOND = 300;
/** Distinct client addresses for /verify (each stays far below 300 requests a minute). */
const CLIENT_ADDRESSES = 4096;
/** Non-2xx answers kept (truncated) so failures can be understood. */
const KEPT_REJECTIONS = 5;

const UNIT = 'BENCHUNIT';
/** A valid unified social credit code (the unit's registration checks it). */
const CREDIT_CODE = '91330100716105852F';
const PASSWORDS = {
  YINJI_SYSTEM_ADMIN_PASSWORD: 'bench-system-admin-password',
  YINJI_SECURITY_ADMIN_PASSWORD: 'bench-security-admin-password',
  YINJI_AUDITOR_PASSWORD: 'bench-auditor-password',
};
const OPERATOR = { username: 'benchop', password: 'bench-operator-password' };

/** Written over with each request's sequence number (same width, so the tar stays valid). */
const SEQ_MARK = '#000000000000';
const NOTICE = `关于报送电子档案的通知，第 ${SEQ_MARK} 号。\n`;
const ATTACHMENT = '登记备份基准测试附件。\n'.repeat(32);

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

interface Server {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

interface PhaseSummary {
  readonly seconds: number;
  /** Mean responses per second (any status), autocannon's per-second samples. */
  readonly requestsPerSecond: number;
  /** 2xx responses per second over the whole phase. */
  readonly okPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly p99_9: number; readonly max: number };
  readonly ok: number;
  readonly non2xx: number;
  /** Connection errors, timeouts included (autocannon's count). */
  readonly errors: number;
  readonly timeouts: number;
  /** The first few non-2xx answers: status and body, truncated. */
  readonly rejections: readonly string[];
}

interface ServerSample {
  /** Seconds since sampling started. */
  readonly t: number;
  readonly phase: string;
  readonly rssMiB: number;
  /** CPU time the server has used so far (user + system), seconds. */
  readonly cpuSeconds: number;
}

/** Run the CLI to completion; resolves with stdout, rejects with stderr on a non-zero exit. */
async function yinji(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(process.execPath, [BIN, '--lang', 'en', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`yinji ${args.join(' ')} exited with ${code}: ${stderr}`);
  return stdout;
}

/** `yinji init`, then the three administrators with the setup code it printed. */
async function initCenter(dataDir: string): Promise<void> {
  const init = JSON.parse(await yinji(['--data', dataDir, 'init', '--center-id', 'BENCH', '--json'])) as {
    setupCode?: string;
  };
  if (init.setupCode === undefined) throw new Error('yinji init printed no setup code');
  const admins = ['--system', 'sysadmin', '--security', 'secadmin', '--auditor', 'auditor'];
  await yinji(['--data', dataDir, 'admin', 'bootstrap', '--code', init.setupCode, ...admins], PASSWORDS);
}

/** `yinji serve` on a free loopback port, its log in `logFile`; resolves once it prints its URL. */
async function startServer(dataDir: string, logFile: string): Promise<Server> {
  const logHandle = await open(logFile, 'w');
  const child = spawn(
    process.execPath,
    [BIN, '--data', dataDir, 'serve', '--host', '127.0.0.1', '--port', '0', '--json'],
    { stdio: ['ignore', 'pipe', logHandle.fd] },
  );
  await logHandle.close(); // the child has its own copy of the descriptor
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const failed = (code: number | null): void =>
      void readFile(logFile, 'utf8').then(
        (text) => reject(new Error(`yinji serve exited with ${String(code)}:\n${text.slice(-4000)}`)),
        reject,
      );
    child.once('exit', failed);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":\s*"([^"]+)"/.exec(out);
      if (!m) return;
      child.off('exit', failed);
      resolve(m[1]!);
    });
  });
  return { url, pid: child.pid!, stop: () => stopChild(child, exited) };
}

/** SIGTERM (the server closes cleanly), SIGKILL if it has not exited 15 s later. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A JSON API call that must succeed. */
async function call<T>(url: string, path: string, body?: object, token?: string): Promise<T> {
  const res = await fetch(new URL(path, url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${body === undefined ? 'GET' : 'POST'} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function tokenFor(url: string, username: string, password: string): Promise<string> {
  return (await call<{ token: string }>(url, 'api/v1/tokens', { username, password, name: 'server bench' })).token;
}

/**
 * As a center would: the security administrator registers the unit and an
 * operator account; the operator exchanges its password for an API token.
 * Also a system administrator's token, to read the job counts.
 */
async function provisionAccounts(url: string): Promise<{ operator: string; systemAdmin: string }> {
  const security = await tokenFor(url, 'secadmin', PASSWORDS.YINJI_SECURITY_ADMIN_PASSWORD);
  await call(
    url,
    'api/v1/units',
    { name: '基准测试单位', creditCode: CREDIT_CODE, unitType: 'agency', code: UNIT },
    security,
  );
  await call(url, 'api/v1/users', { ...OPERATOR, roles: ['operator'] }, security);
  return {
    operator: await tokenFor(url, OPERATOR.username, OPERATOR.password),
    systemAdmin: await tokenFor(url, 'sysadmin', PASSWORDS.YINJI_SYSTEM_ADMIN_PASSWORD),
  };
}

/** The deposit template: a .tar of two small files, and where the sequence mark and the notice are in it. */
async function packageTemplate(): Promise<{ tar: Buffer; markAt: number; noticeAt: number; noticeLength: number }> {
  const notice = Buffer.from(NOTICE);
  const tar = pack();
  const mtime = new Date('2026-01-05T09:00:00Z');
  tar.entry({ name: '文书/通知.txt', size: notice.length, mtime }, notice);
  tar.entry({ name: '文书/附件.txt', size: Buffer.byteLength(ATTACHMENT), mtime }, ATTACHMENT);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const noticeAt = body.indexOf(notice);
  return { tar: body, markAt: body.indexOf(SEQ_MARK), noticeAt, noticeLength: notice.length };
}

/** A deposit body with sequence number `seq`, and the SHA-256 of its numbered file. */
function numberedPackage(template: Awaited<ReturnType<typeof packageTemplate>>, seq: number) {
  const body = Buffer.from(template.tar);
  body.write(`#${String(seq).padStart(SEQ_MARK.length - 1, '0')}`, template.markAt, 'ascii');
  return { body, digest: sha256(body.subarray(template.noticeAt, template.noticeAt + template.noticeLength)) };
}

/** Counts answers as they come, keeping the first few rejections. */
function responseTally() {
  const tally = { ok: 0, rejections: [] as string[] };
  const record = (status: number, body: string): boolean => {
    if (status >= 200 && status < 300) {
      tally.ok++;
      return true;
    }
    if (tally.rejections.length < KEPT_REJECTIONS) tally.rejections.push(`${status} ${body.slice(0, 500)}`);
    return false;
  };
  return { tally, record };
}

function summarise(r: autocannon.Result, rejections: readonly string[]): PhaseSummary {
  return {
    seconds: round(r.duration, 1),
    requestsPerSecond: round(r.requests.mean, 1),
    okPerSecond: round(r['2xx'] / r.duration, 1),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, p99_9: r.latency.p99_9, max: r.latency.max },
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    rejections,
  };
}

/** Phase A: 50 connections posting numbered packages; returns the digests of files registered. */
async function depositPhase(
  url: string,
  token: string,
  seconds: number,
): Promise<{ summary: PhaseSummary; digests: string[] }> {
  const template = await packageTemplate();
  const digests: string[] = [];
  const { tally, record } = responseTally();
  let seq = 0;
  const result = await autocannon({
    url: new URL(`api/v1/registrations?unit=${UNIT}&title=${encodeURIComponent('基准测试登记')}`, url).href,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' },
    connections: CONNECTIONS,
    duration: seconds,
    timeout: TIMEOUT_SECONDS,
    requests: [
      {
        // Called for each request, then onResponse for its answer, with the same context object.
        setupRequest: (request, context) => {
          const { body, digest } = numberedPackage(template, ++seq);
          (context as { digest?: string }).digest = digest;
          return { ...request, body };
        },
        onResponse: (status, body, context) => {
          if (record(status, body)) digests.push((context as { digest: string }).digest);
        },
      },
    ],
  });
  log(`[deposits] ${tally.ok} registered, package ${template.tar.length} bytes`);
  return { summary: summarise(result, tally.rejections), digests };
}

/** Phase B: 50 connections verifying registered digests, one per request, each answer checked for a hit. */
async function verifyPhase(
  url: string,
  digests: readonly string[],
  seconds: number,
): Promise<PhaseSummary & { hits: number; misses: number }> {
  if (digests.length === 0) throw new Error('no deposit succeeded: nothing to verify');
  const { tally, record } = responseTally();
  let n = 0;
  let hits = 0;
  const result = await autocannon({
    url: new URL('verify', url).href,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    timeout: TIMEOUT_SECONDS,
    requests: [
      {
        setupRequest: (request) => {
          const i = n++;
          const client = i % CLIENT_ADDRESSES;
          return {
            ...request,
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.${client >> 8}.${client & 255}` },
            body: JSON.stringify({ sha256: [digests[i % digests.length]] }),
          };
        },
        onResponse: (status, body) => {
          if (!record(status, body)) return;
          const answer = JSON.parse(body) as { results: Array<{ registrations: unknown[] }> };
          if ((answer.results[0]?.registrations.length ?? 0) > 0) hits++;
        },
      },
    ],
  });
  return { ...summarise(result, tally.rejections), hits, misses: tally.ok - hits };
}

/** Sample the server's VmRSS and CPU time every second, tagged with the current phase. */
function serverSampler(pid: number) {
  const samples: ServerSample[] = [];
  const started = performance.now();
  let phase = 'start';
  const sample = async (): Promise<void> => {
    const [status, stat] = await Promise.all(
      ['status', 'stat'].map((f) => readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '')),
    );
    const kb = /VmRSS:\s+(\d+) kB/.exec(status!)?.[1];
    // /proc/<pid>/stat fields 14 and 15 (utime, stime), in clock ticks of 1/100 s (USER_HZ), after the ")" of the name.
    const fields = stat!.slice(stat!.lastIndexOf(')') + 2).split(' ');
    if (kb === undefined || fields.length < 13) return;
    const t = round((performance.now() - started) / 1000, 1);
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
    samples.push({ t, phase, rssMiB: round(Number(kb) / 1024, 1), cpuSeconds });
    if (samples.length % 10 === 0) log(`  t=${t}s ${phase}: server RSS ${round(Number(kb) / 1024, 1)} MiB`);
  };
  const timer = setInterval(() => void sample(), 1000);
  return {
    samples,
    sample,
    setPhase: (p: string) => (phase = p),
    stop: () => clearInterval(timer),
  };
}

/** Least-squares slope of RSS over time, MiB per minute; null with fewer than 2 samples. */
function slopePerMinute(samples: readonly ServerSample[]): number | null {
  if (samples.length < 2) return null;
  const mt = samples.reduce((s, x) => s + x.t, 0) / samples.length;
  const my = samples.reduce((s, x) => s + x.rssMiB, 0) / samples.length;
  const num = samples.reduce((s, x) => s + (x.t - mt) * (x.rssMiB - my), 0);
  const den = samples.reduce((s, x) => s + (x.t - mt) ** 2, 0);
  return den === 0 ? null : round((num / den) * 60, 2);
}

/** The server's CPU use during `phase`, % of one core (from the sample before the phase to its last one). */
function cpuPercent(samples: readonly ServerSample[], phase: string): number | null {
  const first = samples.findIndex((s) => s.phase === phase);
  const last = samples.findLastIndex((s) => s.phase === phase);
  const from = samples[Math.max(0, first - 1)];
  const to = samples[last];
  if (first < 0 || from === undefined || to === undefined || to.t === from.t) return null;
  return round(((to.cpuSeconds - from.cpuSeconds) / (to.t - from.t)) * 100, 0);
}

function memorySummary(samples: readonly ServerSample[]) {
  const deposits = samples.filter((s) => s.phase === 'deposits');
  const half = deposits.length > 0 ? (deposits[0]!.t + deposits.at(-1)!.t) / 2 : 0;
  return {
    startMiB: samples[0]?.rssMiB ?? null,
    maxMiB: Math.max(...samples.map((s) => s.rssMiB)),
    endOfDepositsMiB: deposits.at(-1)?.rssMiB ?? null,
    endMiB: samples.at(-1)?.rssMiB ?? null,
    depositSecondHalfSlopeMiBPerMinute: slopePerMinute(deposits.filter((s) => s.t >= half)),
    samples: samples.map((s) => [s.t, s.rssMiB]),
  };
}

async function jobCounts(url: string, token: string): Promise<Record<string, number>> {
  return (await call<{ counts: Record<string, number> }>(url, 'api/v1/jobs?limit=1', undefined, token)).counts;
}

function table(rows: ReadonlyArray<[string, PhaseSummary]>): string {
  return [
    '| phase | req/s | 2xx/s | p50 ms | p99 ms | p99.9 ms | 2xx | non-2xx | errors | timeouts |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      ([name, s]) =>
        `| ${name} | ${s.requestsPerSecond} | ${s.okPerSecond} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ${s.latencyMs.p99_9} | ${s.ok} | ${s.non2xx} | ${s.errors} | ${s.timeouts} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`--seconds must be a whole number ≥ 1`);
  if (!existsSync(DIST_MAIN) || !existsSync(BIN)) {
    throw new Error('dist/ or bin/yinji.js is missing: run `npm run build` first (the bench runs the compiled CLI)');
  }
  const work = await mkdtemp(join(tmpdir(), 'yinji-server-bench-'));
  const dataDir = join(work, 'data');
  let server: Server | undefined;
  try {
    log(`[setup] yinji init + admin bootstrap in ${dataDir}`);
    await initCenter(dataDir);
    server = await startServer(dataDir, join(work, 'serve.log'));
    const tokens = await provisionAccounts(server.url);
    log(`[setup] serving at ${server.url} (pid ${server.pid}); operator token ready`);
    log('[setup] /verify keeps its limit of 300/min per address: requests come from 4,096 X-Forwarded-For addresses');
    const load0 = loadavg()[0]!;
    const sampler = serverSampler(server.pid);
    await sampler.sample();

    sampler.setPhase('deposits');
    log(`[deposits] ${CONNECTIONS} connections for ${seconds} s: POST /api/v1/registrations (small .tar)`);
    const deposits = await depositPhase(server.url, tokens.operator, seconds);
    const jobsAfterDeposits = await jobCounts(server.url, tokens.systemAdmin);

    sampler.setPhase('verifications');
    log(
      `[verifications] ${CONNECTIONS} connections for ${seconds} s: POST /verify over ${deposits.digests.length} digests`,
    );
    const verifications = await verifyPhase(server.url, deposits.digests, seconds);
    await sampler.sample();
    sampler.stop();
    const jobsAfterVerifications = await jobCounts(server.url, tokens.systemAdmin);

    const memory = memorySummary(sampler.samples);
    const serverCpuPercent = {
      deposits: cpuPercent(sampler.samples, 'deposits'),
      verifications: cpuPercent(sampler.samples, 'verifications'),
    };
    const failures = (s: PhaseSummary): number => s.non2xx + s.errors;
    const targets = {
      registrationsPerSecond: {
        target: TARGET_REGISTRATIONS_PER_SECOND,
        measured: deposits.summary.okPerSecond,
        met: deposits.summary.okPerSecond >= TARGET_REGISTRATIONS_PER_SECOND,
      },
      zeroErrors: {
        failures: failures(deposits.summary) + failures(verifications) + verifications.misses,
        met: failures(deposits.summary) + failures(verifications) + verifications.misses === 0,
      },
    };
    log(
      table([
        ['deposits', deposits.summary],
        ['verifications', verifications],
      ]),
    );
    log(
      `server RSS: start ${memory.startMiB} MiB, max ${memory.maxMiB} MiB, end ${memory.endMiB} MiB; ` +
        `slope over the second half of deposits ${memory.depositSecondHalfSlopeMiBPerMinute} MiB/min`,
    );
    log(
      `server CPU (% of one core): deposits ${serverCpuPercent.deposits}, verifications ${serverCpuPercent.verifications}`,
    );
    log(`verify hits ${verifications.hits}, misses ${verifications.misses}`);
    log(
      `jobs after deposits ${JSON.stringify(jobsAfterDeposits)}, at the end ${JSON.stringify(jobsAfterVerifications)}`,
    );
    log(
      `targets: ≥ ${TARGET_REGISTRATIONS_PER_SECOND} registrations/s ${targets.registrationsPerSecond.met ? '✓' : '✗'} ` +
        `(${deposits.summary.okPerSecond}); 0 errors ${targets.zeroErrors.met ? '✓' : '✗'} (${targets.zeroErrors.failures})`,
    );
    for (const r of [...deposits.summary.rejections, ...verifications.rejections]) log(`  rejected: ${r}`);

    const results = {
      seconds,
      connections: CONNECTIONS,
      timeoutSeconds: TIMEOUT_SECONDS,
      setup: {
        database: 'SQLite (default config)',
        storage: 'filesystem OCFL root, fsync per file (default)',
        account: 'operator (registers directly, no review), API token',
        package: '.tar of 2 text files, one numbered per request',
        verifyRateLimit: `unchanged (300/min per address); requests spread over ${CLIENT_ADDRESSES} X-Forwarded-For addresses`,
      },
      deposits: deposits.summary,
      verifications,
      memory,
      serverCpuPercent,
      jobs: { afterDeposits: jobsAfterDeposits, atEnd: jobsAfterVerifications },
      targets,
      // Other work on a shared machine skews the figures: the 1-minute load before and after.
      loadAverage: [round(load0, 2), round(loadavg()[0]!, 2)],
    };
    console.log(JSON.stringify({ bench: 'server', ...results }));
    log(`saved ${await saveResults('server', results)}`);
  } finally {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
