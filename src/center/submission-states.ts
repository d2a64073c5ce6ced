/**
 * The states of a submission and the steps between them (DOMAIN.md §3,
 * issue 5 item 3), with the bilingual names and "what to do next" texts the
 * errors carry.
 *
 *   draft → uploaded → self-checked → submitted → under-review → (approved) → registered
 *                                                      └──────→ returned → uploaded → …
 *   withdrawn: by the unit, from any state before under-review
 */
import type { UserActor } from '../auth/index.js';
import { ConflictError, NotFoundError, type Message } from '../core/index.js';
import type { Submission } from '../db/index.js';

export const SUBMISSION_STATUSES = [
  'draft',
  'uploaded',
  'self-checked',
  'submitted',
  'under-review',
  // Internal: the registration is being made (submission-review.ts approveSubmission).
  'approved',
  'registered',
  'returned',
  'withdrawn',
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export const SUBMISSION_STATUS_NAMES: Readonly<Record<SubmissionStatus, Message>> = {
  draft: { zh: '草稿', en: 'draft' },
  uploaded: { zh: '已上传', en: 'uploaded' },
  'self-checked': { zh: '已自检', en: 'self-checked' },
  submitted: { zh: '已提交', en: 'submitted' },
  'under-review': { zh: '审核中', en: 'under review' },
  approved: { zh: '已批准，正在登记', en: 'approved and being registered' },
  registered: { zh: '已登记', en: 'registered' },
  returned: { zh: '已退回', en: 'returned' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
};

export const CARRIER_TYPES = ['online', 'optical-disc', 'tape', 'portable-disk'] as const;
export type CarrierType = (typeof CARRIER_TYPES)[number];

/** How the package reaches the center (载体), with the carriers' serial numbers. */
export interface SubmissionCarrier {
  readonly type: CarrierType;
  readonly serials?: readonly string[];
}

/** The user-facing steps, each with the states it may start from. */
export const SUBMISSION_STEPS = {
  upload: {
    from: ['draft', 'uploaded', 'self-checked', 'returned'],
    verb: { zh: '上传登记包', en: 'upload a package' },
  },
  'self-check': { from: ['uploaded', 'self-checked'], verb: { zh: '自检', en: 'self-check it' } },
  submit: { from: ['self-checked'], verb: { zh: '提交', en: 'submit it' } },
  'start-review': { from: ['submitted'], verb: { zh: '开始审核', en: 'start reviewing it' } },
  approve: { from: ['under-review'], verb: { zh: '批准登记', en: 'approve it' } },
  return: { from: ['under-review'], verb: { zh: '退回', en: 'return it' } },
  withdraw: {
    from: ['draft', 'uploaded', 'self-checked', 'submitted', 'returned'],
    verb: { zh: '撤回', en: 'withdraw it' },
  },
} as const satisfies Record<string, { from: readonly SubmissionStatus[]; verb: Message }>;
export type SubmissionStep = keyof typeof SUBMISSION_STEPS;

/** What a unit's user can do next, by state. */
const UNIT_HINTS: Readonly<Record<SubmissionStatus, Message>> = {
  draft: { zh: '请先上传登记包', en: 'upload the package first' },
  uploaded: {
    zh: '请先自检；自检未通过的，请修正后重新上传登记包',
    en: 'run the self-check first; if it failed, upload a corrected package',
  },
  'self-checked': { zh: '请提交中心审核，或重新上传登记包', en: 'submit it for review, or upload a new package' },
  submitted: { zh: '已提交，请等待中心审核', en: 'it is submitted: wait for the center to review it' },
  'under-review': { zh: '中心正在审核，请等待审核结果', en: 'the center is reviewing it: wait for the decision' },
  approved: { zh: '正在登记，请稍后查看结果', en: 'it is being registered: check again shortly' },
  registered: { zh: '已完成登记，无需再办理', en: 'it is registered: nothing more to do' },
  returned: {
    zh: '请重新上传登记包后再自检',
    en: 'upload a corrected package, then run the self-check again',
  },
  withdrawn: { zh: '已撤回的提交不能再办理，请新建提交', en: 'a withdrawn submission is closed: create a new one' },
};

/** What the center's staff can do next, by state. */
const CENTER_HINTS: Readonly<Record<SubmissionStatus, Message>> = {
  draft: { zh: '单位尚未提交，无需审核', en: 'the unit has not submitted it: nothing to review' },
  uploaded: { zh: '单位尚未提交，无需审核', en: 'the unit has not submitted it: nothing to review' },
  'self-checked': { zh: '单位尚未提交，无需审核', en: 'the unit has not submitted it: nothing to review' },
  submitted: { zh: '请先开始审核', en: 'start the review first' },
  'under-review': { zh: '正在审核，请批准或退回', en: 'it is under review: approve or return it' },
  approved: { zh: '正在登记，请稍后查看结果', en: 'it is being registered: check again shortly' },
  registered: { zh: '已完成登记，无需再办理', en: 'it is registered: nothing more to do' },
  returned: {
    zh: '已退回，等待单位重新上传登记包',
    en: 'it was returned: the unit is to upload a corrected package',
  },
  withdrawn: { zh: '单位已撤回，无需再办理', en: 'the unit withdrew it: nothing more to do' },
};

/**
 * The one answer for a submission the actor may not reach — another unit's,
 * one above their clearance — and for one that does not exist, so that the
 * answer reveals nothing (auth/permissions.ts, scope "unit").
 */
export function submissionNotFound(id: number): NotFoundError {
  return new NotFoundError(
    { zh: `提交 ${id} 不存在`, en: `submission ${id} does not exist` },
    { details: { submission: id } },
  );
}

function statusName(status: string): Message {
  return (SUBMISSION_STATUS_NAMES as Record<string, Message | undefined>)[status] ?? { zh: status, en: status };
}

function hint(actor: UserActor, status: string): Message {
  const hints = actor.unitId === null ? CENTER_HINTS : UNIT_HINTS;
  return (hints as Record<string, Message | undefined>)[status] ?? { zh: '', en: '' };
}

/** ConflictError: the step does not apply to the submission's state (`raced`: it changed meanwhile). */
export function stepConflict(actor: UserActor, s: Submission, step: SubmissionStep, raced = false): ConflictError {
  const name = statusName(s.status);
  const next = hint(actor, s.status);
  const verb = SUBMISSION_STEPS[step].verb;
  return new ConflictError(
    raced
      ? {
          zh: `提交 ${s.id} 刚被他人处理，当前状态为“${name.zh}”，未能${verb.zh}；${next.zh}`,
          en: `submission ${s.id} was just changed by someone else and is now ${name.en}, so could not ${verb.en}: ${next.en}`,
        }
      : {
          zh: `提交 ${s.id} 当前状态为“${name.zh}”，不能${verb.zh}；${next.zh}`,
          en: `submission ${s.id} is ${name.en}: cannot ${verb.en}; ${next.en}`,
        },
    { details: { submission: s.id, status: s.status, step } },
  );
}
