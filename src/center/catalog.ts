import type { Actor } from '../auth/index.js';
import {
  entryIndex,
  exportCatalog,
  importCatalog,
  searchCatalog,
  type ExportFormat,
  type ImportReport,
  type OpenStatus,
  type SearchRequest,
  type SearchResult,
} from '../catalog/index.js';
import type { Logger } from '../core/index.js';
import { CATALOG_REINDEX_SETTING, type CatalogAccess, type CatalogFilters, type Database } from '../db/index.js';
import type { Center } from './center.js';

const mappingSetting = (unit: string): string => `catalog.mapping.${unit}`;

export interface CenterImportOptions {
  readonly file: string;
  readonly unit: string;
  /** Heading → field name (title, archivalCode, …) for headings the known aliases miss; saved for the unit. */
  readonly map?: Readonly<Record<string, string>>;
  readonly defaultOpenStatus?: OpenStatus;
  readonly signal?: AbortSignal;
  readonly onProgress?: (rows: number) => void;
}

/** The heading → field mapping a unit's imports saved; a deposit's catalog is read with it too. */
export async function unitCatalogMapping(center: Center, unitCode: string): Promise<Record<string, string>> {
  return JSON.parse((await center.db.settings.get(mappingSetting(unitCode))) ?? '{}') as Record<string, string>;
}

/**
 * Import a unit's catalog (yinji catalog import, POST /api/v1/catalog/import).
 * The unit's column mapping is remembered, so next year's sheet with the same
 * odd headings imports without repeating --map.
 */
export async function importUnitCatalog(center: Center, options: CenterImportOptions): Promise<ImportReport> {
  const unit = await center.db.units.getOrCreateByCode({ code: options.unit, name: options.unit, type: '' });
  const mapping = { ...(await unitCatalogMapping(center, unit.code)), ...(options.map ?? {}) };
  const report = await importCatalog(center.db.catalog, options.file, {
    unitCode: unit.code,
    mapping,
    ...(options.defaultOpenStatus === undefined ? {} : { defaultOpenStatus: options.defaultOpenStatus }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  if (options.map !== undefined && Object.keys(options.map).length > 0) {
    await center.db.settings.put(mappingSetting(unit.code), JSON.stringify(mapping));
  }
  center.logger.info(
    {
      unit: unit.code,
      file: report.file,
      imported: report.imported,
      updated: report.updated,
      rejected: report.rejected,
    },
    'catalog import',
  );
  return report;
}

/**
 * What an actor may see of the catalog: the public open entries, a unit also
 * its own, the center's operators (业务人员) all. The three administrators
 * see what the public sees: running the system gives no right to the
 * records' content (三员分立).
 */
export async function catalogAccessOf(center: Center, actor: Actor): Promise<CatalogAccess> {
  if (actor.kind !== 'user') return { kind: 'open' };
  // An API token scoped to other work (verification, deposits) reads the catalog as the public does.
  if (actor.scopes !== undefined && !actor.scopes.includes('access.request')) return { kind: 'open' };
  if (actor.roles.includes('operator')) return { kind: 'all' };
  if (actor.unitId === null) return { kind: 'open' };
  const unit = await center.db.units.getById(actor.unitId);
  return unit === undefined ? { kind: 'open' } : { kind: 'open-or-unit', unitCode: unit.code };
}

/** Which archive holds a hit's record: this center, or the partner that shared the entry (a catalog center's view). */
export interface Holder {
  readonly centerId: string;
  readonly name: string;
}

export type CenterSearchResult = Omit<SearchResult, 'hits'> & {
  readonly hits: ReadonlyArray<SearchResult['hits'][number] & { readonly holder: Holder }>;
};

export async function searchCenterCatalog(center: Center, request: SearchRequest): Promise<CenterSearchResult> {
  const result = await searchCatalog(center.db.catalog, request);
  const own: Holder = { centerId: center.config.centerId, name: center.config.centerName };
  const names = new Map<string, Holder>();
  for (const id of new Set(result.hits.map((h) => h.entry.holder).filter((h) => h !== ''))) {
    const peer = await center.db.replicaTargets.get(id);
    names.set(id, { centerId: id, name: peer?.name ?? id });
  }
  return {
    ...result,
    hits: result.hits.map((h) => ({ ...h, holder: h.entry.holder === '' ? own : names.get(h.entry.holder)! })),
  };
}

export function exportCenterCatalog(
  center: Center,
  path: string,
  options: { format: ExportFormat; filters?: CatalogFilters; access: CatalogAccess },
): Promise<number> {
  return exportCatalog(center.db.catalog, path, options);
}

/**
 * Rebuild the search index when a migration emptied it (012_catalog_tags made
 * SQLite's index again with a column it cannot fill from the entries alone).
 * Instances opening at once may both rebuild; the result is the same.
 */
export async function reindexIfNeeded(db: Database, logger: Logger): Promise<void> {
  if ((await db.settings.get(CATALOG_REINDEX_SETTING)) !== 'needed') return;
  logger.info({}, 'rebuilding the catalog search index after an upgrade');
  const started = performance.now();
  const entries = await reindexCatalog(db);
  logger.info(
    { entries, seconds: Math.round((performance.now() - started) / 100) / 10 },
    'catalog search index rebuilt',
  );
}

/**
 * Rebuild the search index of every entry from its fields and text (after
 * `yinji migrate` copied the entries to another database, where the index
 * is kept in another form). Returns the number of entries indexed.
 */
export async function reindexCatalog(db: Database): Promise<number> {
  let done = 0;
  for (let after = 0; ;) {
    const page = await db.catalog.list({}, { kind: 'all' }, after, 1000);
    if (page.length === 0) {
      // A copy made by `yinji migrate` carries the source's flag; it is rebuilt now.
      await db.settings.put(CATALOG_REINDEX_SETTING, 'done');
      return done;
    }
    const texts = await db.catalog.texts(page.map((e) => e.id));
    await db.catalog.putIndex(page.map((e) => ({ id: e.id, index: entryIndex(e, texts.get(e.id)) })));
    done += page.length;
    after = page.at(-1)!.id;
  }
}
