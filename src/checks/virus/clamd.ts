import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { YinjiError, forEachLimited, type Message } from '../../core/index.js';
import type { VirusScanView } from '../types.js';

/**
 * A client for ClamAV's clamd, speaking its socket protocol (clamd(8),
 * "COMMANDS"): `zVERSION`, `zPING` and `zINSTREAM`, each NUL-terminated, one
 * connection per command. INSTREAM sends the file as chunks, each prefixed
 * with its length as a 4-byte big-endian integer, ended by a zero-length
 * chunk; clamd answers "stream: OK", "stream: <signature> FOUND", or "…
 * ERROR" — notably "INSTREAM size limit exceeded. ERROR" when the file is
 * larger than its StreamMaxLength, after which it closes the connection.
 *
 * Files are streamed, never read whole. A file clamd could not scan is never
 * reported clean (see NOT_SCANNED).
 */
export type ClamdTarget = { readonly socket: string } | { readonly host: string; readonly port: number };

export interface ClamdOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds to wait for clamd to accept a connection. Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** Milliseconds clamd may stay silent while a file is sent and scanned. Default 120 000 (clamd's own MaxScanTime default). */
  readonly timeoutMs?: number;
  /** INSTREAM chunk size in bytes. Default 64 KiB (clamd's StreamMaxLength default is 25 MiB). */
  readonly chunkSize?: number;
  /** Files scanned at once, one connection each. Default 2. */
  readonly concurrency?: number;
}

export type ClamdErrorCode = 'E_CLAMD_UNAVAILABLE' | 'E_CLAMD_PROTOCOL';

/** clamd cannot be reached, timed out, or answered something that is not its protocol. */
export class ClamdError extends YinjiError {
  override readonly name = 'ClamdError';
  constructor(
    code: ClamdErrorCode,
    message: Message,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
  }
}

/** Why a file was not scanned; `infected` entries carry it as `Yinji.NotScanned.<reason>`. */
export type NotScannedReason = 'size-limit' | 'engine-error' | 'read-error' | 'connection' | 'timeout';

/**
 * VirusScanView has no place for files the engine could not scan, and such a
 * file must never pass as clean; scanWithClamd lists it among `infected` under
 * this pseudo-signature (the security items show it as "not scanned").
 */
export const NOT_SCANNED = 'Yinji.NotScanned.';

export interface ClamdFileResult {
  readonly path: string;
  readonly status: 'clean' | 'infected' | 'not-scanned';
  /** The signature name for 'infected'. */
  readonly signature?: string;
  readonly reason?: NotScannedReason;
  /** clamd's answer or the error, for logs. */
  readonly detail?: string;
}

/** Scan `files` with clamd; when clamd cannot be reached the view says the engine did not run, and why. */
export async function scanWithClamd(
  target: ClamdTarget,
  files: readonly { readonly path: string; readonly file: string }[],
  options: ClamdOptions = {},
): Promise<VirusScanView> {
  let engine: string;
  try {
    engine = await clamdVersion(target, options);
  } catch (e) {
    options.signal?.throwIfAborted();
    if (e instanceof ClamdError) return { ran: false, reason: { zh: e.zh, en: e.message } };
    throw e;
  }
  const results = await scanFilesWithClamd(target, files, options);
  const infected = results
    .filter((r) => r.status !== 'clean')
    .map((r) => ({ path: r.path, signature: r.status === 'infected' ? r.signature! : `${NOT_SCANNED}${r.reason}` }));
  return { ran: true, engine, infected };
}

/** One result per file, in the order given; a file that fails never stops the others. */
export async function scanFilesWithClamd(
  target: ClamdTarget,
  files: readonly { readonly path: string; readonly file: string }[],
  options: ClamdOptions = {},
): Promise<ClamdFileResult[]> {
  const results: ClamdFileResult[] = new Array<ClamdFileResult>(files.length);
  await forEachLimited(files, options.concurrency ?? 2, async (f, i) => {
    results[i] = { path: f.path, ...(await scanOne(target, f.file, options)) };
  });
  return results;
}

