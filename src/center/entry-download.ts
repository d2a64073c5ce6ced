/**
 * Downloading the record a catalog entry describes (利用, issue 8 item 5).
 * Who may is decided as for the entry's full text (access-requests.ts). A
 * controlled record that is a PDF is handed out as a copy carrying a visible
 * watermark with the reader and the time, so a copy that leaks says whose it
 * was; the preserved original is never changed (the copy is made from a
 * digest-checked copy in the staging area, certificate/watermark.ts).
 */
import { open, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { Actor } from '../auth/index.js';
import { watermarkPdf } from '../certificate/index.js';
import { NotFoundError } from '../core/index.js';
import { entryForUse, type AccessBasis } from './access-requests.js';
import { auditActor, recordAudit } from './audit-log.js';
import type { Center } from './center.js';
import { copyRegisteredFile } from './queries.js';
import { payloadPath } from './registration-record.js';
import { stagingPath, streamThenRemove } from './staging.js';

export interface EntryFileDownload {
  readonly stream: Readable;
  readonly size: number;
  /** The file's name in the deposit. */
  readonly name: string;
  readonly contentType: string;
  /** True when this is a watermarked copy (and so not the registered bytes). */
  readonly watermarked: boolean;
  /** The registered SHA-256, when the bytes are the registered ones. */
  readonly sha256?: string;
}

export async function openCatalogEntryFile(
  center: Center,
  actor: Actor,
  id: number,
  signal?: AbortSignal,
): Promise<EntryFileDownload> {
  const { entry, basis } = await entryForUse(center, actor, id, 'access-download');
  const noFile = new NotFoundError({
    zh: `目录条目 ${id} 没有关联的电子文件（只有目录信息）`,
    en: `catalog entry ${id} has no electronic file linked (catalog information only)`,
  });
  if (entry.regno === null || entry.filePath === null) throw noFile;
  const reg = await center.db.registrations.getByRegno(entry.regno);
  if (reg === undefined) throw noFile;
  const version = reg.headVersion;
  const file = (await center.db.registrations.versionFiles(reg.regno, version)).find((f) => f.path === entry.filePath);
  if (file === undefined) throw noFile;
  const name = posix.basename(file.path);
  if (basis !== 'open' && typeof basis === 'string') {
    // Staff and the unit's own users: the use is recorded too (a request's use already was, in entryForUse).
    await recordAudit(center, {
      ...(actor.kind === 'user' ? auditActor(actor) : { actor: 'anonymous', role: 'public' }),
      action: 'access-download',
      target: `catalog-entry:${id}`,
      outcome: 'success',
      detail: { basis, regno: reg.regno, path: file.path },
    });
  }
  if (entry.openStatus === 'open') {
    const isPdf = name.toLowerCase().endsWith('.pdf');
    return {
      stream: await center.store.openFile(reg.objectId, payloadPath(file.path), version),
      size: file.size,
      name,
      contentType: isPdf ? 'application/pdf' : 'application/octet-stream',
      watermarked: false,
      sha256: file.sha256,
    };
  }
  // A controlled record is copied out (its digest checked) and looked at: a PDF is known by its bytes,
  // not its name, so one stored as "scan.dat" is watermarked too.
  const dir = stagingPath(center.config.stagingDir, 'export');
  try {
    const original = join(dir, 'original');
    const abort = signal ?? new AbortController().signal;
    await copyRegisteredFile(center, reg, version, file, original, abort);
    const pdf = await looksLikePdf(original);
    let served = original;
    if (pdf) {
      served = join(dir, 'copy.pdf');
      await watermarkPdf(original, served, { lines: watermarkLines(center, actor, basis), signal: abort });
    }
    const { stream, size } = await streamThenRemove(served, dir);
    return {
      stream,
      size,
      name,
      contentType: pdf ? 'application/pdf' : 'application/octet-stream',
      watermarked: pdf,
      ...(pdf ? {} : { sha256: file.sha256 }),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** "%PDF-" within the first KiB, where readers look for it (ISO 32000-1 §7.5.2 and its implementation notes). */
async function looksLikePdf(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
    return buffer.subarray(0, bytesRead).includes('%PDF-');
  } finally {
    await handle.close();
  }
}

/** Who, when, and on what grounds: the lines printed across every page. */
function watermarkLines(center: Center, actor: Actor, basis: AccessBasis): string[] {
  const when = center.clock.now().toISOString().slice(0, 16).replace('T', ' ');
  const who = actor.kind === 'user' ? actor.username : '访客 guest';
  const grounds =
    typeof basis === 'object'
      ? `利用申请 #${basis.request}，有效期至 ${basis.until.slice(0, 10)}`
      : basis === 'staff'
        ? '中心工作人员利用 center staff'
        : '本单位利用 own unit';
  return [`${center.config.centerName} 利用副本 仅供利用`, `${who} · ${when} UTC`, grounds];
}
