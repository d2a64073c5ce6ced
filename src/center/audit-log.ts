import { anchorAuditLog, appendAudit, verifyAuditLog, type AuditVerifyReport } from '../auth/index.js';
import type { AuditEntry, NewAuditEntry } from '../db/index.js';
import type { Center } from './center.js';

/**
 * Record a completed operation in the security audit log. Called after the
 * operation succeeded, so a failure here must not turn it into a reported
 * failure (the client would do it again): it is logged as an error instead.
 */
export async function recordAudit(center: Center, entry: NewAuditEntry): Promise<void> {
  try {
    await appendAudit(center.db, entry);
  } catch (e) {
    center.logger.error({ err: e, audit: entry }, 'could not append to the security audit log');
  }
}

/**
 * Who to record for a request's `agent`: until authentication (issue 5 auth
 * work) gives requests a verified user and role, the agent is a name the
 * caller chose (role 'agent'); no agent means the center itself ('system').
 */
export function auditActor(agent: string | undefined): { actor: string; role: string } {
  return agent === undefined ? { actor: 'system', role: 'system' } : { actor: agent, role: 'agent' };
}

/** Anchor the audit log's head in the center's transparency log (undefined when there was nothing new). */
export function anchorAuditLogNow(center: Center): Promise<AuditEntry | undefined> {
  return anchorAuditLog(center.db, (chain) => center.evidence.anchor(center.db, chain));
}

/** Verify the center's security audit log (auth/audit-log.ts verifyAuditLog). */
export function verifyCenterAuditLog(center: Center): Promise<AuditVerifyReport> {
  return verifyAuditLog(center.db);
}
