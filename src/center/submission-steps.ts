/**
 * What every workflow operation shares (submissions.ts, submission-review.ts):
 * reaching a submission within the actor's unit and clearance, applying a
 * step by compare-and-set, auditing it, and the package file. Internal to
 * center/: not exported from index.ts.
 */
import { readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  canSee,
  CLASSIFICATIONS,
  clearanceCovers,
  ForbiddenError,
  isClassification,
  requirePermission,
  type Action,
  type UserActor,
} from '../auth/index.js';
import type { Submission, SubmissionChanges } from '../db/index.js';
import { auditActor, recordAudit } from './audit-log.js';
import type { Center } from './center.js';
import type { DeclaredForm } from './check-deposit.js';
import { SUBMISSIONS_DIR } from './staging.js';
import {
  stepConflict,
  SUBMISSION_STEPS,
  submissionNotFound,
  type SubmissionStatus,
  type SubmissionStep,
} from './submission-states.js';

/** A stored classification as the permission check reads it: anything unknown as the highest (fail closed). */
function classificationOf(s: Submission) {
  return isClassification(s.classification) ? s.classification : 'top-secret';
}

/** The submission if the actor's role allows `action` and it is in reach (own unit, within clearance). */
export async function reachSubmission(
  center: Center,
  actor: UserActor,
  action: Action,
  id: number,
): Promise<Submission> {
  requirePermission(actor, action);
  const s = Number.isSafeInteger(id) && id > 0 ? await center.db.submissions.getById(id) : undefined;
  if (s === undefined) throw submissionNotFound(id);
  if (actor.unitId !== null && actor.unitId !== s.unitId) throw submissionNotFound(id);
  if (!canSee(actor, classificationOf(s))) throw submissionNotFound(id);
  return s;
}

/** The unit's own steps are the unit's: the center's staff do not deposit for a unit here. */
export function requireUnitUser(actor: UserActor, action: Action): void {
  requirePermission(actor, action);
  if (actor.unitId === null) {
    throw new ForbiddenError(
      {
        zh: '中心人员不代单位办理报送：请由单位的报送员创建、上传和提交',
        en: "center staff do not submit for a unit: the unit's depositor creates, uploads and submits",
      },
      { details: { action } },
    );
  }
}

/**
 * Apply `step` to `s` by compare-and-set: ConflictError if `s` is not in a
 * state the step starts from, or if someone else changed it first.
 */
export async function applyStep(
  center: Center,
  actor: UserActor,
  s: Submission,
  step: SubmissionStep,
  to: SubmissionStatus,
  options: { note?: string; changes?: SubmissionChanges; expectPackagePath?: string | null } = {},
): Promise<Submission> {
  const from: readonly string[] = SUBMISSION_STEPS[step].from;
  if (!from.includes(s.status)) throw stepConflict(actor, s, step);
  const next = await center.db.submissions.transition(s.id, {
    from,
    to,
    actor: actor.username,
    actorId: actor.userId,
    ...options,
  });
  if (next !== undefined) return next;
  const now = await center.db.submissions.getById(s.id);
  if (now === undefined) throw submissionNotFound(s.id);
  throw stepConflict(actor, now, step, true);
}

/** Audit a workflow step (the security audit log, 三员 review). */
export function auditStep(
  center: Center,
  actor: UserActor,
  action: string,
  s: Submission,
  detail: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  return recordAudit(center, {
    ...auditActor(actor),
    action,
    target: `submission:${s.id}`,
    outcome: 'success',
    detail: { unitId: s.unitId, status: s.status, ...detail },
  });
}

/** The package's absolute path. */
export function packageFile(center: Center, s: Submission): string {
  if (s.packagePath === null) throw new Error(`internal: submission ${s.id} (${s.status}) has no package`);
  return resolve(center.config.stagingDir, s.packagePath);
}

/** The registration form fields the checks compare against (checks/ DeclaredForm). */
export function declaredFormOf(s: Submission): DeclaredForm {
  const d = s.declared;
  return {
    ...(typeof d.packageDigest === 'string' ? { packageDigest: d.packageDigest } : {}),
    ...(typeof d.itemCount === 'number' ? { itemCount: d.itemCount } : {}),
    ...(typeof d.fileCount === 'number' ? { fileCount: d.fileCount } : {}),
    ...(typeof d.byteCount === 'number' ? { byteCount: d.byteCount } : {}),
  };
}

/**
 * Remove the submission's package files: all of them once it is closed
 * (registered, withdrawn: no upload can race then), else only `only`.
 * A failure is logged, not thrown: the step it follows has happened.
 */
export async function removePackages(center: Center, id: number, only?: string): Promise<void> {
  const dir = resolve(center.config.stagingDir, SUBMISSIONS_DIR);
  try {
    const names =
      only !== undefined
        ? [relative(dir, resolve(center.config.stagingDir, only))]
        : (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`${id}-`));
    for (const name of names) {
      if (name.startsWith('..') || isAbsolute(name)) continue; // never outside the submissions folder
      await rm(join(dir, name), { force: true });
    }
  } catch (e) {
    center.logger.warn({ err: e, submission: id }, 'could not remove a submission package');
  }
}

/** The classifications `actor` may see, for narrowing listings. */
export function visibleClassifications(actor: UserActor): string[] {
  return CLASSIFICATIONS.filter((c) => clearanceCovers(actor.clearance, c));
}
