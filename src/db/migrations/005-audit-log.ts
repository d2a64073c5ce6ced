/**
 * 005_audit_log: the security audit log (issue 5 item 5), a hash chain. Each
 * row carries the SHA-256 of the previous row (prev_hash) and of itself
 * (hash, see repositories/audit-log.ts auditEntryHash), so an edited,
 * deleted or reordered row breaks the chain where it happened.
 *
 * `audit_head` is one row — the chain's length and last hash — that every
 * appender updates first: a row lock on PostgreSQL, the write lock on SQLite,
 * so appends serialise and seq stays gap-free (the same scheme as
 * ledger_head in 002_evidence).
 */
import { sql, type Kysely, type Migration } from 'kysely';

/** prev_hash of the first entry (repositories/audit-log.ts AUDIT_GENESIS). */
const GENESIS = '0'.repeat(64);

export function auditLogMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('length', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into audit_head (id, length, hash) values (1, 0, ${GENESIS})`.execute(db);

      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_log').execute();
      await db.schema.dropTable('audit_head').execute();
    },
  };
}
