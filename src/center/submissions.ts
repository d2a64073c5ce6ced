/**
 * The submission workflow of DOMAIN.md §3 (issue 5 item 3), the unit's side:
 * a unit creates a submission, uploads its package, runs the self-check (自检)
 * and submits it; the center then reviews it (submission-review.ts).
 *
 * The states and steps are in submission-states.ts.
 *
 * Every change is a compare-and-set in the database (db/repositories/
 * submissions.ts), recorded with who and when; a change that lost a race gets
 * a ConflictError naming the state it is in now. Another unit's submission is
 * answered exactly as one that does not exist (DOMAIN.md §6).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { requirePermission, unitScope, type UserActor } from '../auth/index.js';
import type { CheckReport } from '../checks/index.js';
import { InvalidInputError } from '../core/index.js';
import type { Page, Submission, SubmissionEvent } from '../db/index.js';
import { isWellFormedDigest, parseDigestAlgorithm } from '../digest/index.js';
import type { Center } from './center.js';
import type { DeclaredForm } from './check-deposit.js';
import { admitClassification } from './classification.js';
import { selfCheck } from './deposit.js';
import { SUBMISSIONS_DIR } from './staging.js';
import {
  CARRIER_TYPES,
  stepConflict,
  SUBMISSION_STATUSES,
  SUBMISSION_STEPS,
  submissionNotFound,
  type SubmissionCarrier,
} from './submission-states.js';
import {
  applyStep,
  auditStep,
  declaredFormOf,
  packageFile,
  reachSubmission,
  removePackages,
  requireUnitUser,
  visibleClassifications,
} from './submission-steps.js';

export interface NewSubmissionInput {
  readonly title: string;
  /** 密级, default open; see admitClassification. */
  readonly classification?: string;
  /** The registration form: package digest with its algorithm, counts. */
  readonly declared?: DeclaredForm;
  readonly carrier?: SubmissionCarrier;
  /** Kept on the creating event. */
  readonly note?: string;
}

export interface SubmissionDetail {
  readonly submission: Submission;
  /** Every state change, oldest first, with who and when. */
  readonly events: readonly SubmissionEvent[];
}

const MAX_TITLE = 500;
const MAX_NOTE = 2000;
const MAX_SERIALS = 1000;

function invalid(zh: string, en: string, field: string): InvalidInputError {
  return new InvalidInputError({ zh, en }, { details: { field } });
}

function checkedDeclared(form: DeclaredForm | undefined): DeclaredForm {
  if (form === undefined) return {};
  if (typeof form !== 'object' || form === null || Array.isArray(form)) {
    throw invalid('登记表（declared）应为对象', 'the registration form (declared) must be an object', 'declared');
  }
  const known = ['packageDigest', 'itemCount', 'fileCount', 'byteCount'];
  for (const key of Object.keys(form)) {
    if (!known.includes(key)) {
      throw invalid(`登记表中没有字段“${key}”`, `unknown field "${key}" in the registration form`, `declared.${key}`);
    }
  }
  if (form.packageDigest !== undefined) {
    const m =
      typeof form.packageDigest === 'string' ? /^([A-Za-z0-9-]+):([0-9A-Fa-f]+)$/.exec(form.packageDigest) : null;
    const algorithm = m ? parseDigestAlgorithm(m[1]!) : undefined;
    if (algorithm === undefined || !isWellFormedDigest(algorithm, m![2]!.toLowerCase())) {
      throw invalid(
        `申报的登记包摘要 "${String(form.packageDigest)}" 无效：应为“算法:十六进制值”，如 sm3:66c7…`,
        `declared package digest "${String(form.packageDigest)}" is invalid: expected algorithm:hex, e.g. sm3:66c7…`,
        'declared.packageDigest',
      );
    }
  }
  for (const key of ['itemCount', 'fileCount', 'byteCount'] as const) {
    const v = form[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
      throw invalid(
        `登记表 ${key} 应为非负整数`,
        `${key} on the registration form must be a whole number ≥ 0`,
        `declared.${key}`,
      );
    }
  }
  return form;
}

