export { openDatabase } from './open-database.js';
export type { Database, MigrationOutcome } from './database.js';
export type { DatabaseOptions } from './options.js';
export type {
  Repositories,
  EventRepository,
  PendingCommitRepository,
  RegistrationRepository,
  SequenceRepository,
  UnitRepository,
} from './repositories/index.js';
export type * from './records.js';
