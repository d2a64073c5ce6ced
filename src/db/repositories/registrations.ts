import type { Kysely, Selectable } from 'kysely';
import { ConflictError, InvalidInputError, NotFoundError } from '../../core/index.js';
import type {
  FileEntry,
  NewRegistration,
  NewVersion,
  Page,
  Registration,
  RegistrationListOptions,
  RegistrationVersion,
} from '../records.js';
import type { RegistrationsTable, RegistrationVersionsTable, Schema } from '../schema.js';
import { guarded } from '../db-errors.js';
import { clampLimit, timestamp, type RepoContext } from './context.js';
import { insertFiles, selectFiles } from './files.js';

/** Registrations appear here only complete: a row, its versions and each version's full file list, in one transaction. */
export interface RegistrationRepository {
  /** Insert a registration with its version 1. ConflictError if the regno (or object id) is taken. */
  insert(registration: NewRegistration): Promise<Registration>;
  /**
   * Record version `version` of `regno`, which must be the head version + 1
   * (ConflictError otherwise: someone else added it first). Returns the updated registration.
   */
  addVersion(regno: string, version: number, content: NewVersion): Promise<Registration>;
  getByRegno(regno: string): Promise<Registration | undefined>;
  /** Newest first. */
  list(options?: RegistrationListOptions): Promise<Page<Registration>>;
  /** Oldest first. NotFoundError for an unknown regno. */
  versions(regno: string): Promise<readonly RegistrationVersion[]>;
  /** The full state of one version, by path. NotFoundError if the regno or version does not exist. */
  versionFiles(regno: string, version: number): Promise<readonly FileEntry[]>;
  /** The registration one of whose versions was recorded with exactly this message, if any. */
  findByVersionMessage(message: string): Promise<string | undefined>;
  /** Bytes a unit's registrations occupy in the store (content each version added, summed). */
  unitStoredBytes(unitId: number): Promise<number>;
  /** Where files with these SHA-256 digests were registered (any version), oldest first. */
  findByDigests(sha256: readonly string[]): Promise<readonly FileLocation[]>;
}

/** A registered file found by its digest. */
export interface FileLocation {
  readonly sha256: string;
  readonly regno: string;
  readonly version: number;
  readonly path: string;
  readonly size: number;
  /** When that version was registered. */
  readonly registeredAt: string;
}

/** A registrations row as selected (derived from the schema, not restated). */
type RegistrationRow = Selectable<RegistrationsTable>;

