/**
 * 009_catalog: the access side (issue 8) — catalog entries (DA/T 46 core
 * fields), their extracted full text, and a search index over both.
 *
 * The index is derived data, written by the catalog repository from the
 * analyser's tokens (catalog/analyze.ts), in the form each dialect searches
 * fastest: an FTS5 table on SQLite, a tsvector column with a GIN index on
 * PostgreSQL. It is not copied between databases (copy-database.ts
 * DERIVED_TABLES); `yinji migrate` rebuilds it from the entries.
 */
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../records.js';

export function catalogMigration(dialect: DialectName): Migration {
  const addId = <TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'> =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await addId(db.schema.createTable('catalog_entries'))
        .addColumn('unit_code', 'text', (c) => c.notNull())
        // 档号 and its parts (DA/T 13-2022 §5); '' when the unit gave none.
        .addColumn('archival_code', 'text', (c) => c.notNull())
        .addColumn('fonds', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('year', 'integer')
        .addColumn('item_number', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('responsible', 'text', (c) => c.notNull())
        .addColumn('date', 'text', (c) => c.notNull())
        .addColumn('document_number', 'text', (c) => c.notNull())
        .addColumn('org_or_issue', 'text', (c) => c.notNull())
        .addColumn('retention', 'text', (c) => c.notNull())
        .addColumn('classification', 'text', (c) => c.notNull())
        .addColumn('pages', 'integer')
        .addColumn('keywords', 'text', (c) => c.notNull())
        .addColumn('notes', 'text', (c) => c.notNull())
        // 'open' (开放) | 'controlled' (控制).
        .addColumn('open_status', 'text', (c) => c.notNull())
        .addColumn('regno', 'text')
        .addColumn('file_path', 'text')
        // 'import' | 'deposit' | 'peer'.
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // A unit's 档号 names one entry: a re-import updates it instead of adding a second.
      await sql`create unique index catalog_entries_code_idx on catalog_entries (unit_code, archival_code) where archival_code <> ''`.execute(
        db,
      );
      await db.schema
        .createIndex('catalog_entries_fonds_idx')
        .on('catalog_entries')
        .columns(['fonds', 'year'])
        .execute();
      await db.schema.createIndex('catalog_entries_regno_idx').on('catalog_entries').column('regno').execute();

      // Text extracted from the record's file (never from the preserved original in place: from a copy).
      await db.schema
        .createTable('catalog_texts')
        .addColumn('entry_id', 'bigint', (c) => c.primaryKey().references('catalog_entries.id'))
        .addColumn('text', 'text', (c) => c.notNull())
        // 'text' (a text layer or a text format) | 'ocr'.
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('extracted_at', 'text', (c) => c.notNull())
        .execute();

      if (dialect === 'sqlite') {
        // Contentless (the entries hold the text): four weighted columns, rowid = entry id.
        // unicode61 keeps each app-made token (a Han bigram, a letter/digit run) whole.
        await sql`create virtual table catalog_fts using fts5(title, code, party, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
          db,
        );
      } else {
        await db.schema
          .createTable('catalog_vectors')
          .addColumn('entry_id', 'bigint', (c) => c.primaryKey())
          .addColumn('vector', sql`tsvector`, (c) => c.notNull())
          .execute();
        await sql`create index catalog_vectors_gin on catalog_vectors using gin (vector)`.execute(db);
      }
    },
  };
}
