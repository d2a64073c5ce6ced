/**
 * 011_catalog_holders: catalog entries another center holds (issue 8 item
 * 6). A lower-level center pushes its shareable catalog to its upper-level
 * catalog center; there each entry names the center that holds the record
 * (`holder`, its center id; '' = this center) and its id there, by which
 * later pushes update or withdraw it. A unit's 档号 stays unique among this
 * center's own entries only: two counties may both have a unit "330100".
 * `(updated_at, id)` is the cursor an incremental push reads changes by.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function catalogHoldersMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('catalog_entries')
        .addColumn('holder', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema.alterTable('catalog_entries').addColumn('holder_entry_id', 'bigint').execute();
      await db.schema.dropIndex('catalog_entries_code_idx').execute();
      await sql`create unique index catalog_entries_code_idx on catalog_entries (unit_code, archival_code) where archival_code <> '' and holder = ''`.execute(
        db,
      );
      await sql`create unique index catalog_entries_holder_idx on catalog_entries (holder, holder_entry_id) where holder <> ''`.execute(
        db,
      );
      await db.schema
        .createIndex('catalog_entries_changed_idx')
        .on('catalog_entries')
        .columns(['updated_at', 'id'])
        .execute();
    },
  };
}