function checkedCarrier(carrier: SubmissionCarrier | undefined): SubmissionCarrier | undefined {
  if (carrier === undefined) return undefined;
  if (!(CARRIER_TYPES as readonly string[]).includes(carrier?.type)) {
    throw invalid(
      `载体类型应为 ${CARRIER_TYPES.join('、')} 之一`,
      `the carrier type must be one of ${CARRIER_TYPES.join(', ')}`,
      'carrier.type',
    );
  }
  const serials: unknown = carrier.serials ?? [];
  if (
    !Array.isArray(serials) ||
    serials.length > MAX_SERIALS ||
    !serials.every((s): s is string => typeof s === 'string' && s.trim().length > 0 && s.length <= 100)
  ) {
    throw invalid(
      `载体编号应为至多 ${MAX_SERIALS} 个 1–100 字符的编号`,
      `carrier serials must be at most ${MAX_SERIALS} numbers of 1–100 characters`,
      'carrier.serials',
    );
  }
  return { type: carrier.type, ...(serials.length > 0 ? { serials: serials.map((s) => s.trim()) } : {}) };
}

/** A new submission (草稿) of the actor's own unit. Permission 'upload'; unit users only. */
export async function createSubmission(
  center: Center,
  actor: UserActor,
  input: NewSubmissionInput,
): Promise<Submission> {
  requireUnitUser(actor, 'upload');
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (title.length === 0 || title.length > MAX_TITLE) {
    throw invalid(`题名应为 1–${MAX_TITLE} 个字符`, `the title must be 1–${MAX_TITLE} characters`, 'title');
  }
  const note = input.note ?? '';
  if (typeof note !== 'string' || note.length > MAX_NOTE) {
    throw invalid(`备注至多 ${MAX_NOTE} 个字符`, `the note is at most ${MAX_NOTE} characters`, 'note');
  }
  const classification = admitClassification(center, input.classification, actor);
  const declared = checkedDeclared(input.declared);
  const carrier = checkedCarrier(input.carrier);
  return center.db.submissions.create({
    unitId: actor.unitId!,
    createdBy: actor.userId,
    title,
    classification,
    declared: { ...declared, ...(carrier !== undefined ? { carrier } : {}) },
    actor: actor.username,
    note,
  });
}

/**
 * Attach the uploaded package (already in the staging directory) to the
 * submission, replacing any earlier one: → uploaded. Permission 'upload'.
 */
export async function attachPackage(
  center: Center,
  actor: UserActor,
  id: number,
  sourceFile: string,
  bytes: number,
): Promise<Submission> {
  requireUnitUser(actor, 'upload');
  const s = await reachSubmission(center, actor, 'upload', id);
  if (!(SUBMISSION_STEPS.upload.from as readonly string[]).includes(s.status)) throw stepConflict(actor, s, 'upload');
  const staging = resolve(center.config.stagingDir);
  const source = resolve(sourceFile);
  const inStaging = relative(staging, source);
  if (inStaging === '' || inStaging.startsWith('..') || isAbsolute(inStaging)) {
    // The caller (the upload route) hands over what it received; anything else is a bug, not a user error.
    throw new Error(`internal: ${sourceFile} is not in the staging directory`);
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw invalid('登记包大小无效', 'invalid package size', 'bytes');
  }
  const info = await stat(source).catch(() => undefined);
  if (info === undefined || !info.isFile() || info.size !== bytes) {
    throw invalid(
      `上传的登记包不完整（应为 ${bytes} 字节），请重新上传`,
      `the uploaded package is incomplete (expected ${bytes} bytes): upload it again`,
      'bytes',
    );
  }
  const name = `${s.id}-${randomUUID()}.pkg`;
  const packagePath = `${SUBMISSIONS_DIR}/${name}`;
  await mkdir(join(staging, SUBMISSIONS_DIR), { recursive: true });
  await rename(source, join(staging, SUBMISSIONS_DIR, name));
  let next: Submission;
  try {
    next = await applyStep(center, actor, s, 'upload', 'uploaded', {
      changes: { packagePath, packageBytes: bytes, checkReport: null },
      note: `${bytes} bytes`,
    });
  } catch (e) {
    await removePackages(center, s.id, packagePath);
    throw e;
  }
  if (s.packagePath !== null) await removePackages(center, s.id, s.packagePath);
  return next;
}

