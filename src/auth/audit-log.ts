/**
 * The security audit log (issue 5 item 5; 等保 2.0 level 3 asks for an
 * auditor-readable, tamper-evident record of security-relevant actions).
 *
 * Each entry carries the hash of the previous one (db auditEntryHash gives
 * the rule), so editing, deleting or reordering rows breaks the chain where
 * it happened. Someone able to write the database could still rewrite the
 * whole chain and recompute every hash; anchoring defeats that: the chain
 * head is written into the center's transparency log (a Merkle log with
 * signed checkpoints), and the anchor is itself recorded in the chain, so
 * verification checks every anchored head against both.
 */
import type { Message } from '../core/index.js';
import {
  AUDIT_GENESIS,
  auditEntryHash,
  type AuditEntry,
  type AuditHead,
  type Database,
  type NewAuditEntry,
} from '../db/index.js';

/** The `kind` of the audit log's anchors in the transparency log. */
export const AUDIT_ANCHOR_KIND = 'security-audit-log';
/** The action of the entry that records an anchor. */
export const AUDIT_ANCHOR_ACTION = 'anchor';

/** Actions the center records (others may be added; the log stores any text). */
export type AuditAction =
  | 'login'
  | 'login-failed'
  | 'logout'
  | 'user-create'
  | 'user-disable'
  | 'user-enable'
  | 'role-grant'
  | 'role-revoke'
  | 'password-change'
  | 'unit-register'
  | 'token-create'
  | 'token-revoke'
  | 'config-change'
  | 'deposit'
  | 'review'
  | 'restore'
  | 'export'
  | 'certificate'
  | 'check-accept'
  | 'access-request'
  | 'access-decision'
  | 'access-use'
  | 'access-download'
  | 'certified-copy'
  | typeof AUDIT_ANCHOR_ACTION;

/** Append one entry (in the caller's transaction when `db` is one; otherwise in its own). */
export function appendAudit(db: Pick<Database, 'auditLog'>, entry: NewAuditEntry): Promise<AuditEntry> {
  return db.auditLog.append(entry);
}

/** An account's roles as the audit log's `role` column shows them. */
export function roleLabel(actor: { readonly roles: readonly string[] }): string {
  return actor.roles.join('+') || 'none';
}

/**
 * Record a successful security-relevant change made by `actor`, in the same
 * transaction as the change: the change and its record commit together or
 * not at all.
 */
export function auditChange(
  tx: Pick<Database, 'auditLog'>,
  actor: { readonly username: string; readonly roles: readonly string[] },
  action: string,
  target: string,
  detail: Readonly<Record<string, unknown>> = {},
): Promise<AuditEntry> {
  return appendAudit(tx, {
    actor: actor.username,
    role: roleLabel(actor),
    action,
    target,
    outcome: 'success',
    detail,
  });
}

export type AuditProblem =
  /** The row's hash is not the hash of its content: the row was edited (or moved). */
  | 'altered'
  /** The row's prev_hash is not the previous row's hash: a row before it was replaced, or rows were reordered. */
  | 'broken-link'
  /** Rows with these seqs are gone. */
  | 'missing'
  /** The head (length, last hash) does not match the last row. */
  | 'head-mismatch'
  /** An anchor does not match the chain, or the transparency log does not hold what the anchor says. */
  | 'anchor-mismatch';

export interface AuditFinding {
  /** The row where the chain breaks (for `missing`, the first missing seq). */
  readonly seq: number;
  readonly problem: AuditProblem;
  /** For `missing`: the last missing seq. */
  readonly toSeq?: number;
  readonly message: Message;
}

export interface AuditVerifyReport {
  readonly ok: boolean;
  /** Rows read. */
  readonly entries: number;
  readonly head: AuditHead;
  /** Anchors checked; the chain up to the longest one that matched cannot have been rewritten unnoticed. */
  readonly anchors: number;
  readonly anchoredLength: number;
  readonly findings: readonly AuditFinding[];
}

interface AnchorDetail {
  readonly leafIndex: number;
  readonly length: number;
  readonly head: string;
}

const BATCH = 1000;

/**
 * Check the whole chain: every row's hash, every link, no gap up to the head,
 * and every anchor against the chain and the transparency log. Reads rows as
 * stored (untrusted: a database writer may have changed anything). Returns
 * every finding rather than stopping at the first.
 */