/** The engine as VERSION reports it, e.g. "ClamAV 1.4.2/27000" (the database date is dropped). Throws ClamdError. */
export async function clamdVersion(target: ClamdTarget, options: ClamdOptions = {}): Promise<string> {
  const answer = await command(target, 'VERSION', options);
  if (!answer.startsWith('ClamAV ')) throw protocolError(target, answer);
  return answer.split('/').slice(0, 2).join('/');
}

/** PING → PONG. Throws ClamdError. */
export async function pingClamd(target: ClamdTarget, options: ClamdOptions = {}): Promise<void> {
  const answer = await command(target, 'PING', options);
  if (answer !== 'PONG') throw protocolError(target, answer);
}

async function command(target: ClamdTarget, name: string, options: ClamdOptions): Promise<string> {
  const socket = await connect(target, options);
  try {
    const reply = readReply(socket, target, options);
    socket.write(`z${name}\0`);
    return await reply;
  } finally {
    socket.destroy();
  }
}

type Outcome = Omit<ClamdFileResult, 'path'>;

async function scanOne(target: ClamdTarget, file: string, options: ClamdOptions): Promise<Outcome> {
  let socket: Socket;
  try {
    socket = await connect(target, options);
  } catch (e) {
    options.signal?.throwIfAborted();
    return { status: 'not-scanned', reason: 'connection', detail: String(e) };
  }
  try {
    const reply = readReply(socket, target, options);
    reply.catch(() => undefined); // awaited below; clamd may answer before we finish sending
    let answered = false;
    void reply.then(
      () => (answered = true),
      () => (answered = true),
    );
    try {
      socket.write('zINSTREAM\0');
      const chunkSize = options.chunkSize ?? 64 * 1024;
      for await (const chunk of createReadStream(file, { highWaterMark: chunkSize, signal: options.signal })) {
        if (answered || socket.destroyed) break;
        const data = chunk as Buffer;
        const header = Buffer.alloc(4);
        header.writeUInt32BE(data.length);
        if (!socket.write(Buffer.concat([header, data]))) {
          const drained = once(socket, 'drain');
          drained.catch(() => undefined); // the socket may fail after the race is decided
          await Promise.race([drained, reply]);
        }
        // Let the event loop poll the socket first: clamd answers "size limit exceeded" and
        // closes mid-stream, and a write after its close (EPIPE) loses that answer. One
        // setImmediate runs before the next poll; the second runs after it.
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
      }
      if (!answered && !socket.destroyed) socket.write(Buffer.alloc(4));
    } catch (e) {
      options.signal?.throwIfAborted();
      if ((e as NodeJS.ErrnoException).syscall !== undefined && !isSocketError(e)) {
        return { status: 'not-scanned', reason: 'read-error', detail: String(e) };
      }
      // A write to a connection clamd closed (size limit): its answer tells why.
    }
    let answer: string;
    try {
      answer = await reply;
    } catch (e) {
      options.signal?.throwIfAborted();
      const detail = e instanceof Error ? e.message : String(e);
      if (e instanceof ClamdError && e.details['kind'] === 'timeout')
        return { status: 'not-scanned', reason: 'timeout', detail };
      // The answer can be lost when clamd closes while we still write. The only early close
      // clamd makes on purpose during INSTREAM is over StreamMaxLength; if it still answers
      // PING it did not die, so that is what happened.
      const alive = await pingClamd(target, options).then(
        () => true,
        () => false,
      );
      return alive
        ? {
            status: 'not-scanned',
            reason: 'size-limit',
            detail: `clamd closed the stream without a readable answer and still answers PING (${detail})`,
          }
        : { status: 'not-scanned', reason: 'connection', detail };
    }
    return parseScanAnswer(answer);
  } finally {
    socket.destroy();
  }
}

/** "stream: OK" | "stream: Eicar-Signature FOUND" | "INSTREAM size limit exceeded. ERROR" | "… ERROR". */
export function parseScanAnswer(answer: string): Outcome {
  if (/^stream: OK$/.test(answer)) return { status: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(answer);
  if (found !== null) return { status: 'infected', signature: found[1]! };
  if (/size limit exceeded/i.test(answer)) return { status: 'not-scanned', reason: 'size-limit', detail: answer };
  return { status: 'not-scanned', reason: 'engine-error', detail: answer };
}

function isSocketError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return (
    code === 'EPIPE' ||
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_DESTROYED' ||
    code === 'ERR_STREAM_WRITE_AFTER_END'
  );
}

