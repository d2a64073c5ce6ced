/**
 * The log goes to the partners too (issue 7 item 6: a center rebuilt from
 * its partners needs "the OCFL objects and the log"). Every leaf — a
 * registration statement with its RFC 3161 token, or an anchor — is sent in
 * segments of 1,024 leaves as JSON lines, to a pseudo-object
 * `urn:yinji:<center>:log` at each partner:
 *
 *   log/000000000000-000000001023.jsonl   leaves 0…1023 (complete)
 *   log/000000001024-000000001391.jsonl   leaves 1024…1391 (the head, so far)
 *
 * A file's name says which leaves it holds, and the log only grows, so a
 * name always means the same bytes: the encryption context may be the path
 * alone, and a partial segment is superseded by a longer one, never changed.
 * Segments go to partner centers only: a second storage root is an OCFL
 * tree, which must hold objects only.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { STATEMENT_TYPE } from '../certificate/index.js';
import type { Repositories } from '../db/index.js';
import { sendFile, type JobHandler } from '../replication/index.js';
import type { Center } from './center.js';
import { cipherFor, openTarget } from './peers.js';

export const LOG_REPLICA_JOB = 'replicate-log';
export const LOG_SEGMENT = 1024;

/** One line of a log segment. */
export interface LogLine {
  readonly index: number;
  /** The leaf's data, UTF-8 (canonical JSON). */
  readonly data: string;
  /** Base64 RFC 3161 token over the statement, for a registration statement. */
  readonly token?: string;
}

export function logObjectId(centerId: string): string {
  return `urn:yinji:${centerId}:log`;
}

const pad = (n: number): string => String(n).padStart(12, '0');

export function segmentPath(start: number, end: number): string {
  return `log/${pad(start)}-${pad(end)}.jsonl`;
}

/** Start and end (inclusive) of a segment file's leaves, from its path; undefined for anything else. */
export function parseSegmentPath(path: string): { start: number; end: number } | undefined {
  const m = /^log\/([0-9]{12})-([0-9]{12})\.jsonl$/.exec(path);
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  return start % LOG_SEGMENT === 0 && end >= start && end < start + LOG_SEGMENT ? { start, end } : undefined;
}

/** Queue sending the log, as of `size` leaves, to a partner (after a copy, and hourly). */
export async function enqueueLogReplication(
  tx: Pick<Repositories, 'jobs'>,
  targetId: string,
  size: number,
): Promise<void> {
  await tx.jobs.enqueue({
    kind: LOG_REPLICA_JOB,
    key: `${LOG_REPLICA_JOB}:${targetId}:${size}`,
    payload: { targetId },
    maxAttempts: 100_000,
  });
}

async function segmentBytes(center: Center, start: number, end: number): Promise<Buffer> {
  const log = center.evidence.log(center.db);
  const lines: string[] = [];
  for (let i = start; i <= end; i++) {
    const data = Buffer.from((await log.leaf(i)).data).toString('utf8');
    const statement = JSON.parse(data) as { type?: string; regno?: string; version?: number };
    let token: string | undefined;
    if (statement.type === STATEMENT_TYPE && statement.regno !== undefined && statement.version !== undefined) {
      const ev = await center.db.evidence.get(statement.regno, statement.version);
      if (ev !== undefined && ev.leafIndex === i) token = Buffer.from(ev.timestampToken).toString('base64');
    }
    const line: LogLine = { index: i, data, ...(token !== undefined ? { token } : {}) };
    lines.push(JSON.stringify(line));
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export function logReplicaHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const targetId = String(job.payload.targetId);
    const row = await center.db.replicaTargets.get(targetId);
    if (row === undefined || row.removedAt !== null || row.kind !== 'peer') {
      return { result: { skipped: 'not a current partner', targetId } };
    }
    const size = await center.db.ledger.size();
    const segments: { start: number; end: number; path: string }[] = [];
    for (let start = 0; start < size; start += LOG_SEGMENT) {
      const end = Math.min(size, start + LOG_SEGMENT) - 1;
      segments.push({ start, end, path: segmentPath(start, end) });
    }
    const objectId = logObjectId(center.config.centerId);
    const target = await openTarget(center, row);
    const cipher = cipherFor(center, row);
    let sent = 0;
    try {
      const status = await target.status(
        objectId,
        segments.map((s) => s.path),
        signal,
      );
      for (const s of segments) {
        if (status.get(s.path)?.stored !== undefined) continue;
        const bytes = await segmentBytes(center, s.start, s.end);
        await sendFile(
          target,
          objectId,
          {
            path: s.path,
            size: bytes.length,
            digest: { algorithm: 'sha256', hex: createHash('sha256').update(bytes).digest('hex') },
            read: () => Promise.resolve(Readable.from([bytes])),
          },
          cipher,
          status.get(s.path),
          signal,
        );
        sent++;
      }
    } finally {
      await target.close();
    }
    return { result: { targetId, size, segments: segments.length, sent } };
  };
}
