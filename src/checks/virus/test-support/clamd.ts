/**
 * A real clamd for tests, in a temp directory with a signature database built
 * on the spot: Debian ships ClamAV without signatures and none can be
 * downloaded here (../shared/STACK.md). The database holds
 *
 * - an EICAR signature (test.ndb), built from the EICAR test string assembled
 *   at runtime from two halves, so this repository never holds the string
 *   itself (scanners on developer machines would flag the source file);
 * - the MD5 signature of clamav-testfiles' clam.exe (test.hdb), made by
 *   `sigtool --md5`, when that package is installed.
 *
 * When clamd is not installed the helper says why and the tests skip — unless
 * CI_REQUIRE_CLAMAV is set (.ci/run sets it), where a missing clamd fails.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { pingClamd } from '../clamd.js';

export const CLAM_EXE = '/usr/share/clamav-testfiles/clam.exe';

/** The 68-byte EICAR anti-virus test file (eicar.org), assembled here so no source file contains it. */
export function eicarBytes(): Buffer {
  const head = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$';
  const tail = 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
  return Buffer.from(head + tail, 'ascii');
}

/** The name our test database gives EICAR (clamd adds ".UNOFFICIAL" to signatures outside its official databases). */
export const EICAR_SIGNATURE = 'Yinji.Test.EICAR';

export interface TestClamd {
  readonly socket: string;
  /** clamd also listens on 127.0.0.1:port. */
  readonly port: number;
  readonly dir: string;
  /** Whether clam.exe's signature is in the database. */
  readonly hasClamExe: boolean;
  stop(): Promise<void>;
}

export type ClamdAvailability =
  { readonly ok: true; readonly clamd: TestClamd } | { readonly ok: false; readonly reason: string };

export interface TestClamdOptions {
  /** clamd's StreamMaxLength, e.g. "1M" (small, so the size-limit answer can be tested). Default "1M". */
  readonly streamMaxLength?: string;
}

function findBinary(name: string): string | undefined {
  // Debian puts clamd in /usr/sbin, which is not on every user's PATH.
  const dirs = [
    ...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''),
    '/usr/sbin',
    '/usr/local/sbin',
    '/sbin',
  ];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr !== null && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Start clamd, or say why it cannot be (tests then skip with that reason). */
export async function startTestClamd(options: TestClamdOptions = {}): Promise<ClamdAvailability> {
  const clamd = findBinary('clamd');
  const sigtool = findBinary('sigtool');
  if (clamd === undefined || sigtool === undefined) {
    const reason = `ClamAV is not installed (${clamd === undefined ? 'clamd' : 'sigtool'} not found); apt-get install clamav clamav-daemon clamav-testfiles`;
    if (process.env['CI_REQUIRE_CLAMAV']) throw new Error(`CI_REQUIRE_CLAMAV is set but ${reason}`);
    return { ok: false, reason: `${reason} — set CI_REQUIRE_CLAMAV=1 to make this a failure` };
  }
  const dir = await mkdtemp(join(tmpdir(), 'yinji-clamd-'));
  const db = join(dir, 'db');
  await mkdir(db);
  await writeFile(join(db, 'test.ndb'), `${EICAR_SIGNATURE}:0:*:${eicarBytes().toString('hex')}\n`);
  const hasClamExe = existsSync(CLAM_EXE);
  if (hasClamExe) await writeFile(join(db, 'test.hdb'), execFileSync(sigtool, ['--md5', CLAM_EXE]));
  const socket = join(dir, 'clamd.sock');
  const port = await freePort();
  const conf = join(dir, 'clamd.conf');
  await writeFile(
    conf,
    [
      `LocalSocket ${socket}`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `DatabaseDirectory ${db}`,
      `TemporaryDirectory ${dir}`,
      'Foreground yes',
      // No LogFile and no syslog: nothing is written outside the temp dir.
      'LogSyslog no',
      `User ${userInfo().username}`,
      `StreamMaxLength ${options.streamMaxLength ?? '1M'}`,
      'MaxThreads 4',
      'SelfCheck 3600',
      '',
    ].join('\n'),
  );
  const child = spawn(clamd, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const stop = (): Promise<void> => stopChild(child).then(() => rm(dir, { recursive: true, force: true }));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`clamd exited during start (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      await pingClamd({ socket }, { connectTimeoutMs: 1000, timeoutMs: 2000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`clamd did not answer PING within 60 s: ${String(e)}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { ok: true, clamd: { socket, port, dir, hasClamExe, stop } };
}

/** Stop the clamd this helper started (by its own child handle): TERM, then KILL after 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
