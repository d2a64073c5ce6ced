/**
 * 010_access_requests: 利用申请 (issue 8 item 5). A reader asks to use
 * controlled records (who, for what purpose, which entries); an operator
 * approves for a number of days or refuses; every use under an approval is
 * written to the security audit log. `access_grants` lists the entries of
 * each request, so "may this account read this entry now" is one indexed
 * query.
 */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { DialectName } from '../records.js';

export function accessRequestsMigration(dialect: DialectName): Migration {
  const addId = <TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'> =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addId(db.schema.createTable('access_requests'))
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        // 'pending' | 'approved' | 'rejected'.
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'bigint', (c) => c.references('users.id'))
        .addColumn('decided_at', 'text')
        .addColumn('decision_note', 'text', (c) => c.notNull().defaultTo(''))
        // Approved requests only: when the permission ends.
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema
        .createIndex('access_requests_user_idx')
        .on('access_requests')
        .columns(['user_id', 'status'])
        .execute();
      await db.schema
        .createIndex('access_requests_status_idx')
        .on('access_requests')
        .columns(['status', 'id'])
        .execute();
      await db.schema
        .createTable('access_grants')
        .addColumn('request_id', 'bigint', (c) => c.notNull().references('access_requests.id'))
        .addColumn('entry_id', 'bigint', (c) => c.notNull().references('catalog_entries.id'))
        .addPrimaryKeyConstraint('access_grants_pk', ['request_id', 'entry_id'])
        .execute();
      await db.schema.createIndex('access_grants_entry_idx').on('access_grants').column('entry_id').execute();
    },
  };
}
