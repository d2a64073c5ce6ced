/**
 * 007_workflow: what issue 5 items 1–3 need beyond accounts — web sessions,
 * a classification (密级) on every registration, the submission workflow
 * (draft → uploaded → self-checked → submitted → under review → registered,
 * or returned with reasons; DOMAIN.md §3) with every transition kept, and
 * the units' annual status reports (年度报送), and per-unit upload limits.
 */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { DialectName } from '../records.js';

export function workflowMigration(dialect: DialectName): Migration {
  const addId = <TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'> =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Existing registrations predate classification: they were all accepted as open material.
      await db.schema
        .alterTable('registrations')
        .addColumn('classification', 'text', (c) => c.notNull().defaultTo('open'))
        .execute();

      // Per-unit limits (issue 5 item 4); NULL: the center's default (config maxUploadBytes) / no quota.
      await db.schema.alterTable('units').addColumn('max_package_bytes', 'bigint').execute();
      await db.schema.alterTable('units').addColumn('quota_bytes', 'bigint').execute();

      // A browser session: the cookie carries a 256-bit secret, the row only its SHA-256.
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

      await addId(db.schema.createTable('submissions'))
        .addColumn('unit_id', 'bigint', (c) => c.notNull().references('units.id'))
        .addColumn('created_by', 'bigint', (c) => c.notNull().references('users.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('classification', 'text', (c) => c.notNull())
        // JSON: the registration form (declared digest with its algorithm, counts, carrier, …).
        .addColumn('declared', 'text', (c) => c.notNull())
        // The uploaded package, relative to the staging directory; NULL until uploaded.
        .addColumn('package_path', 'text')
        .addColumn('package_bytes', 'bigint')
        // JSON CheckReport of the latest self-check; NULL until self-checked.
        .addColumn('check_report', 'text')
        // JSON array of the reasons given when returned.
        .addColumn('reasons', 'text')
        .addColumn('reviewer_id', 'bigint', (c) => c.references('users.id'))
        // Set when registered.
        .addColumn('regno', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('submissions_unit_idx').on('submissions').columns(['unit_id', 'id']).execute();
      await db.schema.createIndex('submissions_status_idx').on('submissions').columns(['status', 'id']).execute();

      await addId(db.schema.createTable('submission_events'))
        .addColumn('submission_id', 'bigint', (c) => c.notNull().references('submissions.id'))
        // NULL for the creating event.
        .addColumn('from_status', 'text')
        .addColumn('to_status', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'bigint', (c) => c.references('users.id'))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createIndex('submission_events_submission_idx')
        .on('submission_events')
        .columns(['submission_id', 'id'])
        .execute();

      await db.schema
        .createTable('annual_reports')
        .addColumn('unit_id', 'bigint', (c) => c.notNull().references('units.id'))
        .addColumn('year', 'integer', (c) => c.notNull())
        // draft or submitted.
        .addColumn('status', 'text', (c) => c.notNull())
        // JSON: the form's fields.
        .addColumn('form', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'bigint', (c) => c.notNull().references('users.id'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'text')
        .addPrimaryKeyConstraint('annual_reports_pk', ['unit_id', 'year'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('annual_reports').execute();
      await db.schema.dropTable('submission_events').execute();
      await db.schema.dropTable('submissions').execute();
      await db.schema.dropTable('sessions').execute();
      await db.schema.alterTable('registrations').dropColumn('classification').execute();
      await db.schema.alterTable('units').dropColumn('quota_bytes').execute();
      await db.schema.alterTable('units').dropColumn('max_package_bytes').execute();
    },
  };
}
