import type { CatalogRepository, CatalogUpsert } from '../db/index.js';
import { entryIndex } from './fields.js';

/**
 * Add or update entries (repository upsert), keeping the extracted text of
 * an updated entry findable: upsert indexes the fields it is given, so the
 * text an earlier full-text job stored is indexed again with the new fields.
 * `withText`: the updated entries that have text.
 */
export async function saveEntries(
  repo: CatalogRepository,
  rows: readonly CatalogUpsert[],
): Promise<{ ids: number[]; inserted: number; updated: number; updatedIds: number[]; withText: Set<number> }> {
  const saved = await repo.upsert(rows);
  const texts = await repo.texts(saved.updatedIds);
  if (texts.size > 0) {
    const byId = new Map(saved.ids.map((id, i) => [id, rows[i]!.entry]));
    await repo.putIndex([...texts].map(([id, text]) => ({ id, index: entryIndex(byId.get(id)!, text) })));
  }
  return { ...saved, withText: new Set(texts.keys()) };
}
