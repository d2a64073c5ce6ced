/**
 * 003_coordination: what lets several instances share one database (issue 6).
 *  - leases: a named, expiring lock (an OCFL object while a version is
 *    written, or recovered), so no two instances write one object at once and
 *    an instance that dies releases its locks by letting them expire;
 *  - jobs: background work (fixity audits now; replication and indexing
 *    later) leased the same way, each done to completion exactly once;
 *  - center_settings: facts every instance must agree on, such as the
 *    fingerprint of the center's signing key.
 * Times are canonical ISO-8601 UTC text, so text order is time order.
 */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { DialectName } from '../records.js';

export function coordinationMigration(dialect: DialectName): Migration {
  const addId = <TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'> =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey());

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();

      await addId(db.schema.createTable('jobs'))
        .addColumn('kind', 'text', (c) => c.notNull())
        // One job per piece of work: enqueueing the same key again is a no-op.
        .addColumn('job_key', 'text', (c) => c.notNull().unique())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_token', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('result', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('jobs_state_idx').on('jobs').columns(['state', 'run_after']).execute();

      await db.schema
        .createTable('center_settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['center_settings', 'jobs', 'leases']) await db.schema.dropTable(table).execute();
    },
  };
}
