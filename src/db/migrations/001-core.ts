/**
 * 001_core: the registration tables. Identical in effect on both dialects;
 * the only difference is how an auto-numbered id is spelled.
 *
 * Migrations are never edited once released: a change is a new migration.
 */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { DialectName } from '../records.js';

export function coreMigration(dialect: DialectName): Migration {
  // SQLite AUTOINCREMENT never reuses an id, so event ids only grow (EventListOptions.afterId relies on it).
  const addId = <TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'> =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey());

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addId(db.schema.createTable('units'))
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await addId(db.schema.createTable('registrations'))
        .addColumn('regno', 'text', (c) => c.notNull().unique())
        .addColumn('unit_id', 'bigint', (c) => c.notNull().references('units.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull().unique())
        .addColumn('head_version', 'integer', (c) => c.notNull())
        .addColumn('file_count', 'bigint', (c) => c.notNull())
        .addColumn('byte_count', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('registrations_unit_idx').on('registrations').columns(['unit_id', 'id']).execute();

      await db.schema
        .createTable('registration_versions')
        .addColumn('registration_id', 'bigint', (c) => c.notNull().references('registrations.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('file_count', 'bigint', (c) => c.notNull())
        .addColumn('byte_count', 'bigint', (c) => c.notNull())
        .addColumn('new_content_bytes', 'bigint', (c) => c.notNull())
        .addColumn('inventory_digest', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('source_kind', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registration_versions_pk', ['registration_id', 'version'])
        .execute();

      await db.schema
        .createTable('files')
        .addColumn('registration_id', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('mtime', 'text')
        .addPrimaryKeyConstraint('files_pk', ['registration_id', 'version', 'path'])
        .addForeignKeyConstraint('files_version_fk', ['registration_id', 'version'], 'registration_versions', [
          'registration_id',
          'version',
        ])
        .execute();
      // "Which registrations hold this file?" (verify by file, dedup reports).
      await db.schema.createIndex('files_sha256_idx').on('files').column('sha256').execute();

      await addId(db.schema.createTable('events'))
        .addColumn('registration_id', 'bigint', (c) => c.references('registrations.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('agent', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_registration_idx').on('events').columns(['registration_id', 'id']).execute();
      await db.schema.createIndex('events_type_idx').on('events').columns(['type', 'id']).execute();

      await db.schema
        .createTable('regno_sequences')
        .addColumn('series', 'text', (c) => c.primaryKey())
        .addColumn('next_value', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('pending_commits')
        .addColumn('regno', 'text', (c) => c.primaryKey())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        'pending_commits',
        'regno_sequences',
        'events',
        'files',
        'registration_versions',
        'registrations',
        'units',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
