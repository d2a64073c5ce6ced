/**
 * 012_catalog_tags (SQLite): the search index gains a `tags` column holding
 * the fields the access rule and the filters test (repositories/catalog-match.ts
 * FTS5_TAGS), so a search is answered by the index alone instead of joining
 * every match to its entry.
 *
 * FTS5 cannot add a column, and a contentless table cannot give back what it
 * indexed, so the table is made again empty and the center rebuilds it from
 * the entries when it next opens (the `catalog_reindex` setting, read by
 * center/catalog.ts). PostgreSQL's vectors get the same tags in 013.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../records.js';

/** Set when the search index must be rebuilt from the entries before the next search. */
export const CATALOG_REINDEX_SETTING = 'catalog_reindex';

export function catalogTagsMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'sqlite') return;
      // Kysely runs SQLite migrations outside a transaction: each step may be redone after a crash.
      await sql`drop table if exists catalog_fts`.execute(db);
      await sql`create virtual table catalog_fts using fts5(title, code, party, body, tags, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
        db,
      );
      await sql`insert into center_settings (name, value)
        select ${CATALOG_REINDEX_SETTING}, 'needed' where exists (select 1 from catalog_entries)
        on conflict (name) do update set value = 'needed'`.execute(db);
    },
  };
}
