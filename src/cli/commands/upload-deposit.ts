import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DepositResult } from '../../center/index.js';
import { InvalidInputError, YinjiError, type Message } from '../../core/index.js';
import { serverError } from '../../core/index.js';

/**
 * `yinji deposit <file> --server <url>`: upload a package to a running center over tus 1.0
 * (https://tus.io/protocols/resumable-upload — creation, HEAD, PATCH), then register it with
 * `POST <upload>/register`. The upload URL is kept in `<data>/uploads/<key>.json`, so running the
 * same command again after Ctrl+C, a crash or a network cut continues from the server's offset.
 */
export interface UploadDepositOptions {
  readonly server: string;
  readonly file: string;
  /** Client data directory; the resume state lives in `<dataDir>/uploads/`. */
  readonly dataDir: string;
  /** Resume a matching earlier upload (default true); false starts over. */
  readonly resume: boolean;
  readonly metadata: Readonly<Partial<Record<'unit' | 'unitName' | 'title' | 'to' | 'message' | 'digest', string>>>;
  readonly lang: 'zh' | 'en';
  /** API token (yinji login, or YINJI_TOKEN). */
  readonly token?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (sent: number, total: number) => void;
  readonly onNote?: (message: Message) => void;
}

/** What the center made of the upload: a registration, or a submission waiting for its review (HTTP 202). */
export type UploadResult = DepositResult | SubmittedUpload;

export interface SubmittedUpload {
  readonly submission: { readonly id: number; readonly status: string; readonly title: string };
  /** Null when a repeated call finds the submission before its self-check ended. */
  readonly checks: DepositResult['checks'] | null;
}

export interface UploadDepositOutcome {
  readonly result: UploadResult;
  /** Server offset this run started from (0 for a fresh upload). */
  readonly resumedAt: number;
  /** Bytes this run sent in PATCH bodies. */
  readonly sentBytes: number;
}

interface UploadState {
  readonly url: string;
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
}

const TUS = { 'tus-resumable': '1.0.0' };
/** Network failures during PATCH are retried this many times (HEAD, then PATCH from the new offset). */
const RETRIES = 5;

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  client: { readonly lang: string; readonly token?: string },
  signal?: AbortSignal,
  body?: NodeJS.ReadableStream,
): Promise<Answer> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const auth = client.token === undefined ? {} : { authorization: `Bearer ${client.token}` };
  return new Promise<Answer>((done, fail) => {
    const all = { ...headers, ...auth, 'accept-language': client.lang };
    const req = request(url, { method, headers: all, signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', fail);
    });
    req.once('error', fail);
    if (body === undefined) req.end();
    else pipeline(body, req).catch(fail);
  }).catch((e: unknown) => {
    if (signal?.aborted) throw e;
    throw new YinjiError(
      'E_SERVER_UNAVAILABLE',
      {
        zh: `无法连接中心 ${url.origin}；再次运行同一命令即可续传`,
        en: `cannot reach the center at ${url.origin}; run the same command again to resume`,
      },
      { cause: e },
    );
  });
}

/** The offset the server holds for an upload, or undefined if it no longer has it. */
async function serverOffset(url: URL, size: number, o: UploadDepositOptions): Promise<number | undefined> {
  const head = await send(url, 'HEAD', { ...TUS, 'cache-control': 'no-store' }, o, o.signal);
  if (head.status === 404 || head.status === 410) return undefined;
  if (head.status !== 200) throw serverError(head.status, head.body, 'HEAD');
  return Number(head.headers['upload-length']) === size ? Number(head.headers['upload-offset']) : undefined;
}

const encodeMetadata = (m: UploadDepositOptions['metadata']): string =>
  Object.entries(m)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
    .join(',');

