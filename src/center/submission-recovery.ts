import { ConflictError } from '../core/index.js';
import { holdLease, type ObjectLease } from './object-lease.js';
import { isDeadOwner } from './instance.js';
import type { Submission } from '../db/index.js';
import type { Center } from './center.js';
import { removePackages } from './submission-steps.js';

/**
 * An approval registers the package while its submission is 'approved'. If
 * the approving process dies on the way, the submission would stay there:
 * the approval holds a lease, and once it has run out, recovery looks for the
 * registration the approval made (its version message names the submission)
 * and finishes the approval — or, if there is none, puts the submission back
 * under review for the operator to approve again. Never both: the deposit's
 * own recovery (pending commits) must have settled first.
 */
export const approvalLeaseName = (id: number): string => `submission:${id}`;

/** The version message of a registration made by approving submission `id`: how recovery finds it. */
export function approvalMessage(id: number): string {
  return `提交 ${id} 审核通过登记 registered from submission ${id}`;
}

export async function acquireApprovalLease(center: Center, id: number): Promise<ObjectLease> {
  const lease = await center.db.leases.acquire(approvalLeaseName(id), center.instanceId, center.leaseMs, isDeadOwner);
  if (lease === undefined) {
    // Another operator is approving it right now: the same answer as losing the state change itself.
    throw new ConflictError(
      {
        zh: `提交 ${id} 正由他人批准登记，未能批准登记；请稍后刷新查看结果`,
        en: `submission ${id} is being approved by someone else; it was not approved again — look again shortly`,
      },
      { details: { submission: id } },
    );
  }
  return holdLease(center, lease, approvalLeaseName(id));
}

/**
 * The registration an interrupted approval made: one whose version carries
 * the approval's message, of the submission's unit and title, made after the
 * approval began. (The message alone is text a depositor could also write.)
 */
async function approvalRegistration(center: Center, s: Submission): Promise<string | undefined> {
  const regno = await center.db.registrations.findByVersionMessage(approvalMessage(s.id));
  const reg = regno === undefined ? undefined : await center.db.registrations.getByRegno(regno);
  if (reg === undefined || reg.unitId !== s.unitId || reg.title !== s.title || reg.createdAt < s.updatedAt) {
    return undefined;
  }
  return reg.regno;
}

export interface ApprovalRecovery {
  /** Approvals whose registration had been made: now 'registered'. */
  readonly completed: readonly number[];
  /** Approvals that had registered nothing: back 'under-review'. */
  readonly reopened: readonly number[];
}

/** Settle approvals whose process died (run by the recovery sweep of `yinji serve`). */
export async function recoverInterruptedApprovals(center: Center): Promise<ApprovalRecovery> {
  const completed: number[] = [];
  const reopened: number[] = [];
  // An interrupted deposit may still complete the registration: wait until none is pending.
  if ((await center.db.pending.list()).length > 0) return { completed, reopened };
  const stuck = await center.db.submissions.list({ statuses: ['approved'], limit: 1000 });
  for (const s of stuck.items) {
    const lease = await center.db.leases.acquire(
      approvalLeaseName(s.id),
      center.instanceId,
      center.leaseMs,
      isDeadOwner,
    );
    if (lease === undefined) continue; // a live approval
    try {
      const regno = await approvalRegistration(center, s);
      const next = await center.db.submissions.transition(s.id, {
        from: ['approved'],
        to: regno === undefined ? 'under-review' : 'registered',
        actor: 'system',
        actorId: null,
        note:
          regno === undefined
            ? '登记中断，退回审核中，请重新审核通过 / registration interrupted: back under review, approve again'
            : `登记中断后已补全 / completed after an interruption: ${regno}`,
        changes: regno === undefined ? {} : { regno, packagePath: null },
      });
      if (next === undefined) continue;
      if (regno === undefined) reopened.push(s.id);
      else {
        await removePackages(center, s.id);
        completed.push(s.id);
      }
    } finally {
      await center.db.leases.release(lease);
    }
  }
  if (completed.length + reopened.length > 0) {
    center.logger.warn({ completed, reopened }, 'settled approvals interrupted by a dead process');
  }
  return { completed, reopened };
}
