import { ApiError, apiRequest } from './api.js';

/**
 * Resumable upload (断点续传) over tus 1.0, the protocol the center speaks
 * at /api/v1/uploads (src/server/routes/uploads.ts). The upload's address is
 * kept in the browser under `key`, so after a cut connection, a closed tab
 * or a restarted browser the same files continue from the center's offset
 * instead of starting again. Progress counts bytes the center has stored.
 */

/** Bytes per PATCH: large enough to keep the link busy, small enough to lose little when cut. */
const CHUNK = 8 * 1024 * 1024;
const RETRIES = 5;
const STORAGE_PREFIX = 'yinji.upload.';

export interface UploadOptions {
  /** What identifies these bytes across reloads (names, sizes and dates of the chosen files). */
  readonly key: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly onProgress?: (sent: number, total: number) => void;
  readonly signal?: AbortSignal;
}

const base64 = (text: string): string => {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};

const TUS = { 'tus-resumable': '1.0.0' };

async function offsetOf(id: string, signal?: AbortSignal): Promise<number | undefined> {
  const res = await apiRequest('uploadOffset', { params: { id }, headers: TUS, signal, raw: true });
  if (res.status === 404 || res.status === 410) return undefined;
  if (!res.ok) throw await ApiError.from(res);
  return Number(res.headers.get('upload-offset'));
}

async function create(blob: Blob, options: UploadOptions): Promise<string> {
  const metadata = Object.entries(options.metadata)
    .map(([k, v]) => `${k} ${base64(v)}`)
    .join(',');
  const res = await apiRequest('createUpload', {
    headers: { ...TUS, 'upload-length': String(blob.size), 'upload-metadata': metadata },
    signal: options.signal,
    raw: true,
  });
  if (res.status !== 201) throw await ApiError.from(res);
  const id = new URL(res.headers.get('location') ?? '', window.location.origin).pathname.split('/').pop() ?? '';
  if (!/^[0-9a-f]{32}$/.test(id)) throw new ApiError(res.status, 'E_UPLOAD', `unexpected upload address ${id}`);
  return id;
}

/** Upload `blob`, continuing an earlier upload of the same `key`; resolves with the upload id. */
export async function resumableUpload(blob: Blob, options: UploadOptions): Promise<string> {
  const storageKey = STORAGE_PREFIX + options.key;
  let id = localStorage.getItem(storageKey) ?? undefined;
  let offset = id === undefined ? undefined : await offsetOf(id, options.signal);
  if (id === undefined || offset === undefined) {
    id = await create(blob, options);
    localStorage.setItem(storageKey, id);
    offset = 0;
  }
  options.onProgress?.(offset, blob.size);
  let failures = 0;
  while (offset < blob.size) {
    options.signal?.throwIfAborted();
    try {
      const res = await apiRequest('uploadChunk', {
        params: { id },
        headers: { ...TUS, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
        body: blob.slice(offset, offset + CHUNK),
        signal: options.signal,
        raw: true,
      });
      if (res.status !== 204) throw await ApiError.from(res);
      offset = Number(res.headers.get('upload-offset'));
      failures = 0;
      options.onProgress?.(offset, blob.size);
    } catch (e) {
      // The center's refusals (quota, size, permission) will not change by trying again.
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 409) throw e;
      if (++failures > RETRIES || options.signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, 500 * 2 ** failures));
      // Ask the center where it stands: part of the lost chunk may have arrived. If it cannot
      // answer yet (still restarting, the network still down), the next round asks again.
      const at = await offsetOf(id, options.signal).catch(() => offset);
      if (at === undefined) throw new ApiError(404, 'E_NOT_FOUND', gone());
      offset = at;
    }
  }
  return id;
}

/** The upload kept for `key` (complete or not), to register after a lost answer instead of sending it again. */
export function keptUpload(key: string): string | undefined {
  return localStorage.getItem(STORAGE_PREFIX + key) ?? undefined;
}

const gone = (): string =>
  document.documentElement.lang === 'en'
    ? 'the center no longer holds this upload (it expired): start again'
    : '中心已不再保留这次上传（已过期），请重新上传';

/** Forget the kept address once the upload was registered (or abandoned). */
export function forgetUpload(key: string): void {
  localStorage.removeItem(STORAGE_PREFIX + key);
}