export async function uploadDeposit(o: UploadDepositOptions): Promise<UploadDepositOutcome> {
  const file = resolve(o.file);
  const info = await stat(file).catch((e: unknown) => {
    throw new InvalidInputError({ zh: `无法读取 ${file}`, en: `cannot read ${file}` }, { cause: e });
  });
  if (!info.isFile()) {
    throw new InvalidInputError({
      zh: `向中心上传只接受 .zip、.tar(.gz) 或 .eep 文件，${file} 不是文件`,
      en: `uploading to a center takes a .zip, .tar(.gz) or .eep file; ${file} is not a file`,
    });
  }
  const size = info.size;
  const base = new URL('api/v1/uploads', o.server.endsWith('/') ? o.server : `${o.server}/`);
  // The key names the file, its size and modification time and the center: a changed file starts over.
  const key = createHash('sha256')
    .update(JSON.stringify([file, size, info.mtimeMs, base.href]))
    .digest('hex');
  const stateDir = join(o.dataDir, 'uploads');
  const stateFile = join(stateDir, `${key}.json`);

  let url: URL | undefined;
  let offset = 0;
  const saved = o.resume
    ? await readFile(stateFile, 'utf8')
        .then((t) => JSON.parse(t) as UploadState)
        .catch(() => undefined)
    : undefined;
  if (saved !== undefined) {
    const at = await serverOffset(new URL(saved.url), size, o);
    if (at !== undefined) {
      url = new URL(saved.url);
      offset = at;
      o.onNote?.({
        zh: `从第 ${offset} 字节处续传（共 ${size} 字节）`,
        en: `resuming at byte ${offset} of ${size}`,
      });
    }
  }
  if (url === undefined) {
    const created = await send(
      base,
      'POST',
      { ...TUS, 'upload-length': String(size), 'upload-metadata': encodeMetadata(o.metadata) },
      o,
      o.signal,
    );
    const location = created.headers.location;
    if (created.status !== 201 || location === undefined) throw serverError(created.status, created.body, 'POST');
    url = new URL(location, base);
    await mkdir(stateDir, { recursive: true });
    const state: UploadState = { url: url.href, file, size, mtimeMs: info.mtimeMs };
    await writeFile(`${stateFile}.tmp`, JSON.stringify(state, null, 2), { flush: true });
    await rename(`${stateFile}.tmp`, stateFile);
  }

  const resumedAt = offset;
  let sentBytes = 0;
  for (let attempt = 0; offset < size; attempt++) {
    const start = offset;
    let thisRun = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, next) {
        thisRun += chunk.length;
        sentBytes += chunk.length;
        o.onProgress?.(start + thisRun, size);
        next(null, chunk);
      },
    });
    const body = createReadStream(file, { start: offset }).pipe(counter);
    const headers = {
      ...TUS,
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
      'content-length': String(size - offset),
    };
    const patched = await send(url, 'PATCH', headers, o, o.signal, body).catch((e: unknown) => e as Error);
    if (!(patched instanceof Error) && patched.status === 204) {
      offset = Number(patched.headers['upload-offset']);
      continue;
    }
    if (!(patched instanceof Error) && patched.status !== 409 && patched.status < 500) {
      throw serverError(patched.status, patched.body, 'PATCH');
    }
    // A cut connection (or a 409 offset conflict): ask the server where it stands and go on from there.
    if (attempt >= RETRIES || o.signal?.aborted)
      throw patched instanceof Error ? patched : serverError(patched.status, patched.body, 'PATCH');
    await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    const at = await serverOffset(url, size, o);
    if (at === undefined) {
      await rm(stateFile, { force: true });
      throw new YinjiError('E_NOT_FOUND', {
        zh: '中心已不再保留这次上传（可能已过期）；请重新运行命令从头上传',
        en: 'the center no longer holds this upload (it may have expired); run the command again to start over',
      });
    }
    offset = at;
  }
  o.onNote?.({ zh: `上传完成：本次发送 ${sentBytes} 字节`, en: `upload complete: sent ${sentBytes} bytes this run` });

  const registered = await send(new URL(`${url.pathname}/register`, url), 'POST', {}, o, o.signal);
  // Registered, or refused for good (the server dropped the upload): either way nothing is left to resume.
  if (registered.status < 500) await rm(stateFile, { force: true });
  if (registered.status !== 200 && registered.status !== 202)
    throw serverError(registered.status, registered.body, 'register');
  return { result: JSON.parse(registered.body) as UploadResult, resumedAt, sentBytes };
}
