/**
 * 006_auth: units' registration details, user accounts, roles, API tokens and
 * the one-time setup code (issue 5 items 1–2).
 *
 * Secrets are never stored: passwords as argon2id PHC strings, API tokens and
 * the setup code as SHA-256 of the secret (they are 256-bit random values, so
 * a fast hash is enough — nothing to brute-force).
 */
import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../records.js';

/** The three administrators (三员); repeated here because a migration must not change when code does. */
const ADMIN_ROLES = ['system-admin', 'security-admin', 'security-auditor'];

export function authMigration(dialect: DialectName): Migration {
  const addId = <TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'> =>
    dialect === 'sqlite'
      ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : table.addColumn('id', 'bigserial', (c) => c.primaryKey());
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // SQLite adds one column per ALTER TABLE.
      await db.schema.alterTable('units').addColumn('credit_code', 'text').execute();
      await db.schema
        .alterTable('units')
        .addColumn('unit_type', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('units')
        .addColumn('domain', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      // Unique where given: both dialects let any number of rows hold NULL.
      await db.schema.createIndex('units_credit_code_uq').on('units').column('credit_code').unique().execute();

      await addId(db.schema.createTable('users'))
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        // NULL: center staff; otherwise the unit the user deposits for.
        .addColumn('unit_id', 'bigint', (c) => c.references('units.id'))
        // NULL: no password sign-in (a machine account that uses API tokens only).
        .addColumn('password_hash', 'text')
        .addColumn('clearance', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_unit_idx').on('users').columns(['unit_id', 'id']).execute();

      await db.schema
        .createTable('user_roles')
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
        .execute();
      // 三员 separation as a last line of defence under the service check (auth/users.ts
      // assignRole): at most one of the three administrator roles per account, even if two
      // grants race.
      await db.schema
        .createIndex('user_roles_one_admin_role')
        .on('user_roles')
        .column('user_id')
        .unique()
        .where(sql.ref('role'), 'in', ADMIN_ROLES)
        .execute();

      await addId(db.schema.createTable('api_tokens'))
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').columns(['user_id', 'id']).execute();

      await db.schema
        .createTable('setup_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('setup_codes').execute();
      await db.schema.dropTable('api_tokens').execute();
      await db.schema.dropTable('user_roles').execute();
      await db.schema.dropTable('users').execute();
      await db.schema.dropIndex('units_credit_code_uq').execute();
      for (const column of ['domain', 'unit_type', 'credit_code']) {
        await db.schema.alterTable('units').dropColumn(column).execute();
      }
    },
  };
}
