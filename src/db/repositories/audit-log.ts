import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { canonicalJson } from '../../core/index.js';
import { guarded } from '../db-errors.js';
import type { AuditEntry, AuditHead, NewAuditEntry } from '../records.js';
import type { AuditLogTable } from '../schema.js';
import { clampLimit, timestamp, type RepoContext } from './context.js';

/** prev_hash of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/** The fields an entry's hash covers, as stored. */
export interface AuditHashInput {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  /** The detail as JSON text; it is hashed as the JSON value it denotes. */
  readonly detailText: string;
  readonly prevHash: string;
}

/**
 * The hash of an audit-log entry: lower-case hex SHA-256 of the UTF-8 bytes of
 * the RFC 8785 canonical JSON of
 * `{"action","actor","at","detail","outcome","prev_hash","role","seq","target"}`
 * — seq a number, detail the JSON object, prev_hash the previous entry's hash
 * (64 zeros for seq 1). Anyone can recompute it from a dump with a JCS library
 * and sha256sum. Undefined when the detail text is not JSON (then no hash can match).
 */
export function auditEntryHash(e: AuditHashInput): string | undefined {
  let detail: unknown;
  try {
    detail = JSON.parse(e.detailText);
  } catch {
    return undefined;
  }
  const text = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    role: e.role,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    detail,
    prev_hash: e.prevHash,
  });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface AuditRange {
  /** First seq, inclusive. Default 1. */
  readonly from?: number;
  /** Last seq, inclusive. Default the end. */
  readonly to?: number;
  /** Most entries returned (default 1000, at most 10000). */
  readonly limit?: number;
  /** Newest first (for "the last n entries"). Default oldest first. */
  readonly newestFirst?: boolean;
}

/**
 * The security audit log, a hash chain (migration 005). Appends take the
 * chain lock (the audit_head row) in a transaction — the caller's, or one of
 * their own — so concurrent appenders on any pool connection or server
 * instance get consecutive seqs and each links to the one before.
 */
export interface AuditLogRepository {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries by seq (rows as stored: a tampered row is returned as it is). */
  list(range?: AuditRange): Promise<readonly AuditEntry[]>;
  head(): Promise<AuditHead>;
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    role: row.role,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    detailText: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function auditLogRepository(ctx: RepoContext): AuditLogRepository {
  return {
    append: (e) =>
      guarded({ zh: '写入安全审计日志', en: 'append to the security audit log' }, () =>
        ctx.atomic(async (db) => {
          // An UPDATE that changes nothing still takes the row lock (PostgreSQL) / the write lock (SQLite);
          // a waiting appender then reads the head its predecessor committed.
          const head = await db
            .updateTable('audit_head')
            .set((eb) => ({ length: eb.ref('length') }))
            .where('id', '=', 1)
            .returning(['length', 'hash'])
            .executeTakeFirstOrThrow();
          const fields: AuditHashInput = {
            seq: Number(head.length) + 1,
            at: timestamp(ctx, e.at),
            actor: e.actor,
            role: e.role,
            action: e.action,
            target: e.target,
            outcome: e.outcome,
            detailText: canonicalJson(e.detail ?? {}),
            prevHash: head.hash,
          };
          const hash = auditEntryHash(fields)!;
          await db
            .insertInto('audit_log')
            .values({
              seq: fields.seq,
              at: fields.at,
              actor: fields.actor,
              role: fields.role,
              action: fields.action,
              target: fields.target,
              outcome: fields.outcome,
              detail: fields.detailText,
              prev_hash: fields.prevHash,
              hash,
            })
            .execute();
          await db.updateTable('audit_head').set({ length: fields.seq, hash }).where('id', '=', 1).execute();
          return { ...fields, hash };
        }),
      ),

    list: (range = {}) =>
      guarded({ zh: '读取安全审计日志', en: 'read the security audit log' }, async () => {
        let q = ctx.db.selectFrom('audit_log').selectAll();
        if (range.from !== undefined) q = q.where('seq', '>=', range.from);
        if (range.to !== undefined) q = q.where('seq', '<=', range.to);
        const rows = await q
          .orderBy('seq', range.newestFirst === true ? 'desc' : 'asc')
          .limit(clampLimit(range.limit, 1000, 10_000))
          .execute();
        return rows.map(toEntry);
      }),

    head: () =>
      guarded({ zh: '读取安全审计日志链头', en: 'read the security audit log head' }, async () => {
        const row = await ctx.db
          .selectFrom('audit_head')
          .select(['length', 'hash'])
          .where('id', '=', 1)
          .executeTakeFirstOrThrow();
        return { length: Number(row.length), hash: row.hash };
      }),
  };
}