function targetName(target: ClamdTarget): string {
  return 'socket' in target ? target.socket : `${target.host}:${target.port}`;
}

function connect(target: ClamdTarget, options: ClamdOptions): Promise<Socket> {
  options.signal?.throwIfAborted();
  const where = targetName(target);
  return new Promise((resolve, reject) => {
    const socket = 'socket' in target ? createConnection(target.socket) : createConnection(target.port, target.host);
    const fail = (why: string, cause?: unknown): void => {
      cleanup();
      socket.destroy();
      reject(
        new ClamdError(
          'E_CLAMD_UNAVAILABLE',
          {
            zh: `无法连接杀毒引擎 clamd（${where}）：${why}；请确认 clamd 已启动，且中心配置的套接字或地址正确`,
            en: `cannot reach the anti-virus engine clamd at ${where}: ${why}; check that clamd is running and that the center's configured socket or address is right`,
          },
          { cause, details: { target: where } },
        ),
      );
    };
    const onError = (e: NodeJS.ErrnoException): void => fail(e.code ?? e.message, e);
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      const reason: unknown = options.signal!.reason;
      reject(reason instanceof Error ? reason : new Error('aborted', { cause: reason }));
    };
    const timer = setTimeout(
      () => fail(`no connection within ${options.connectTimeoutMs ?? 5000} ms`),
      options.connectTimeoutMs ?? 5000,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
    };
    socket.once('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      resolve(socket);
    });
  });
}

/** The NUL-terminated answer; rejects with ClamdError on silence longer than timeoutMs or a close without answer. */
function readReply(socket: Socket, target: ClamdTarget, options: ClamdOptions): Promise<string> {
  const where = targetName(target);
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let done = false;
    const text = (): string =>
      Buffer.concat(parts)
        .toString('utf8')
        .replace(/\0[\s\S]*$/, '')
        .trim();
    const finish = (error?: Message, cause?: unknown, kind = 'closed'): void => {
      if (done) return;
      done = true;
      socket.setTimeout(0);
      options.signal?.removeEventListener('abort', onAbort);
      if (parts.length > 0 && error === undefined) resolve(text());
      else if (parts.length > 0 && Buffer.concat(parts).includes(0)) resolve(text());
      else {
        const details = { target: where, kind };
        reject(new ClamdError('E_CLAMD_UNAVAILABLE', error ?? closedMessage(where), { cause, details }));
      }
    };
    const onAbort = (): void => finish({ zh: '操作已取消', en: 'aborted' }, undefined, 'aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(timeoutMs, () =>
      finish(
        {
          zh: `杀毒引擎 clamd（${where}）在 ${timeoutMs} 毫秒内没有应答`,
          en: `the anti-virus engine clamd at ${where} did not answer within ${timeoutMs} ms`,
        },
        undefined,
        'timeout',
      ),
    );
    socket.on('data', (d: Buffer) => {
      parts.push(d);
      if (d.includes(0)) finish();
    });
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (e: NodeJS.ErrnoException) =>
      finish(parts.length > 0 ? undefined : connectionLost(where, e), e, 'broken'),
    );
  });
}

function closedMessage(where: string): Message {
  return {
    zh: `杀毒引擎 clamd（${where}）未作应答即关闭了连接`,
    en: `the anti-virus engine clamd at ${where} closed the connection without an answer`,
  };
}

function connectionLost(where: string, e: NodeJS.ErrnoException): Message {
  return {
    zh: `与杀毒引擎 clamd（${where}）的连接中断：${e.code ?? e.message}`,
    en: `the connection to the anti-virus engine clamd at ${where} broke: ${e.code ?? e.message}`,
  };
}

function protocolError(target: ClamdTarget, answer: string): ClamdError {
  const where = targetName(target);
  const shown = answer.slice(0, 200);
  return new ClamdError(
    'E_CLAMD_PROTOCOL',
    {
      zh: `${where} 的应答不像 clamd：“${shown}”；请检查配置的是否为 clamd 的套接字或端口`,
      en: `the answer from ${where} does not look like clamd: "${shown}"; check that the configured socket or port is clamd's`,
    },
    { details: { target: where, answer: shown } },
  );
}
