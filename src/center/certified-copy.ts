/**
 * Certified copies (出证), also across archives (跨馆出证, issue 8 item 6;
 * DOMAIN.md "就近查询、跨馆出证"): a reader at any center asks for a
 * certified copy of a record found in its catalog; when another archive
 * holds the record, the request goes to that center over the peer protocol,
 * and the holding center issues the copy. The copy is a zip anyone can check
 * without Yinji's help and without trusting the center that relayed it:
 *
 *   <the file>            the registered bytes (digest-checked on the way out)
 *   receipt.json          the holder's per-file receipt: statement, RFC 3161
 *                         timestamp, RFC 9162 inclusion proof, keys
 *   登记证明.pdf           the registration certificate
 *   出证说明.json          who issued it, for whom, when, why, and the digest
 *   核验方法.txt           how to verify (yinji verify <file> --receipt receipt.json)
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { ForbiddenError, type Actor } from '../auth/index.js';
import { digestFile } from '../digest/index.js';
import { NotFoundError } from '../core/index.js';
import { entryForUse } from './access-requests.js';
import { auditActor, recordAudit } from './audit-log.js';
import type { Center } from './center.js';
import { renderRegistrationCertificate } from './certificate.js';
import { peerClient, requireTarget } from './peers.js';
import { copyRegisteredFile } from './queries.js';
import { buildReceipt } from './receipt.js';
import { stagingPath, streamThenRemove } from './staging.js';

export interface CertifiedCopy {
  readonly stream: Readable;
  /** Zip size and SHA-256, when this center made it (a relayed copy streams through). */
  readonly size?: number;
  readonly sha256?: string;
  /** A file name for the zip. */
  readonly name: string;
  /** The center that issued it. */
  readonly issuer: string;
}

export interface CopyRequest {
  /** Who asked, as the issuing center records it (e.g. "zhangsan@CITY"). */
  readonly requester: string;
  readonly purpose: string;
}

/**
 * A reader asks for a certified copy of a catalog entry: issued here when
 * this center holds the record, else requested from the center that does.
 * The reader must be allowed the entry (access-requests.ts rules).
 */
export async function requestCertifiedCopy(
  center: Center,
  actor: Actor,
  entryId: number,
  purpose: string,
  signal?: AbortSignal,
): Promise<CertifiedCopy> {
  const { entry } = await entryForUse(center, actor, entryId, 'access-download');
  if (entry.openStatus !== 'open') {
    // An unmarked, certified original of a controlled record would leak without saying whose it was.
    throw new ForbiddenError({
      zh: `目录条目 ${entryId} 为控制条目，不在线出具核验副本；可下载加水印的利用副本，或到档案馆办理`,
      en: `catalog entry ${entryId} is controlled: no certified copy online; download the watermarked copy, or ask the archive`,
    });
  }
  const requester = `${actor.kind === 'user' ? actor.username : 'anonymous'}@${center.config.centerId}`;
  const copy =
    entry.holder === ''
      ? await issueCertifiedCopy(center, entryId, { requester, purpose }, { signal })
      : await relay(center, entry.holder, entry.holderEntryId!, { requester, purpose }, signal);
  try {
    await recordAudit(center, {
      ...(actor.kind === 'user' ? auditActor(actor) : { actor: 'anonymous', role: 'public' }),
      action: 'certified-copy',
      target: `catalog-entry:${entryId}`,
      outcome: 'success',
      detail: { issuer: copy.issuer, purpose },
    });
  } catch (e) {
    copy.stream.destroy();
    throw e;
  }
  return copy;
}

async function relay(
  center: Center,
  holder: string,
  holderEntryId: number,
  request: CopyRequest,
  signal?: AbortSignal,
): Promise<CertifiedCopy> {
  const client = peerClient(center, await requireTarget(center, holder));
  const query = new URLSearchParams({
    entry: String(holderEntryId),
    requester: request.requester,
    purpose: request.purpose,
  });
  // The holder signs its answer with the zip's digest; the client checks the bytes as they pass.
  const stream = await client.download(`/catalog/certified-copy?${query.toString()}`, signal);
  return { stream, name: `${holder}-${holderEntryId}-certified-copy.zip`, issuer: holder };
}