export async function verifyAuditLog(db: Pick<Database, 'auditLog' | 'ledger'>): Promise<AuditVerifyReport> {
  const findings: AuditFinding[] = [];
  const head = await db.auditLog.head();
  const anchors: { seq: number; detail: AnchorDetail | undefined }[] = [];
  let expected = 1;
  let prevHash = AUDIT_GENESIS;
  let entries = 0;
  const missing = (from: number, to: number): void => {
    findings.push({
      seq: from,
      toSeq: to,
      problem: 'missing',
      message:
        from === to
          ? { zh: `审计日志第 ${from} 条已被删除`, en: `audit entry ${from} is missing` }
          : { zh: `审计日志第 ${from}–${to} 条已被删除`, en: `audit entries ${from}–${to} are missing` },
    });
  };
  for (;;) {
    const batch = await db.auditLog.list({ from: expected, limit: BATCH });
    for (const e of batch) {
      entries++;
      const gap = e.seq > expected;
      if (gap) missing(expected, e.seq - 1);
      if (auditEntryHash(e) !== e.hash) {
        findings.push({
          seq: e.seq,
          problem: 'altered',
          message: {
            zh: `审计日志第 ${e.seq} 条的内容与其哈希不符：已被改动`,
            en: `audit entry ${e.seq} does not match its hash: it was altered`,
          },
        });
      }
      // After a gap the link is broken by the deletion already reported.
      if (!gap && e.prevHash !== prevHash) {
        findings.push({
          seq: e.seq,
          problem: 'broken-link',
          message: {
            zh: `审计日志第 ${e.seq} 条与前一条链接不上：前面的条目被替换或顺序被调换`,
            en: `audit entry ${e.seq} does not link to the entry before it: an earlier entry was replaced or entries were reordered`,
          },
        });
      }
      if (e.action === AUDIT_ANCHOR_ACTION) anchors.push({ seq: e.seq, detail: anchorDetail(e) });
      prevHash = e.hash;
      expected = e.seq + 1;
    }
    if (batch.length < BATCH) break;
  }
  if (expected <= head.length) missing(expected, head.length);
  if (expected - 1 > head.length || (expected - 1 === head.length && prevHash !== head.hash)) {
    findings.push({
      seq: head.length,
      problem: 'head-mismatch',
      message: {
        zh: `审计日志链头（${head.length} 条）与最后一条记录不符`,
        en: `the audit log head (length ${head.length}) does not match the last entry`,
      },
    });
  }
  let anchoredLength = 0;
  for (const a of anchors) {
    const problem = await checkAnchor(db, a.detail);
    if (problem === undefined) {
      anchoredLength = Math.max(anchoredLength, a.detail!.length);
      continue;
    }
    findings.push({
      seq: a.seq,
      problem: 'anchor-mismatch',
      message: {
        zh: `审计日志第 ${a.seq} 条记录的锚定不成立：${problem.zh}`,
        en: `the anchor recorded in audit entry ${a.seq} does not hold: ${problem.en}`,
      },
    });
  }
  findings.sort((x, y) => x.seq - y.seq);
  return { ok: findings.length === 0, entries, head, anchors: anchors.length, anchoredLength, findings };
}

function anchorDetail(e: AuditEntry): AnchorDetail | undefined {
  try {
    const d = JSON.parse(e.detailText) as Partial<AnchorDetail>;
    if (Number.isInteger(d.leafIndex) && Number.isInteger(d.length) && typeof d.head === 'string') {
      return d as AnchorDetail;
    }
  } catch {
    // reported below as an unreadable anchor
  }
  return undefined;
}

/** Why an anchor does not hold, or undefined when the chain and the transparency log both agree with it. */
async function checkAnchor(
  db: Pick<Database, 'auditLog' | 'ledger'>,
  anchor: AnchorDetail | undefined,
): Promise<Message | undefined> {
  if (anchor === undefined) return { zh: '锚定信息无法读取', en: 'the anchor detail is unreadable' };
  const [at] = anchor.length === 0 ? [] : await db.auditLog.list({ from: anchor.length, to: anchor.length });
  const chainHead = at?.seq === anchor.length ? at.hash : anchor.length === 0 ? AUDIT_GENESIS : undefined;
  if (chainHead !== anchor.head) {
    return {
      zh: `锚定时第 ${anchor.length} 条的哈希是 ${anchor.head.slice(0, 16)}…，现在的链与之不符（链被重写）`,
      en: `entry ${anchor.length} hashed to ${anchor.head.slice(0, 16)}… when anchored; the chain now differs (it was rewritten)`,
    };
  }
  // The anchor entry itself is untrusted: the transparency log must hold the same head.
  const leaf = await db.ledger.getLeaf(anchor.leafIndex);
  let logged: { kind?: unknown; head?: unknown; length?: unknown } | undefined;
  try {
    logged = leaf && (JSON.parse(Buffer.from(leaf.data).toString('utf8')) as typeof logged);
  } catch {
    logged = undefined;
  }
  if (logged?.kind !== AUDIT_ANCHOR_KIND || logged.head !== anchor.head || logged.length !== anchor.length) {
    return {
      zh: `透明日志第 ${anchor.leafIndex} 条不是这一锚定`,
      en: `transparency log leaf ${anchor.leafIndex} is not this anchor`,
    };
  }
  return undefined;
}

/** Writes a chain head into the transparency log (center: Evidencer.anchor bound to the database). */
export type AnchorWriter = (chain: { kind: string; head: string; length: number }) => Promise<{ leafIndex: number }>;

/**
 * Anchor the current head in the transparency log and record the anchor as
 * an 'anchor' entry. Nothing is done (undefined) when the chain is empty or
 * nothing but the previous anchor was appended since, so a periodic schedule
 * adds no leaves to an idle center's log.
 */
export async function anchorAuditLog(
  db: Pick<Database, 'auditLog'>,
  write: AnchorWriter,
): Promise<AuditEntry | undefined> {
  const head = await db.auditLog.head();
  if (head.length === 0) return undefined;
  const [last] = await db.auditLog.list({ from: head.length, to: head.length });
  if (last?.action === AUDIT_ANCHOR_ACTION) return undefined;
  const { leafIndex } = await write({ kind: AUDIT_ANCHOR_KIND, head: head.hash, length: head.length });
  return appendAudit(db, {
    actor: 'system',
    role: 'system',
    action: AUDIT_ANCHOR_ACTION,
    target: 'transparency-log',
    outcome: 'success',
    detail: { leafIndex, length: head.length, head: head.hash },
  });
}
