/**
 * The one suite every dialect runs (kysely-style loop): each test gets a
 * fresh, migrated database of each dialect — a temp SQLite file, or a new
 * PostgreSQL database on the cluster the test run started.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { TEST_DIALECTS, withTestDatabases, type TestDialect } from '../../test/support/databases.js';
import { fixedClock, type Clock } from '../core/index.js';
import type { Database } from './database.js';
import { openDatabase } from './open-database.js';
import type { DatabaseOptions } from './options.js';

export const T0 = '2026-03-01T08:00:00.000Z';

export interface DialectContext {
  readonly dialect: TestDialect;
  /** The migrated database of the running test. */
  db(): Database;
  /** Open another handle on the running test's database (closed after the test). */
  reopen(options?: Omit<DatabaseOptions, 'url'>): Promise<Database>;
}

export function describeEachDialect(
  name: string,
  body: (ctx: DialectContext) => void,
  clock: Clock = fixedClock(T0),
): void {
  const databases = withTestDatabases();
  for (const dialect of TEST_DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      let url = '';
      let current: Database | undefined;
      const extra: Database[] = [];
      beforeEach(async () => {
        url = await databases.fresh(dialect);
        current = await openDatabase({ url, clock, poolSize: 20 });
        await current.migrate();
      });
      afterEach(async () => {
        for (const d of extra.splice(0)) await d.close();
        await current?.close();
        current = undefined;
      });
      body({
        dialect,
        db: () => {
          if (!current) throw new Error('no database outside a test');
          return current;
        },
        reopen: async (options = {}) => {
          const d = await openDatabase({ clock, ...options, url });
          extra.push(d);
          return d;
        },
      });
    });
  }
}

/** A version's content with `n` files. */
export function sampleVersion(
  n: number,
  prefix = '文件',
): {
  files: { path: string; size: number; sha256: string; mtime: string | null }[];
  newContentBytes: number;
  inventoryDigest: string;
  message: string;
  sourceKind: string;
} {
  const files = Array.from({ length: n }, (_, i) => ({
    path: `${prefix}/${String(i).padStart(5, '0')}.pdf`,
    size: 1000 + i,
    sha256: i.toString(16).padStart(64, '0'),
    mtime: i % 2 === 0 ? T0 : null,
  }));
  return {
    files,
    newContentBytes: files.reduce((s, f) => s + f.size, 0),
    inventoryDigest: 'f'.repeat(64),
    message: '登记',
    sourceKind: 'folder',
  };
}
