import { InvalidInputError, NotFoundError } from '../core/index.js';
import type { CheckReport } from '../checks/index.js';
import type { EventRecord, StoredCheckReport } from '../db/index.js';
import type { Center } from './center.js';
import { auditActor, recordAudit } from './audit-log.js';
import { getRegistration, resolveVersion } from './queries.js';

/** An operator's recorded decision to accept a warning (or a preservation-stage failure) despite the check. */
export interface CheckAcceptance {
  readonly version: number;
  readonly itemId: string;
  readonly reason: string;
  readonly agent: string;
  readonly at: string;
}

export interface RegistrationChecks {
  readonly regno: string;
  readonly version: number;
  /** Oldest first: the transfer check (YJ) at deposit, then any preservation re-checks (BC). */
  readonly reports: readonly StoredCheckReport[];
  readonly acceptances: readonly CheckAcceptance[];
}

export const CHECK_ACCEPTED_EVENT = 'check-accepted';

/** The check reports of a registration version (default: head) and the decisions recorded on them. */
export async function registrationChecks(center: Center, regno: string, version?: number): Promise<RegistrationChecks> {
  const reg = await getRegistration(center, regno);
  const v = resolveVersion(reg, version);
  const reports = await center.db.checkReports.list(regno, v);
  const events = await center.db.events.listForRegistration(regno);
  return { regno, version: v, reports, acceptances: acceptancesOf(events, v) };
}

function acceptancesOf(events: readonly EventRecord[], version: number): CheckAcceptance[] {
  return events
    .filter((e) => e.type === CHECK_ACCEPTED_EVENT && e.detail.version === version)
    .map((e) => ({
      version,
      itemId: String(e.detail.itemId),
      reason: String(e.detail.reason),
      agent: e.agent,
      at: e.at,
    }));
}

/**
 * An operator accepts a warned (or, after a re-check, failed) item with a
 * reason. The report itself never changes: the decision is an event on the
 * registration, with who and when, shown beside the report.
 */
export async function acceptCheckItem(
  center: Center,
  input: { regno: string; version?: number; itemId: string; reason: string; agent: string },
): Promise<CheckAcceptance> {
  const checks = await registrationChecks(center, input.regno, input.version);
  const reason = input.reason.trim();
  if (reason.length < 4) {
    throw new InvalidInputError({ zh: '请写明接受此项的理由', en: 'give a reason for accepting the item' });
  }
  const item = checks.reports
    .flatMap((r) => (r.report as unknown as CheckReport).items)
    .filter((i) => i.id === input.itemId)
    .at(-1);
  if (item === undefined) {
    throw new NotFoundError(
      { zh: `检测报告中没有检测项 ${input.itemId}`, en: `no check item ${input.itemId} in the reports` },
      { details: { regno: input.regno, itemId: input.itemId } },
    );
  }
  if (item.outcome !== 'warn' && item.outcome !== 'fail') {
    throw new InvalidInputError({
      zh: `检测项 ${input.itemId} 的结果是“${item.outcome}”，无需接受`,
      en: `check item ${input.itemId} is "${item.outcome}": there is nothing to accept`,
    });
  }
  const event = await center.db.events.append({
    regno: input.regno,
    type: CHECK_ACCEPTED_EVENT,
    agent: input.agent,
    outcome: 'success',
    detail: { version: checks.version, itemId: input.itemId, outcome: item.outcome, reason },
  });
  await recordAudit(center, {
    ...auditActor(input.agent),
    action: 'check-accept',
    target: input.regno,
    outcome: 'success',
    detail: { version: checks.version, itemId: input.itemId, outcome: item.outcome, reason },
  });
  return { version: checks.version, itemId: input.itemId, reason, agent: input.agent, at: event.at };
}
