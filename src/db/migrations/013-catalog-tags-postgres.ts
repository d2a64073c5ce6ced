/**
 * 013_catalog_tags_postgres: PostgreSQL's search vectors gain the tags that
 * 012 gave SQLite's index (repositories/catalog-match.ts PG_TAGS): the
 * access rule and the filters as lexemes, so a search is answered by the GIN
 * index and the vectors alone. Unlike FTS5, a tsvector can be extended in
 * place, from the entries, in this migration's transaction.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../records.js';
import { PG_TAGS } from '../repositories/catalog-match.js';

export function catalogTagsPostgresMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`update catalog_vectors v set vector = v.vector || ${PG_TAGS}
        from catalog_entries e where e.id = v.entry_id`.execute(db);
    },
  };
}
