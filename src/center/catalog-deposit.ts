/**
 * A registration's catalog entries (目录条目, issue 8 item 1): after a version
 * is registered, the catalog file it carries (目录, found and read by the
 * same rules as the four-properties check, checks/metadata) becomes catalog
 * entries linked to the registration and to the files each row describes,
 * so the unit's description is searchable without a separate import. A
 * deposit without a catalog still becomes findable: one entry per file,
 * titled by its name, or one for the registration when it holds more files
 * than anyone would describe one by one.
 *
 * A background job, not part of registration: registering must not wait for
 * reading a catalog, and the job's effects (the entries, and the full-text
 * jobs that follow, full-text.ts) commit with the job, exactly once.
 */
import { rm } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { findCatalogFile, readCatalog, type CatalogView } from '../checks/index.js';
import { buildFields, entryIndex, fieldForHeading, saveEntries, toNewEntry, type FieldName } from '../catalog/index.js';
import type { CatalogUpsert, FileEntry, NewCatalogEntry, Registration, Repositories } from '../db/index.js';
import type { JobHandler } from '../replication/index.js';
import type { Center } from './center.js';
import { unitCatalogMapping } from './catalog.js';
import { enqueueFullText } from './full-text.js';
import { copyRegisteredFile } from './queries.js';
import { stagingPath } from './staging.js';

/** The job kind that turns a registered version's catalog into entries. */
export const CATALOG_JOB = 'catalog';

/** Above this many files, a deposit without a catalog gets one entry for the whole registration. */
const MAX_UNDESCRIBED_FILES = 1000;
/** Row problems kept in the job's result (the rest are counted). */
const MAX_PROBLEMS = 50;
/** BagIt tag files are the package's metadata, not records (RFC 8493 §2.2). */
const BAG_TAG_FILE = /^(bagit\.txt|bag-info\.txt|fetch\.txt|(tag)?manifest-[a-z0-9]+\.txt)$/;

/** Queue the catalog job of a newly registered version (in the registration's transaction). */
export async function enqueueCatalog(
  tx: Pick<Repositories, 'jobs'>,
  target: { regno: string; version: number },
): Promise<void> {
  await tx.jobs.enqueue({
    kind: CATALOG_JOB,
    key: `${CATALOG_JOB}:${target.regno}:v${target.version}`,
    payload: { regno: target.regno, version: target.version },
  });
}

interface PlannedEntry {
  readonly upsert: CatalogUpsert;
  /** The registered files the entry describes, whose text full-text.ts extracts. */
  readonly files: readonly string[];
}

export function catalogHandler(center: Center): JobHandler {
  return async (job, signal) => {
    const regno = String(job.payload.regno);
    const version = Number(job.payload.version);
    const reg = await center.db.registrations.getByRegno(regno);
    const unit = reg === undefined ? undefined : await center.db.units.getById(reg.unitId);
    if (reg === undefined || unit === undefined) throw new Error(`registration ${regno} not found`);
    const files = await center.db.registrations.versionFiles(regno, version);
    const catalogPath = findCatalogFile(files.map((f) => f.path));
    const view =
      catalogPath === undefined ? undefined : await readStoredCatalog(center, reg, version, files, catalogPath, signal);
    const planned =
      view === undefined
        ? { entries: undescribed(reg, unit.code, version, files), problems: [], rejected: 0 }
        : fromCatalog(view, reg, unit.code, await unitCatalogMapping(center, unit.code));
    // Text is extracted again only where this version brought a new or changed file (or none was kept yet).
    const previous = new Map(
      version === 1
        ? []
        : (await center.db.registrations.versionFiles(regno, version - 1)).map((f) => [f.path, f.sha256]),
    );
    const current = new Map(files.map((f) => [f.path, f.sha256]));
    const changed = (paths: readonly string[]): boolean => paths.some((p) => previous.get(p) !== current.get(p));
    const summary = {
      version,
      catalogFile: catalogPath ?? null,
      rows: view?.records.length ?? 0,
      rejected: planned.rejected,
      problems: [...(view?.problems.map((p) => p.reason.zh) ?? []), ...planned.problems].slice(0, MAX_PROBLEMS),
    };
    if (planned.rejected > 0) center.logger.warn({ regno, ...summary }, 'catalog rows of a deposit were not usable');
    return {
      result: summary,
      effects: async (tx) => {
        // Entries this registration already has (an earlier version's), read in this transaction so that
        // two versions' jobs running at once cannot both add the same entry without a 档号.
        const known = new Map<string, number>();
        for (let after = 0; ;) {
          const page = await tx.catalog.list({ regno }, { kind: 'all' }, after, 1000);
          if (page.length === 0) break;
          for (const e of page) known.set(entryKey(e), e.id);
          after = page.at(-1)!.id;
        }
        const entries = planned.entries.filter(
          (p) => p.upsert.entry.archivalCode !== '' || !known.has(entryKey(p.upsert.entry)),
        );
        const refresh = planned.entries.flatMap((p) => {
          const id = p.upsert.entry.archivalCode === '' ? known.get(entryKey(p.upsert.entry)) : undefined;
          return id !== undefined && changed(p.files) ? [{ id, files: p.files }] : [];
        });
        const saved = await saveEntries(
          tx.catalog,
          entries.map((e) => e.upsert),
        );
        const { ids, inserted, updated } = saved;
        if (center.config.fullText) {
          const updatedIds = new Set(saved.updatedIds);
          const stale = entries.flatMap((e, i) => {
            const id = ids[i]!;
            const fresh = !updatedIds.has(id) || !saved.withText.has(id) || changed(e.files);
            return e.files.length > 0 && fresh ? [{ id, files: e.files }] : [];
          });
          await enqueueFullText(tx, { regno, version, entries: [...stale, ...refresh] });
        }
        await tx.events.append({
          regno,
          type: CATALOG_JOB,
          agent: center.instanceId,
          outcome: planned.rejected > 0 ? 'warning' : 'success',
          detail: { ...summary, entries: entries.length, inserted, updated, jobId: job.id },
        });
      },
    };
  };
}

