import {
  anchorAuditLog,
  appendAudit,
  roleLabel,
  verifyAuditLog,
  type AuditVerifyReport,
  type UserActor,
} from '../auth/index.js';
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
 * Who asked for an operation: an account the HTTP API authenticated, or, for
 * the local CLI (whoever may open the database is the center's operator), a
 * name it gives; undefined is the center itself.
 */
export type Agent = UserActor | string | undefined;

/** How an agent appears in the audit log: a signed-in account with its roles, a local name (role 'local'), or 'system'. */
export function auditActor(agent: Agent): { actor: string; role: string } {
  if (agent === undefined) return { actor: 'system', role: 'system' };
  if (typeof agent === 'string') return { actor: agent, role: 'local' };
  return { actor: agent.username, role: roleLabel(agent) };
}

/** The agent's name for provenance (OCFL version user, PREMIS agent). */
export function agentName(agent: Agent, fallback: string): string {
  return agent === undefined ? fallback : typeof agent === 'string' ? agent : agent.username;
}

/** The signed-in account behind an agent, if any. */
export function agentAccount(agent: Agent): UserActor | undefined {
  return typeof agent === 'object' ? agent : undefined;
}

/** Anchor the audit log's head in the center's transparency log (undefined when there was nothing new). */
export function anchorAuditLogNow(center: Center): Promise<AuditEntry | undefined> {
  return anchorAuditLog(center.db, (chain) => center.evidence.anchor(center.db, chain));
}

/** Verify the center's security audit log (auth/audit-log.ts verifyAuditLog). */
export function verifyCenterAuditLog(center: Center): Promise<AuditVerifyReport> {
  return verifyAuditLog(center.db);
}