function toRegistration(row: RegistrationRow): Registration {
  return {
    id: Number(row.id),
    regno: row.regno,
    unitId: Number(row.unit_id),
    title: row.title,
    objectId: row.object_id,
    headVersion: Number(row.head_version),
    fileCount: Number(row.file_count),
    byteCount: Number(row.byte_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    classification: row.classification,
  };
}

function toVersion(row: RegistrationVersionsTable): RegistrationVersion {
  return {
    version: Number(row.version),
    createdAt: row.created_at,
    fileCount: Number(row.file_count),
    byteCount: Number(row.byte_count),
    newContentBytes: Number(row.new_content_bytes),
    inventoryDigest: row.inventory_digest,
    message: row.message,
    sourceKind: row.source_kind,
  };
}

function totals(content: NewVersion): { file_count: number; byte_count: number } {
  return { file_count: content.files.length, byte_count: content.files.reduce((sum, f) => sum + f.size, 0) };
}

async function insertVersion(
  db: Kysely<Schema>,
  registrationId: number,
  version: number,
  at: string,
  content: NewVersion,
): Promise<void> {
  await db
    .insertInto('registration_versions')
    .values({
      registration_id: registrationId,
      version,
      created_at: at,
      ...totals(content),
      new_content_bytes: content.newContentBytes,
      inventory_digest: content.inventoryDigest,
      message: content.message,
      source_kind: content.sourceKind,
    })
    .execute();
  await insertFiles(db, registrationId, version, content.files);
}

function notFound(regno: string): NotFoundError {
  return new NotFoundError({ zh: `登记号 ${regno} 不存在`, en: `no registration ${regno}` });
}

export function registrationRepository(ctx: RepoContext): RegistrationRepository {
  const byRegno = async (db: Kysely<Schema>, regno: string): Promise<Registration | undefined> => {
    const row = await db.selectFrom('registrations').selectAll().where('regno', '=', regno).executeTakeFirst();
    return row && toRegistration(row);
  };

  return {
    insert: (r) =>
      guarded({ zh: `写入登记 ${r.regno}`, en: `insert registration ${r.regno}` }, () =>
        ctx.atomic(async (db) => {
          const at = timestamp(ctx, r.createdAt ?? r.firstVersion.createdAt);
          const row = await guarded(
            { zh: `写入登记 ${r.regno}`, en: `insert registration ${r.regno}` },
            () =>
              db
                .insertInto('registrations')
                .values({
                  regno: r.regno,
                  unit_id: r.unitId,
                  title: r.title,
                  object_id: r.objectId,
                  head_version: 1,
                  classification: r.classification ?? 'open',
                  ...totals(r.firstVersion),
                  created_at: at,
                  updated_at: at,
                })
                .returningAll()
                .executeTakeFirstOrThrow(),
            {
              zh: `登记号 ${r.regno} 或对象 ${r.objectId} 已存在`,
              en: `registration ${r.regno} or object ${r.objectId} already exists`,
            },
          );
          await insertVersion(db, Number(row.id), 1, timestamp(ctx, r.firstVersion.createdAt ?? at), r.firstVersion);
          return toRegistration(row);
        }),
      ),

    addVersion: (regno, version, content) =>
      guarded({ zh: `为 ${regno} 增加版本 ${version}`, en: `add version ${version} to ${regno}` }, () =>
        ctx.atomic(async (db) => {
          if (!Number.isInteger(version) || version < 2) {
            throw new InvalidInputError({ zh: `版本号 ${version} 无效`, en: `invalid version number ${version}` });
          }
          const at = timestamp(ctx, content.createdAt);
          // Conditional on the head we expect: of two concurrent additions only one matches.
          const row = await db
            .updateTable('registrations')
            .set({ head_version: version, ...totals(content), updated_at: at })
            .where('regno', '=', regno)
            .where('head_version', '=', version - 1)
            .returningAll()
            .executeTakeFirst();
          if (!row) {
            const current = await byRegno(db, regno);
            if (!current) throw notFound(regno);
            throw new ConflictError(
              {
                zh: `${regno} 的当前版本是 ${current.headVersion}，不能增加版本 ${version}`,
                en: `${regno} is at version ${current.headVersion}; cannot add version ${version}`,
              },
              { details: { regno, headVersion: current.headVersion, version } },
            );
          }
          await insertVersion(db, Number(row.id), version, at, content);
          return toRegistration(row);
        }),
      ),

    getByRegno: (regno) =>
      guarded({ zh: `读取登记 ${regno}`, en: `read registration ${regno}` }, () => byRegno(ctx.db, regno)),

    list: (options = {}) =>
      guarded({ zh: '列出登记', en: 'list registrations' }, async () => {
        let base = ctx.db.selectFrom('registrations');
        if (options.unitId !== undefined) base = base.where('unit_id', '=', options.unitId);
        if (options.classifications !== undefined) {
          // An empty list matches nothing (and `in ()` is not valid SQL).
          if (options.classifications.length === 0) return { items: [], total: 0 };
          base = base.where('classification', 'in', options.classifications);
        }
        const rows = await base
          .selectAll()
          .orderBy('id', 'desc')
          .limit(clampLimit(options.limit, 50, 1000))
          .offset(Math.max(0, Math.trunc(options.offset ?? 0)))
          .execute();
        const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        return { items: rows.map(toRegistration), total: Number(count.n) };
      }),

    findByVersionMessage: (message) =>
      guarded({ zh: '按版本说明查找登记', en: 'find a registration by version message' }, async () => {
        const row = await ctx.db
          .selectFrom('registration_versions as v')
          .innerJoin('registrations as r', 'r.id', 'v.registration_id')
          .where('v.message', '=', message)
          .select('r.regno')
          .executeTakeFirst();
        return row?.regno;
      }),

    unitStoredBytes: (unitId) =>
      guarded({ zh: `统计单位 ${unitId} 的存储量`, en: `sum the stored bytes of unit ${unitId}` }, async () => {
        const row = await ctx.db
          .selectFrom('registration_versions as v')
          .innerJoin('registrations as r', 'r.id', 'v.registration_id')
          .where('r.unit_id', '=', unitId)
          .select((eb) => eb.fn.sum<number | string | null>('v.new_content_bytes').as('n'))
          .executeTakeFirstOrThrow();
        return Number(row.n ?? 0);
      }),

    versions: (regno) =>
      guarded({ zh: `列出 ${regno} 的版本`, en: `list versions of ${regno}` }, async () => {
        const reg = await byRegno(ctx.db, regno);
        if (!reg) throw notFound(regno);
        const rows = await ctx.db
          .selectFrom('registration_versions')
          .selectAll()
          .where('registration_id', '=', reg.id)
          .orderBy('version')
          .execute();
        return rows.map(toVersion);
      }),

    versionFiles: (regno, version) =>
      guarded(
        { zh: `读取 ${regno} 版本 ${version} 的文件`, en: `read files of ${regno} version ${version}` },
        async () => {
          const reg = await byRegno(ctx.db, regno);
          if (!reg) throw notFound(regno);
          if (!Number.isInteger(version) || version < 1 || version > reg.headVersion) {
            throw new NotFoundError({ zh: `${regno} 没有版本 ${version}`, en: `${regno} has no version ${version}` });
          }
          return selectFiles(ctx.db, reg.id, version);
        },
      ),

    findByDigests: (digests) =>
      guarded({ zh: '按摘要查找文件', en: 'find files by digest' }, async () => {
        if (digests.length === 0) return [];
        const rows = await ctx.db
          .selectFrom('files')
          .innerJoin('registrations', 'registrations.id', 'files.registration_id')
          .innerJoin('registration_versions', (join) =>
            join
              .onRef('registration_versions.registration_id', '=', 'files.registration_id')
              .onRef('registration_versions.version', '=', 'files.version'),
          )
          .select([
            'files.sha256',
            'registrations.regno',
            'files.version',
            'files.path',
            'files.size',
            'registration_versions.created_at',
          ])
          .where('files.sha256', 'in', [...new Set(digests)].slice(0, 1000))
          .orderBy('registration_versions.created_at')
          .orderBy('registrations.regno')
          .orderBy('files.version')
          .limit(10_000)
          .execute();
        return rows.map((r) => ({
          sha256: r.sha256,
          regno: r.regno,
          version: Number(r.version),
          path: r.path,
          size: Number(r.size),
          registeredAt: r.created_at,
        }));
      }),
  };
}
