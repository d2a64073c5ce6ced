import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { ERRORS, Server, type Upload } from '@tus/server';
import { RESUMABLE_UPLOADS_DIR, type Center } from '../center/index.js';
import type { YinjiError } from '../core/index.js';
import { InvalidInputError, UploadTooLargeError, type Lang } from '../core/index.js';
import { isDigestAlgorithm } from '../digest/index.js';

/** Where the tus 1.0 endpoints live (creation, HEAD/PATCH on `<path>/<id>`, termination). */
export const UPLOADS_PATH = '/api/v1/uploads';

/**
 * Upload-Metadata keys a client may send (tus 1.0 §Upload-Metadata); any other key is refused.
 * `filename`/`filetype` are what tus clients send by default.
 */
export const UPLOAD_METADATA_KEYS = [
  'unit',
  'unitName',
  'title',
  'to',
  'message',
  'digest',
  'classification',
  'filename',
  'filetype',
];
/** Set by the server on creation (the uploading account's id), never accepted from a client. */
export const OWNER_KEY = 'owner';

/** Parse an Upload-Metadata header: comma-separated `key base64value` pairs (value optional). */
export function parseUploadMetadata(header: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split(' ');
    if (key === undefined || key === '') continue;
    pairs.set(key, value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'));
  }
  return pairs;
}

export function formatUploadMetadata(pairs: ReadonlyMap<string, string>): string {
  return [...pairs].map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`).join(',');
}

export interface ResumableUploads {
  readonly server: Server;
  readonly store: FileStore;
  /** `<stagingDir>/tus`: `<id>` (the bytes) and `<id>.json` (tus info) per upload. */
  readonly directory: string;
  /** Registration results, kept so a repeated register call answers the same (idempotent). */
  readonly resultsDirectory: string;
  /** Remove uploads (and kept results) idle for longer than `uploadExpiryHours`. Returns the ids removed. */
  expire(now?: Date): Promise<string[]>;
}

function errorBody(lang: Lang, e: YinjiError): string {
  return JSON.stringify({ error: { code: e.code, message: e.text(lang), details: e.details } });
}

const langOfWeb = (req: Request): Lang => (/^\s*en/i.test(req.headers.get('accept-language') ?? '') ? 'en' : 'zh');

/**
 * A tus hook refuses by throwing an object with `status_code` and `body` (@tus/server reads just these);
 * the body carries our usual error JSON.
 */
class TusRefusal extends Error {
  readonly status_code: number;
  readonly body: string;
  constructor(req: Request, status: number, e: YinjiError) {
    super(e.message, { cause: e });
    this.status_code = status;
    this.body = errorBody(langOfWeb(req), e);
  }
}

/** Upload-Metadata is client input: known keys only, bounded lengths, a well-formed `alg:hex` digest. */
export function checkUploadMetadata(metadata: Readonly<Record<string, string | null>>): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (!UPLOAD_METADATA_KEYS.includes(key) && key !== OWNER_KEY) {
      throw new InvalidInputError({
        zh: `未知的上传元数据 "${key}"（可用：${UPLOAD_METADATA_KEYS.join('、')}）`,
        en: `unknown upload metadata "${key}" (known: ${UPLOAD_METADATA_KEYS.join(', ')})`,
      });
    }
    if ((value ?? '').length > 2000) {
      throw new InvalidInputError({ zh: `上传元数据 ${key} 过长`, en: `upload metadata ${key} is too long` });
    }
  }
  const digest = metadata.digest;
  if (digest !== undefined && digest !== null) {
    const m = /^([a-z0-9-]+):([0-9a-f]+)$/i.exec(digest);
    if (m === null || !isDigestAlgorithm(m[1]!.toLowerCase())) {
      throw new InvalidInputError({
        zh: `申报的登记包摘要 "${digest}" 应为 算法:十六进制，如 sha256:9f86…`,
        en: `declared package digest "${digest}" must be algorithm:hex, e.g. sha256:9f86…`,
      });
    }
  }
}

/**
 * The tus 1.0 server over the file store in `<stagingDir>/tus`. Uploads must
 * declare their length (no Upload-Defer-Length): the limit is checked before
 * any byte is stored. The default in-memory locker is per process: all
 * requests for one upload must reach the same instance (sticky routing).
 */
export async function createResumableUploads(center: Center): Promise<ResumableUploads> {
  const { stagingDir, maxUploadBytes, uploadExpiryHours } = center.config;
  const directory = join(stagingDir, RESUMABLE_UPLOADS_DIR);
  const resultsDirectory = join(directory, 'registered');
  // FileStore creates its directory from its constructor without awaiting it: create it first.
  await mkdir(resultsDirectory, { recursive: true });
  const expiryMs = uploadExpiryHours * 3600_000;
  const store = new FileStore({ directory, expirationPeriodInMilliseconds: expiryMs });
  const server = new Server({
    path: UPLOADS_PATH,
    datastore: store,
    maxSize: maxUploadBytes,
    // A relative Location survives reverse proxies; clients resolve it against the creation URL.
    relativeLocation: true,
    // Same origin only (the console is served by this server): tus would otherwise answer every
    // origin with Access-Control-Allow-Origin: *.
    allowedOrigins: () => false,
    onUploadCreate: async (req: Request, upload: Upload) => {
      if (upload.sizeIsDeferred) {
        const e = new InvalidInputError({
          zh: '请在 Upload-Length 中给出登记包的大小（不支持延后申报长度）',
          en: 'give the package size in Upload-Length (deferred length is not supported)',
        });
        throw new TusRefusal(req, 400, e);
      }
      try {
        checkUploadMetadata(upload.metadata ?? {});
      } catch (e) {
        throw new TusRefusal(req, 400, e as YinjiError);
      }
      return {};
    },
    onResponseError: async (req: Request, err) => {
      // tus answers a too-large Upload-Length (or body) with a bare "Maximum size exceeded".
      if ('status_code' in err && err.body === ERRORS.ERR_MAX_SIZE_EXCEEDED.body) {
        const length = Number(req.headers.get('upload-length') ?? Number.NaN);
        const refusal = new TusRefusal(
          req,
          413,
          new UploadTooLargeError(Number.isFinite(length) ? length : undefined, maxUploadBytes),
        );
        return { status_code: refusal.status_code, body: refusal.body };
      }
      return undefined;
    },
  });

  const expire = async (now = new Date()): Promise<string[]> => {
    if (expiryMs <= 0) return [];
    const removed: string[] = [];
    const idle = async (file: string, since?: string): Promise<boolean> => {
      // Idle since the last byte arrived, not since creation: a slow 1 TiB upload that still makes progress stays.
      const touched = await stat(file).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      const created = since !== undefined ? Date.parse(since) : 0;
      return now.getTime() - Math.max(touched, Number.isFinite(created) ? created : 0) > expiryMs;
    };
    for (const name of await readdir(directory)) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      const info: { creation_date?: string } = await readFile(join(directory, name), 'utf8')
        .then((t) => JSON.parse(t) as { creation_date?: string })
        .catch(() => ({}));
      if (!(await idle(join(directory, id), info.creation_date))) continue;
      await rm(join(directory, id), { force: true });
      await rm(join(directory, name), { force: true });
      removed.push(id);
    }
    for (const name of await readdir(resultsDirectory)) {
      if (await idle(join(resultsDirectory, name))) await rm(join(resultsDirectory, name), { force: true });
    }
    return removed;
  };

  return { server, store, directory, resultsDirectory, expire };
}
