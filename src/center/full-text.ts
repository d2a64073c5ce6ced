/**
 * Full text of registered records (issue 8 item 2), for the access store:
 * the files a catalog entry describes are copied out of the preservation
 * store (their digests checked), their text extracted (catalog/extract: PDF,
 * OFD, Office, HTML, XML, plain text; OCR of scans with Tesseract when it is
 * installed) and stored with the entry, so search finds words inside them.
 * The originals are never opened in place, and nothing is written back.
 *
 * One job per batch of entries, queued by the catalog job: a deposit of
 * thousands of documents is spread over the workers of every instance, and
 * each job's memory is bounded by its batch.
 */
import { rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { entryIndex } from '../catalog/index.js';
import { isYinjiError } from '../core/index.js';
import { extractText, type ExtractResult, type ExtractStatus } from '../catalog/extract/index.js';
import type { Repositories } from '../db/index.js';
import type { JobHandler } from '../replication/index.js';
import type { Center } from './center.js';
import { copyRegisteredFile } from './queries.js';
import { stagingPath } from './staging.js';

export const FULL_TEXT_JOB = 'full-text';

/** Entries per job. */
const BATCH = 20;
/** Files of one entry read at most (an entry usually describes one file, a 案卷 a few). */
const MAX_FILES_PER_ENTRY = 20;
/** Text kept per entry: about a 300-page book; the index is for finding, not for reading. */
const MAX_ENTRY_CHARS = 500_000;
/** Larger files are not extracted (a video is not text; a 4 GiB scan is OCR for hours). */
const MAX_FILE_BYTES = 1024 ** 3;

/** Queue the full-text jobs of these entries (in the catalog job's transaction). */
export async function enqueueFullText(
  tx: Pick<Repositories, 'jobs'>,
  target: { regno: string; version: number; entries: ReadonlyArray<{ id: number; files: readonly string[] }> },
): Promise<void> {
  for (let i = 0; i < target.entries.length; i += BATCH) {
    await tx.jobs.enqueue({
      kind: FULL_TEXT_JOB,
      key: `${FULL_TEXT_JOB}:${target.regno}:v${target.version}:${i / BATCH + 1}`,
      payload: { regno: target.regno, version: target.version, entries: target.entries.slice(i, i + BATCH) },
    });
  }
}

export function fullTextHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const version = Number(job.payload.version);
    const wanted = job.payload.entries as ReadonlyArray<{ id: number; files: readonly string[] }>;
    const reg = await center.db.registrations.getByRegno(regno);
    if (reg === undefined) throw new Error(`registration ${regno} not found`);
    const files = new Map((await center.db.registrations.versionFiles(regno, version)).map((f) => [f.path, f]));
    const ocr = center.config.ocrCommand === null ? { enabled: false } : { command: center.config.ocrCommand };
    const counts: Record<ExtractStatus | 'too-large', number> = {
      extracted: 0,
      empty: 0,
      unsupported: 0,
      'ocr-not-run': 0,
      failed: 0,
      'too-large': 0,
    };
    const notes: Array<{ path: string; status: string; reason: string }> = [];
    const texts: Array<{ id: number; text: string; method: 'text' | 'ocr' }> = [];
    const dir = stagingPath(center.config.stagingDir, 'text');
    try {
      for (const entry of wanted) {
        const parts: string[] = [];
        let ocred = false;
        let room = MAX_ENTRY_CHARS;
        for (const path of entry.files.slice(0, MAX_FILES_PER_ENTRY)) {
          const file = files.get(path);
          if (file === undefined || room <= 0) continue;
          let result: ExtractResult;
          if (file.size > MAX_FILE_BYTES) {
            counts['too-large']++;
            continue;
          }
          const local = join(dir, `${entry.id}${posix.extname(path)}`);
          try {
            await copyRegisteredFile(center, reg, version, file, local, signal);
            result = await extractText(local, path, { signal, maxChars: room, ocr, tmpDir: dir });
          } catch (e) {
            // One unreadable file (a stored copy that rotted, say: the audits repair it) costs only its own text.
            if (signal.aborted) throw e;
            const reason = isYinjiError(e) ? { zh: e.zh, en: e.message } : { zh: String(e), en: String(e) };
            result = { status: 'failed', text: '', reason };
          } finally {
            await rm(local, { force: true });
          }
          counts[result.status]++;
          if (result.status === 'extracted') {
            parts.push(result.text);
            room -= result.text.length;
            ocred ||= result.method === 'ocr';
          } else if (result.reason !== undefined && notes.length < 50) {
            notes.push({ path, status: result.status, reason: result.reason.zh });
          }
        }
        if (parts.length > 0) texts.push({ id: entry.id, text: parts.join('\n'), method: ocred ? 'ocr' : 'text' });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    if (counts['ocr-not-run'] > 0) {
      center.logger.warn(
        { regno, files: counts['ocr-not-run'] },
        'scanned records were not OCRed: install tesseract-ocr and tesseract-ocr-chi-sim for their full text',
      );
    }
    // A job retried after a later version's job ran must not put back older text: where the files of an
    // entry changed since this version, the newer version's job owns its text.
    const head = (await center.db.registrations.getByRegno(regno))?.headVersion ?? version;
    const headFiles =
      head === version
        ? files
        : new Map((await center.db.registrations.versionFiles(regno, head)).map((f) => [f.path, f]));
    const superseded = new Set(
      wanted.filter((e) => e.files.some((p) => headFiles.get(p)?.sha256 !== files.get(p)?.sha256)).map((e) => e.id),
    );
    const kept = texts.filter((t) => !superseded.has(t.id));
    return {
      result: { version, entries: wanted.length, withText: kept.length, ...counts, superseded: superseded.size, notes },
      effects: async (tx) => {
        // Indexed with the entry as it is now (an import may have changed its fields meanwhile).
        const current = new Map((await tx.catalog.getByIds(kept.map((t) => t.id))).map((e) => [e.id, e]));
        for (const t of kept) {
          const entry = current.get(t.id);
          if (entry !== undefined) await tx.catalog.putText(t.id, t.text, t.method, entryIndex(entry, t.text));
        }
      },
    };
  };
}