/**
 * At the holding center: the certified copy of one of its own open entries
 * (a partner's reader may have only what this center shares; a local
 * reader's rights were checked by the caller too).
 */
export async function issueCertifiedCopy(
  center: Center,
  entryId: number,
  request: CopyRequest,
  options: { signal?: AbortSignal } = {},
): Promise<CertifiedCopy> {
  const signal = options.signal ?? new AbortController().signal;
  const [entry] = await center.db.catalog.getByIds([entryId]);
  const noCopy = new NotFoundError({
    zh: `目录条目 ${entryId} 不存在，或没有可出证的电子文件`,
    en: `catalog entry ${entryId} does not exist or has no electronic file to certify`,
  });
  if (entry === undefined || entry.holder !== '' || entry.openStatus !== 'open') throw noCopy;
  if (entry.regno === null || entry.filePath === null) throw noCopy;
  const reg = await center.db.registrations.getByRegno(entry.regno);
  // Only what anyone may see: an open entry of an unclassified registration.
  if (reg === undefined || reg.classification !== 'open') throw noCopy;
  const version = reg.headVersion;
  const file = (await center.db.registrations.versionFiles(reg.regno, version)).find((f) => f.path === entry.filePath);
  if (file === undefined) throw noCopy;

  const dir = stagingPath(center.config.stagingDir, 'export');
  try {
    const name = posix.basename(file.path);
    const local = join(dir, 'file');
    await copyRegisteredFile(center, reg, version, file, local, signal);
    const receipt = await buildReceipt(center, { regno: reg.regno, version, file: file.path });
    const certificate = await renderRegistrationCertificate(center, { regno: reg.regno, version });
    const issuedAt = center.clock.now().toISOString();
    const statement = {
      format: 'yinji-certified-copy/1',
      issuer: { centerId: center.config.centerId, name: center.config.centerName, url: center.config.publicUrl },
      issuedAt,
      requester: request.requester,
      purpose: request.purpose,
      entry: { archivalCode: entry.archivalCode, title: entry.title, unit: entry.unitCode },
      registration: { regno: reg.regno, version, path: file.path, size: file.size, sha256: file.sha256 },
    };
    const howTo = [
      `本副本由 ${center.config.centerName}（${center.config.centerId}）于 ${issuedAt} 出具。`,
      `核验：yinji verify "${name}" --receipt receipt.json --trust-key <该中心公布的日志公钥>`,
      `或计算 ${name} 的 SHA-256，应为 ${file.sha256}，并与 receipt.json 及 登记证明.pdf 所载一致。`,
      '',
      `Issued by ${center.config.centerName} (${center.config.centerId}) at ${issuedAt}.`,
      `Verify: yinji verify "${name}" --receipt receipt.json --trust-key <the log key the center publishes>`,
      `or check that the SHA-256 of ${name} is ${file.sha256}, as receipt.json and the certificate state.`,
      '',
    ].join('\r\n');
    const zip = new yazl.ZipFile();
    zip.addFile(local, name, { compress: false }); // records are mostly compressed already; stream at disk speed
    zip.addBuffer(Buffer.from(JSON.stringify(receipt, null, 2) + '\n'), 'receipt.json');
    zip.addBuffer(Buffer.from(certificate.pdf), '登记证明.pdf');
    zip.addBuffer(Buffer.from(JSON.stringify(statement, null, 2) + '\n'), '出证说明.json');
    zip.addBuffer(Buffer.from(howTo), '核验方法.txt');
    // A file unreadable mid-way fails the pipeline instead of crashing on an unheard 'error'.
    zip.once('error', (e: Error) => (zip.outputStream as unknown as Readable).destroy(e));
    zip.end();
    const out = join(dir, 'copy.zip');
    await pipeline(zip.outputStream, createWriteStream(out), { signal });
    const sha256 = (await digestFile(out, ['sha256'], { signal })).digests.sha256!;
    await recordAudit(center, {
      actor: request.requester,
      role: 'requester',
      action: 'certified-copy',
      target: reg.regno,
      outcome: 'success',
      detail: { entry: entryId, path: file.path, purpose: request.purpose, sha256 },
    });
    const { stream, size } = await streamThenRemove(out, dir);
    return {
      stream,
      size,
      sha256,
      name: `${reg.regno}-${name}-certified-copy.zip`,
      issuer: center.config.centerId,
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