/** What identifies an entry without a 档号 within its registration. */
const entryKey = (e: Pick<NewCatalogEntry, 'filePath' | 'title'>): string => `${e.filePath ?? ''}\u0000${e.title}`;

/** The catalog rows as entries; a row the catalog rules refuse is counted and reported, the rest kept. */
function fromCatalog(
  view: CatalogView,
  reg: Registration,
  unitCode: string,
  mapping: Readonly<Record<string, string>>,
): { entries: PlannedEntry[]; problems: string[]; rejected: number } {
  const entries: PlannedEntry[] = [];
  const problems: string[] = [];
  let rejected = 0;
  // A classified registration's entries are never open, whatever its catalog says (access-requests.ts
  // also checks the reader's clearance against the registration).
  const restricted = reg.classification !== 'open';
  const codes = new Map<string, string>();
  for (const record of view.records) {
    const raw: Partial<Record<FieldName, string>> = {};
    for (const [heading, value] of Object.entries(record.fields)) {
      const field = fieldForHeading(heading, mapping);
      if (field !== undefined && raw[field] === undefined) raw[field] = value;
    }
    const built = buildFields(raw, 'controlled');
    if ('problems' in built) {
      rejected++;
      problems.push(`${record.source}: ${built.problems.map((p) => p.message.zh).join('；')}`);
      continue;
    }
    // A 档号 the catalog repeats (the check only warns of it) names one entry: the first row's.
    const code = built.fields.archivalCode;
    if (code !== undefined) {
      const first = codes.get(code);
      if (first !== undefined) {
        rejected++;
        problems.push(`${record.source}: 档号 ${code} 与 ${first} 重复`);
        continue;
      }
      codes.set(code, record.source);
    }
    const fields = restricted ? { ...built.fields, openStatus: 'controlled' as const } : built.fields;
    const entry = toNewEntry(fields, unitCode, 'deposit', { regno: reg.regno, filePath: record.files[0] });
    const stated = (raw.openStatus ?? '').trim() !== '';
    entries.push({
      upsert: { entry, index: entryIndex(entry), keepOpenStatus: !stated && !restricted },
      files: record.files,
    });
  }
  return { entries, problems, rejected };
}

/** Without a catalog: each file is an entry named after it (控制 until someone opens it), or one for all. */
function undescribed(
  reg: Registration,
  unitCode: string,
  version: number,
  files: readonly FileEntry[],
): PlannedEntry[] {
  const records = files.filter((f) => !BAG_TAG_FILE.test(f.path));
  const notes = `登记号 ${reg.regno} 第 ${version} 版；交存时未附目录`;
  if (records.length === 0 || records.length > MAX_UNDESCRIBED_FILES) {
    const entry = toNewEntry({ title: reg.title, notes, openStatus: 'controlled' }, unitCode, 'deposit', {
      regno: reg.regno,
    });
    return [{ upsert: { entry, index: entryIndex(entry), keepOpenStatus: true }, files: [] }];
  }
  return records.map((f) => {
    const base = posix.basename(f.path);
    const title = base.slice(0, base.length - posix.extname(base).length) || base;
    const entry = toNewEntry({ title, notes, openStatus: 'controlled' }, unitCode, 'deposit', {
      regno: reg.regno,
      filePath: f.path,
    });
    return { upsert: { entry, index: entryIndex(entry), keepOpenStatus: true }, files: [f.path] };
  });
}

async function readStoredCatalog(
  center: Center,
  reg: Registration,
  version: number,
  files: readonly FileEntry[],
  catalogPath: string,
  signal: AbortSignal,
): Promise<CatalogView> {
  const dir = stagingPath(center.config.stagingDir, 'text');
  try {
    const file = files.find((f) => f.path === catalogPath)!;
    const local = join(dir, `catalog${posix.extname(catalogPath)}`);
    await copyRegisteredFile(center, reg, version, file, local, signal);
    const others = files.map((f) => f.path).filter((p) => p !== catalogPath);
    return await readCatalog(local, others, { name: catalogPath, signal });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
