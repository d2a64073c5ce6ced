/**
 * The center's side of the submission workflow (DOMAIN.md §3 step 5–6): the
 * review queue, starting a review, approving (which registers the package
 * through deposit()) or returning with reasons. See submissions.ts for the
 * states.
 */
import { requirePermission, type UserActor } from '../auth/index.js';
import type { CheckReport } from '../checks/index.js';
import { ChecksFailedError, InvalidInputError, isYinjiError } from '../core/index.js';
import type { Page, Submission, SubmissionTransition } from '../db/index.js';
import type { Center } from './center.js';
import { deposit } from './deposit.js';
import { acquireApprovalLease, approvalMessage } from './submission-recovery.js';
import {
  applyStep,
  auditStep,
  declaredFormOf,
  packageFile,
  reachSubmission,
  removePackages,
  visibleClassifications,
} from './submission-steps.js';

const MAX_REASONS = 50;
const MAX_REASON = 500;

/** Submitted and under-review submissions of every unit, oldest first. Permission 'review.queue'. */
export async function reviewQueue(
  center: Center,
  actor: UserActor,
  options: { limit?: number; offset?: number } = {},
): Promise<Page<Submission>> {
  requirePermission(actor, 'review.queue');
  return center.db.submissions.list({
    statuses: ['submitted', 'under-review'],
    classifications: visibleClassifications(actor),
    limit: options.limit,
    offset: options.offset,
  });
}

/** Take a submitted submission into review: → under-review, the actor its reviewer. Permission 'review.decide'. */
export async function startReview(center: Center, actor: UserActor, id: number): Promise<Submission> {
  const s = await reachSubmission(center, actor, 'review.decide', id);
  const next = await applyStep(center, actor, s, 'start-review', 'under-review', {
    changes: { reviewerId: actor.userId },
  });
  await auditStep(center, actor, 'review-start', next);
  return next;
}

/** A move out of the internal 'approved' state, which only the approving call makes. */
async function settle(
  center: Center,
  actor: UserActor,
  s: Submission,
  change: Omit<SubmissionTransition, 'from' | 'actor' | 'actorId'>,
): Promise<Submission> {
  const next = await center.db.submissions.transition(s.id, {
    from: ['approved'],
    actor: actor.username,
    actorId: actor.userId,
    ...change,
  });
  if (next === undefined) throw new Error(`internal: submission ${s.id} left the approved state while registering`);
  return next;
}

function checkReasons(report: CheckReport | undefined, failed: readonly string[]): string[] {
  return failed.map((id) => {
    const title = report?.items.find((i) => i.id === id)?.title;
    return title === undefined
      ? `四性检测 ${id} 未通过 / check ${id} failed`
      : `四性检测 ${id}“${title.zh}”未通过 / check ${id} "${title.en}" failed`;
  });
}

/**
 * Approve a submission under review and register it: under-review → approved
 * (compare-and-set: of two operators approving at once one wins, the other
 * gets a ConflictError) → deposit() → registered, with its registration
 * number, the package file removed. If the check at deposit blocks it, the
 * submission is returned with the failed items as reasons (and returned here,
 * status 'returned'); on any other failure it goes back under review and the
 * error is thrown. Permission 'review.decide'.
 */
export async function approveSubmission(center: Center, actor: UserActor, id: number): Promise<Submission> {
  const s = await reachSubmission(center, actor, 'review.decide', id);
  // Held while registering: if this process dies, the lease runs out and recovery settles the approval.
  const lease = await acquireApprovalLease(center, id);
  try {
    return await registerApproved(center, actor, s, lease.signal);
  } finally {
    await lease.release().catch((e: unknown) => center.logger.warn({ err: e, submission: id }, 'lease release failed'));
  }
}

async function registerApproved(
  center: Center,
  actor: UserActor,
  s: Submission,
  signal: AbortSignal,
): Promise<Submission> {
  const id = s.id;
  const approved = await applyStep(center, actor, s, 'approve', 'approved');
  let regno: string;
  try {
    const unit = await center.db.units.getById(approved.unitId);
    if (unit === undefined) throw new Error(`internal: the unit of submission ${id} does not exist`);
    ({ regno } = await deposit(center, {
      source: packageFile(center, approved),
      unit: unit.code,
      unitName: unit.name,
      title: approved.title,
      declared: declaredFormOf(approved),
      classification: approved.classification,
      agent: actor,
      message: approvalMessage(id),
      signal,
    }));
  } catch (e) {
    if (e instanceof ChecksFailedError) {
      const report = e.details.report as CheckReport | undefined;
      const failed = Array.isArray(e.details.failed) ? e.details.failed.map(String) : [];
      const reasons = checkReasons(report, failed);
      const returned = await settle(center, actor, approved, {
        to: 'returned',
        note: reasons.join('；'),
        changes: {
          reasons,
          ...(report !== undefined ? { checkReport: report as unknown as Record<string, unknown> } : {}),
        },
      });
      await auditStep(center, actor, 'review-return', returned, { reasons, byCheck: true });
      return returned;
    }
    await settle(center, actor, approved, {
      to: 'under-review',
      note: `登记失败 registration failed: ${isYinjiError(e) ? e.code : 'E_INTERNAL'}`,
    }).catch((err: unknown) =>
      center.logger.error({ err, submission: id }, 'could not put a submission back under review'),
    );
    throw e;
  }
  const registered = await settle(center, actor, approved, {
    to: 'registered',
    note: regno,
    changes: { regno, packagePath: null },
  });
  await removePackages(center, id);
  await auditStep(center, actor, 'review-approve', registered, { regno });
  return registered;
}

/** Return a submission under review to its unit with reasons: → returned. Permission 'review.decide'. */
export async function returnSubmission(
  center: Center,
  actor: UserActor,
  id: number,
  reasons: readonly string[],
): Promise<Submission> {
  const s = await reachSubmission(center, actor, 'review.decide', id);
  const given = Array.isArray(reasons) ? reasons.map((r) => (typeof r === 'string' ? r.trim() : '')) : [];
  if (given.length === 0 || given.length > MAX_REASONS || given.some((r) => r.length === 0 || r.length > MAX_REASON)) {
    throw new InvalidInputError(
      {
        zh: `请写明退回理由：1–${MAX_REASONS} 条，每条 1–${MAX_REASON} 个字符`,
        en: `give the reasons for returning it: 1–${MAX_REASONS} reasons of 1–${MAX_REASON} characters each`,
      },
      { details: { field: 'reasons' } },
    );
  }
  const next = await applyStep(center, actor, s, 'return', 'returned', {
    changes: { reasons: given },
    note: given.join('；'),
  });
  await auditStep(center, actor, 'review-return', next, { reasons: given });
  return next;
}
