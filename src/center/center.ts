import { mkdir, readFile } from 'node:fs/promises';
import { silentLogger, systemClock, type Clock, type Logger } from '../core/index.js';
import { openDatabase, type Database } from '../db/index.js';
import { OcflStore, type Storage } from '../store/index.js';
import { configExists, loadConfig, saveConfig, type CenterConfig } from './config.js';
import type { CheckProfile } from '../checks/index.js';
import { profileFromConfig } from './check-deposit.js';
import { Evidencer } from './evidence.js';
import { newInstanceId } from './instance.js';
import { checkKeysAgree, loadOrCreateKeys } from './keys.js';
import { openStorage } from './open-storage.js';
import { reindexIfNeeded } from './catalog.js';
import { recoverPendingCommits, type RecoveryResult } from './recovery.js';
import { cleanStaging } from './staging.js';

export interface CenterOptions {
  /** The data directory (`--data`, `YINJI_DATA`). Default `./yinji-data`. */
  readonly dataDir: string;
  /** Overrides of `<data>/config.json` (e.g. `--database` from the command line). */
  readonly config?: Partial<CenterConfig>;
  /** Storage under the OCFL root; default from config.storageRoot (a directory or s3://…). Tests pass failing decorators. */
  readonly storage?: Storage;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * One registration and backup center: its database, its OCFL preservation
 * store and its staging area. Open it, use the operations in this folder,
 * close it. Opening runs crash recovery, the way a database replays its
 * journal, so a crash at any moment is repaired before anyone reads.
 */
export class Center {
  /** What the recovery run by open() did. */
  recovered: RecoveryResult = { completed: [], discarded: [], skipped: [] };
  /** This process's name in leases and job claims (`host:pid:random`). */
  readonly instanceId = newInstanceId();

  private constructor(
    readonly config: CenterConfig,
    readonly dataDir: string,
    readonly db: Database,
    readonly storage: Storage,
    readonly store: OcflStore,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly evidence: Evidencer,
    /** The four-properties check profile (config `checkProfile` over the default), checked at open. */
    readonly checkProfile: CheckProfile,
  ) {}

  static async open(options: CenterOptions): Promise<Center> {
    const config = loadConfig(options.dataDir, options.config);
    await mkdir(options.dataDir, { recursive: true });
    // An empty data directory is a working embedded center: record its defaults on first use.
    if (!configExists(options.dataDir)) await saveConfig(options.dataDir, config);
    await mkdir(config.stagingDir, { recursive: true });
    const logger = options.logger ?? silentLogger;
    const clock = options.clock ?? systemClock;
    const db = await openDatabase({ url: config.database });
    try {
      await db.migrate();
      await reindexIfNeeded(db, logger);
      const storage = options.storage ?? (await openStorage(config));
      await storage.init();
      const store = await OcflStore.open(storage);
      const tsaName = `${config.centerName} TSA`.slice(0, 64);
      const keys = await loadOrCreateKeys(config.keysDir, config.logOrigin, tsaName, clock);
      await checkKeysAgree(db, keys, config.keysDir);
      const externalTsa =
        config.tsaUrl !== null && config.tsaCaFile !== null
          ? { url: config.tsaUrl, caPem: await readFile(config.tsaCaFile, 'utf8') }
          : undefined;
      const evidence = new Evidencer(keys, config.logOrigin, config.logHash, clock, externalTsa, logger);
      const profile = profileFromConfig(config);
      const center = new Center(config, options.dataDir, db, storage, store, clock, logger, evidence, profile);
      center.recovered = await center.recoverInterrupted();
      await cleanStaging(config.stagingDir);
      return center;
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** Term of object leases and job claims. */
  get leaseMs(): number {
    return this.config.leaseSeconds * 1000;
  }

  /**
   * Settle deposits whose writer died (see recovery.ts). open() runs it; a
   * server runs it periodically, so an instance finishes what a dead one left.
   */
  recoverInterrupted(): Promise<RecoveryResult> {
    return recoverPendingCommits(this);
  }

  async close(): Promise<void> {
    await this.storage.close();
    await this.db.close();
  }
}
