/**
 * In-code migration provider. Not FileMigrationProvider: the code ships
 * compiled to dist/ and must not depend on finding .ts/.js files at run time.
 * Kysely runs migrations in name order, so names start with a number.
 */
import type { Migration, MigrationProvider } from 'kysely';
import type { DialectName } from '../records.js';
import { coreMigration } from './001-core.js';
import { evidenceMigration } from './002-evidence.js';
import { coordinationMigration } from './003-coordination.js';
import { checksMigration } from './004-checks.js';
import { auditLogMigration } from './005-audit-log.js';
import { authMigration } from './006-auth.js';
import { workflowMigration } from './007-workflow.js';
import { replicationMigration } from './008-replication.js';
import { catalogMigration } from './009-catalog.js';
import { accessRequestsMigration } from './010-access-requests.js';
import { catalogHoldersMigration } from './011-catalog-holders.js';
import { catalogTagsMigration } from './012-catalog-tags.js';
import { catalogTagsPostgresMigration } from './013-catalog-tags-postgres.js';

export function migrationProvider(dialect: DialectName): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '001_core': coreMigration(dialect),
        '002_evidence': evidenceMigration(),
        '003_coordination': coordinationMigration(dialect),
        '004_checks': checksMigration(dialect),
        '005_audit_log': auditLogMigration(),
        '006_auth': authMigration(dialect),
        '007_workflow': workflowMigration(dialect),
        '008_replication': replicationMigration(),
        '009_catalog': catalogMigration(dialect),
        '010_access_requests': accessRequestsMigration(dialect),
        '011_catalog_holders': catalogHoldersMigration(),
        '012_catalog_tags': catalogTagsMigration(dialect),
        '013_catalog_tags_postgres': catalogTagsPostgresMigration(dialect),
      };
    },
  };
}
