import type { Command } from 'commander';
import type { GlobalOptions } from '../output.js';
import { registerAuditLog } from './audit-log.js';
import { registerCarrier } from './carrier.js';
import { registerCatalog } from './catalog.js';
import { registerAdmin } from './admin.js';
import { registerChecks } from './checks.js';
import { registerDeposit } from './deposit.js';
import { registerEvidence } from './evidence.js';
import { registerInitServe } from './init-serve.js';
import { registerInspect } from './inspect.js';
import { registerJobs } from './jobs.js';
import { registerLogin } from './login.js';
import { registerMigrate } from './migrate.js';
import { registerReplication } from './replication.js';
import { registerRestore } from './restore.js';
import { registerValidate } from './validate.js';

export function registerCommands(program: Command, global: () => GlobalOptions): void {
  registerInitServe(program, global);
  registerDeposit(program, global);
  registerInspect(program, global);
  registerRestore(program, global);
  registerValidate(program, global);
  registerEvidence(program, global);
  registerMigrate(program, global);
  registerCarrier(program, global);
  registerReplication(program, global);
  registerJobs(program, global);
  registerChecks(program, global);
  registerAdmin(program, global);
  registerAuditLog(program, global);
  registerLogin(program, global);
  registerCatalog(program, global);
}