/**
 * Run the four-properties check (自检) over the uploaded package exactly as a
 * deposit would, and keep the report: → self-checked if nothing blocks,
 * otherwise (back to) uploaded. Permission 'self-check'.
 */
export async function selfCheckSubmission(
  center: Center,
  actor: UserActor,
  id: number,
): Promise<{ submission: Submission; report: CheckReport }> {
  requireUnitUser(actor, 'self-check');
  const s = await reachSubmission(center, actor, 'self-check', id);
  if (!(SUBMISSION_STEPS['self-check'].from as readonly string[]).includes(s.status))
    throw stepConflict(actor, s, 'self-check');
  const unit = await center.db.units.getById(s.unitId);
  if (unit === undefined) throw submissionNotFound(id);
  let report: CheckReport;
  try {
    report = await selfCheck(center, { source: packageFile(center, s), unit: unit.code, declared: declaredFormOf(s) });
  } catch (e) {
    // A package replaced (and its file removed) while being checked: say so, not "file not found".
    const now = await center.db.submissions.getById(s.id);
    if (now !== undefined && now.packagePath !== s.packagePath) throw stepConflict(actor, now, 'self-check', true);
    throw e;
  }
  const submission = await applyStep(center, actor, s, 'self-check', report.blocked ? 'uploaded' : 'self-checked', {
    changes: { checkReport: report as unknown as Record<string, unknown> },
    // The report must be about the package that is current.
    expectPackagePath: s.packagePath,
    note: report.blocked ? '自检未通过 self-check failed' : '自检通过 self-check passed',
  });
  return { submission, report };
}

/** Submit a self-checked submission for review: → submitted. Permission 'submit'. */
export async function submitSubmission(center: Center, actor: UserActor, id: number): Promise<Submission> {
  requireUnitUser(actor, 'submit');
  const s = await reachSubmission(center, actor, 'submit', id);
  const next = await applyStep(center, actor, s, 'submit', 'submitted');
  await auditStep(center, actor, 'submit', next, { title: next.title, bytes: next.packageBytes });
  return next;
}

/** The unit withdraws a submission not yet under review: → withdrawn, its package deleted. Permission 'submit'. */
export async function withdrawSubmission(center: Center, actor: UserActor, id: number): Promise<Submission> {
  requireUnitUser(actor, 'submit');
  const s = await reachSubmission(center, actor, 'submit', id);
  const next = await applyStep(center, actor, s, 'withdraw', 'withdrawn', { changes: { packagePath: null } });
  await removePackages(center, s.id);
  await auditStep(center, actor, 'withdraw', next, { from: s.status });
  return next;
}

/** A submission with its history. Permission 'registration.status'. */
export async function getSubmission(center: Center, actor: UserActor, id: number): Promise<SubmissionDetail> {
  const submission = await reachSubmission(center, actor, 'registration.status', id);
  return { submission, events: await center.db.submissions.events(id) };
}

/** Submissions in reach (own unit, or every unit for the center's staff), oldest first. Permission 'registration.status'. */
export async function listSubmissions(
  center: Center,
  actor: UserActor,
  options: { status?: string; limit?: number; offset?: number } = {},
): Promise<Page<Submission>> {
  requirePermission(actor, 'registration.status');
  if (options.status !== undefined && !(SUBMISSION_STATUSES as readonly string[]).includes(options.status)) {
    throw invalid(
      `状态 “${options.status}” 无效，应为 ${SUBMISSION_STATUSES.join('、')} 之一`,
      `unknown status "${options.status}": use one of ${SUBMISSION_STATUSES.join(', ')}`,
      'status',
    );
  }
  const scope = unitScope(actor);
  return center.db.submissions.list({
    ...(scope === 'all' ? {} : { unitId: scope.unitId }),
    ...(options.status !== undefined ? { statuses: [options.status] } : {}),
    classifications: visibleClassifications(actor),
    limit: options.limit,
    offset: options.offset,
  });
}
