export { openDatabase } from './open-database.js';
export { copyDatabase, isDerivedTable, TRANSIENT_TABLES } from './copy-database.js';
export type { CopiedTable, CopyDatabaseOptions, CopyDatabaseResult } from './copy-database.js';
export type { Database, MigrationOutcome } from './database.js';
export type { DatabaseOptions } from './options.js';
export type {
  Repositories,
  AuditLogRepository,
  CatalogRepository,
  EventRepository,
  EvidenceRepository,
  LedgerRepository,
  PendingCommitRepository,
  RegistrationRepository,
  SequenceRepository,
  UnitRepository,
  UserRepository,
  ApiTokenRepository,
  SetupCodeRepository,
  SubmissionRepository,
  AnnualReportRepository,
} from './repositories/index.js';
export type * from './records.js';
export type { Evidence } from './repositories/evidence.js';
export type { LedgerLeaf, LedgerNode, LedgerNodeKey, StoredCheckpoint } from './repositories/ledger.js';
export { nodeKey } from './repositories/ledger.js';
export type { FileLocation } from './repositories/registrations.js';
export type { HoldingsFigures } from './repositories/statistics.js';
export type { AccessRequest, AccessRequestStatus } from './repositories/access-requests.js';
export { FACET_FIELDS, SEARCH_COLUMNS } from './repositories/catalog.js';
export { CATALOG_REINDEX_SETTING } from './migrations/012-catalog-tags.js';
export type {
  CatalogAccess,
  CatalogEntryRecord,
  CatalogFilters,
  CatalogQuery,
  CatalogUpsert,
  FacetField,
  Facets,
  IndexTokens,
  NewCatalogEntry,
  SearchColumn,
  SearchExpr,
} from './repositories/catalog.js';
export { AUDIT_GENESIS, auditEntryHash } from './repositories/audit-log.js';
export type { AuditHashInput, AuditRange } from './repositories/audit-log.js';
