import { setTimeout as sleep } from 'node:timers/promises';
import { Migrator, type Kysely } from 'kysely';
import { DatabaseError } from '../core/index.js';
import { isRetryableTransactionError, wrapDbError } from './db-errors.js';
import { migrationProvider } from './migrations/index.js';
import type { ResolvedOptions } from './options.js';
import type { DialectName } from './records.js';
import { bindRepositories, type Repositories } from './repositories/index.js';
import type { Schema } from './schema.js';

export interface MigrationOutcome {
  readonly name: string;
  readonly status: 'applied' | 'failed' | 'not-run';
}

/**
 * An open database: the repositories over the whole pool, plus schema
 * migration, transactions and close. Obtain one with openDatabase().
 */
export interface Database extends Repositories {
  readonly dialect: DialectName;
  /**
   * Bring the schema up to date. Safe to run every start and from several
   * instances at once (Kysely takes a migration lock). Returns what ran this
   * time — empty when already current; throws DatabaseError E_DB_MIGRATION,
   * with the per-migration outcomes in `details`, if one failed.
   */
  migrate(): Promise<readonly MigrationOutcome[]>;
  /**
   * Run `fn` in one transaction with repositories bound to it: all or nothing.
   * On PostgreSQL a serialization failure or deadlock reruns `fn` (a few
   * times), so `fn` must do nothing but database work. Inside `fn` use only
   * `tx` — on SQLite the one connection is held by the transaction, and a
   * query through the outer Database would wait for it forever.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Close the pool or file. Idempotent. */
  close(): Promise<void>;
}

export class KyselyDatabase implements Database {
  readonly dialect: DialectName;
  readonly units;
  readonly registrations;
  readonly events;
  readonly sequences;
  readonly pending;
  readonly ledger;
  readonly evidence;
  readonly leases;
  readonly jobs;
  readonly settings;
  readonly checkReports;
  readonly auditLog;
  readonly users;
  readonly apiTokens;
  readonly setupCodes;
  readonly submissions;
  readonly annualReports;
  readonly sessions;
  readonly hostedFiles;
  readonly peerNonces;
  readonly replicaTargets;
  readonly replicas;
  readonly witness;
  readonly catalog;
  readonly accessRequests;
  readonly statistics;
  /** Internal to db/: not on the Database interface and never exported from index.ts. */
  readonly kysely: Kysely<Schema>;
  readonly #options: ResolvedOptions;
  #closed = false;

  constructor(kysely: Kysely<Schema>, options: ResolvedOptions) {
    this.kysely = kysely;
    this.#options = options;
    this.dialect = options.dialect;
    const repos = bindRepositories({
      db: kysely,
      dialect: options.dialect,
      clock: options.clock,
      atomic: (fn) => this.#run(fn),
    });
    this.units = repos.units;
    this.registrations = repos.registrations;
    this.events = repos.events;
    this.sequences = repos.sequences;
    this.pending = repos.pending;
    this.ledger = repos.ledger;
    this.evidence = repos.evidence;
    this.leases = repos.leases;
    this.jobs = repos.jobs;
    this.settings = repos.settings;
    this.checkReports = repos.checkReports;
    this.auditLog = repos.auditLog;
    this.users = repos.users;
    this.apiTokens = repos.apiTokens;
    this.setupCodes = repos.setupCodes;
    this.submissions = repos.submissions;
    this.annualReports = repos.annualReports;
    this.sessions = repos.sessions;
    this.hostedFiles = repos.hostedFiles;
    this.peerNonces = repos.peerNonces;
    this.replicaTargets = repos.replicaTargets;
    this.replicas = repos.replicas;
    this.witness = repos.witness;
    this.catalog = repos.catalog;
    this.accessRequests = repos.accessRequests;
    this.statistics = repos.statistics;
  }

  async migrate(): Promise<readonly MigrationOutcome[]> {
    const migrator = new Migrator({ db: this.kysely, provider: migrationProvider(this.dialect) });
    const { error, results = [] } = await migrator.migrateToLatest();
    const outcomes = results.map((r) => ({
      name: r.migrationName,
      status:
        r.status === 'Success'
          ? ('applied' as const)
          : r.status === 'Error'
            ? ('failed' as const)
            : ('not-run' as const),
    }));
    if (error !== undefined) {
      throw new DatabaseError(
        'E_DB_MIGRATION',
        { zh: '数据库结构升级失败', en: 'database schema migration failed' },
        { cause: error, details: { outcomes } },
      );
    }
    return outcomes;
  }

  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    const { clock, dialect } = this.#options;
    // Inside the transaction `atomic` is the transaction itself: no nesting.
    return this.#run((trx) => fn(bindRepositories({ db: trx, dialect, clock, atomic: (inner) => inner(trx) })));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.kysely.destroy();
  }

  async #run<T>(fn: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let thrownByFn = false;
      try {
        return await this.kysely.transaction().execute(async (trx) => {
          try {
            return await fn(trx);
          } catch (e) {
            thrownByFn = true;
            throw e;
          }
        });
      } catch (e) {
        if (
          this.dialect === 'postgres' &&
          attempt < this.#options.maxTransactionAttempts &&
          isRetryableTransactionError(e)
        ) {
          // Jittered exponential backoff so the transactions that collided do not collide again.
          await sleep(10 * 2 ** attempt * (0.5 + Math.random()));
          continue;
        }
        // The caller's own errors pass through untouched; BEGIN/COMMIT failures are ours to wrap.
        if (thrownByFn) throw e;
        throw wrapDbError(e, { zh: '提交事务', en: 'commit a transaction' });
      }
    }
  }
}
