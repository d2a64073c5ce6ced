/**
 * 004_checks: four-properties check reports (issue 4), kept per registration
 * version and stage. Reports are immutable JSON: an operator accepting a
 * warning is recorded as an event, never by editing the report.
 */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { DialectName } from '../records.js';

export function checksMigration(dialect: DialectName): Migration {
  const addId = <TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'> =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addId(db.schema.createTable('check_reports'))
        .addColumn('regno', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('blocked', 'integer', (c) => c.notNull())
        .addColumn('fail_count', 'integer', (c) => c.notNull())
        .addColumn('warn_count', 'integer', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('check_reports_regno_idx')
        .on('check_reports')
        .columns(['regno', 'version', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('check_reports').execute();
    },
  };
}
