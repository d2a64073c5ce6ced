/**
 * Fresh, empty databases for tests, one per call, for every dialect Yinji
 * supports: SQLite in a temp file, PostgreSQL as a new database on the
 * cluster test/support/postgres-global.ts started for the run.
 *
 *   const databases = withTestDatabases();
 *   for (const dialect of TEST_DIALECTS) {
 *     describe(dialect, () => {
 *       it('…', async () => { const db = await openDatabase({ url: await databases.fresh(dialect) }); … });
 *     });
 *   }
 *
 * Everything created is dropped/deleted in afterAll.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

export const TEST_DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof TEST_DIALECTS)[number];

export interface TestDatabases {
  /** The URL of a new empty database, for openDatabase({ url }). */
  fresh(dialect: TestDialect): Promise<string>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Create one fresh database; `drop` removes it (closing any connection still open). */
export async function createTestDatabase(dialect: TestDialect): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-db-'));
    return { url: `sqlite:${join(dir, 'yinji.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `yinji_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE (PostgreSQL 13+): a test that failed before closing its pool must not block the drop.
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Register cleanup for this test file and return a factory of fresh databases. */
export function withTestDatabases(): TestDatabases {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops.splice(0)) await drop();
  });
  return {
    async fresh(dialect) {
      const db = await createTestDatabase(dialect);
      drops.push(db.drop);
      return db.url;
    },
  };
}

/**
 * Run raw SQL against a test database, as an attacker with database access
 * would (tamper tests). `?` placeholders on SQLite, `$1` on PostgreSQL.
 */
export async function rawSql(url: string, text: string, params: readonly unknown[] = []): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const { default: Sqlite } = await import('better-sqlite3');
    const db = new Sqlite(url.slice('sqlite:'.length));
    try {
      db.prepare(text).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      text.replace(
        /\?/g,
        (() => {
          let i = 0;
          return () => `$${++i}`;
        })(),
      ),
      [...params],
    );
  } finally {
    await client.end();
  }
}
