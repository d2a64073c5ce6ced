/**
 * 002_evidence: the transparency log and the evidence kept per registration
 * version (issue 3). Hashes are lower-case hex text and tokens base64 text, so
 * both dialects hold identical, dump-readable values.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function evidenceMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One row: the log's size. Appenders update it first, which serialises them on both
      // dialects (a row lock on PostgreSQL, the write lock on SQLite), so the log never forks.
      await db.schema
        .createTable('ledger_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into ledger_head (id, size) values (1, 0)`.execute(db);

      await db.schema
        .createTable('ledger_leaves')
        .addColumn('idx', 'bigint', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('leaf_hash', 'text', (c) => c.notNull())
        .execute();

      // Hash of every complete subtree: (level, idx) covers leaves [idx·2^level, (idx+1)·2^level).
      await db.schema
        .createTable('ledger_nodes')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_nodes_pk', ['level', 'idx'])
        .execute();

      await db.schema
        .createTable('ledger_checkpoints')
        .addColumn('size', 'bigint', (c) => c.primaryKey())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('registration_evidence')
        .addColumn('registration_id', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('leaf_index', 'bigint', (c) => c.notNull().unique())
        .addColumn('statement', 'text', (c) => c.notNull())
        .addColumn('timestamp_token', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registration_evidence_pk', ['registration_id', 'version'])
        .addForeignKeyConstraint(
          'registration_evidence_version_fk',
          ['registration_id', 'version'],
          'registration_versions',
          ['registration_id', 'version'],
        )
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'registration_evidence',
        'ledger_checkpoints',
        'ledger_nodes',
        'ledger_leaves',
        'ledger_head',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
