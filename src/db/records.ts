/**
 * The plain records repositories hand out. No Kysely or driver types here:
 * the rest of Yinji sees the same objects whichever dialect is underneath.
 * Timestamps are ISO-8601 UTC strings with milliseconds
 * (`2026-03-01T08:00:00.000Z`). Timestamps passed in may be any form
 * `Date` parses; they are stored in that canonical form.
 */

export type DialectName = 'sqlite' | 'postgres';

export interface Unit {
  readonly id: number;
  /** E.g. an 18-character unified social credit code (统一社会信用代码) or a short local code. */
  readonly code: string;
  readonly name: string;
  /** Kind of unit, e.g. '机关', '企业', '事业单位'; free text. */
  readonly type: string;
  readonly createdAt: string;
  /** The validated unified social credit code (auth/uscc.ts); null when not registered through auth. */
  readonly creditCode: string | null;
  /** auth/units.ts UnitType; '' until known. */
  readonly unitType: string;
  /** Priority domain (重点领域), e.g. 'social-security'; '' when none. */
  readonly domain: string;
  /** Largest package the unit may upload; null: the center's `maxUploadBytes`. */
  readonly maxPackageBytes: number | null;
  /** Total stored bytes the unit may hold; null: no quota. */
  readonly quotaBytes: number | null;
}

/** Per-unit upload limits (null clears one). */
export interface UnitLimits {
  readonly maxPackageBytes?: number | null;
  readonly quotaBytes?: number | null;
}

export interface NewUnit {
  readonly code: string;
  readonly name: string;
  /** Default '' (not yet known). */
  readonly type?: string;
}

/** A unit's registration details (006_auth); each field left out stays as it is. */
export interface UnitProfile {
  readonly name?: string;
  readonly creditCode?: string | null;
  readonly unitType?: string;
  readonly domain?: string;
}

export interface Registration {
  readonly id: number;
  readonly regno: string;
  readonly unitId: number;
  readonly title: string;
  /** The OCFL object id in the preservation store. */
  readonly objectId: string;
  readonly headVersion: number;
  /** Of the head version. */
  readonly fileCount: number;
  readonly byteCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** 密级 (auth/roles.ts Classification). */
  readonly classification: string;
}

export interface RegistrationVersion {
  readonly version: number;
  readonly createdAt: string;
  readonly fileCount: number;
  readonly byteCount: number;
  /** Bytes this version added to the store (OCFL deduplicates by digest). */
  readonly newContentBytes: number;
  readonly inventoryDigest: string;
  readonly message: string;
  /** Where the deposit came from, e.g. 'upload', 'folder', 'carrier'. */
  readonly sourceKind: string;
}

export interface FileEntry {
  /** Logical path within the version, '/'-separated. */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex. */
  readonly sha256: string;
  readonly mtime: string | null;
}

/** One version's full state, as inserted. file/byte counts are derived from `files`. */
export interface NewVersion {
  readonly files: readonly FileEntry[];
  readonly newContentBytes: number;
  readonly inventoryDigest: string;
  readonly message: string;
  readonly sourceKind: string;
  /**
   * When the version was created; default now. Pass the time sealed in the
   * version's manifest so the database and the store agree (and recovery after
   * a crash records the original time, not the recovery time).
   */
  readonly createdAt?: string;
}

export interface NewRegistration {
  readonly regno: string;
  readonly unitId: number;
  readonly title: string;
  readonly objectId: string;
  /** 密级; default 'open'. */
  readonly classification?: string;
  /** Default `firstVersion.createdAt`, else now. */
  readonly createdAt?: string;
  /** Becomes version 1. */
  readonly firstVersion: NewVersion;
}

export interface RegistrationListOptions {
  readonly unitId?: number;
  /** Only registrations of these classifications (what the reader may see). */
  readonly classifications?: readonly string[];
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** Default 0. */
  readonly offset?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Matching rows in all pages. */
  readonly total: number;
}

export type EventOutcome = 'success' | 'failure' | 'warning';

/** A PREMIS-like event; the table is append-only. */
export interface EventRecord {
  readonly id: number;
  readonly regno: string | null;
  /** E.g. 'deposit', 'version', 'restore', 'export', 'recovered', 'abandoned'. */
  readonly type: string;
  readonly at: string;
  /** Who or what acted: a user name, 'system', a peer id. */
  readonly agent: string;
  readonly outcome: EventOutcome;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface NewEvent {
  /** The registration the event concerns; it must exist. Omit for center-wide events. */
  readonly regno?: string;
  readonly type: string;
  readonly agent: string;
  readonly outcome: EventOutcome;
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Default now. */
  readonly at?: string;
}

export interface EventListOptions {
  readonly type?: string;
  /** Only events with a larger id: for tailing the log. */
  readonly afterId?: number;
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

/** Intent journal entry written before a preservation-store commit. */
export interface PendingCommit {
  readonly regno: string;
  readonly objectId: string;
  readonly version: number;
  readonly startedAt: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface NewPendingCommit {
  readonly regno: string;
  readonly objectId: string;
  readonly version: number;
  /** Default now. */
  readonly startedAt?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A held lease: a named lock that expires unless renewed (see LeaseRepository). */
export interface Lease {
  readonly name: string;
  /** Who holds it: `host:pid:random` of a Yinji process. */
  readonly owner: string;
  /** Proof of holding: renew and release need it, so a lease taken over cannot be released by its old holder. */
  readonly token: string;
  readonly expiresAt: string;
  /** The owner whose stale lease this one replaced, if any. */
  readonly tookOverFrom?: string;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  readonly id: number;
  readonly kind: string;
  /** Unique per piece of work, e.g. `fixity:YINJI-2026-000001:v1`. */
  readonly key: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly state: JobState;
  /** How many times it was claimed (a claim after its runner died counts too). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAfter: string;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: string | null;
  readonly lastError: string | null;
  readonly result: Readonly<Record<string, unknown>> | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** A job claimed by a runner; `token` proves the claim when completing it. */
export interface ClaimedJob extends Job {
  readonly token: string;
}

export interface NewJob {
  readonly kind: string;
  readonly key: string;
  readonly payload?: Readonly<Record<string, unknown>>;
  /** Default 5. */
  readonly maxAttempts?: number;
  /** Default now. */
  readonly runAfter?: string;
}

/** A stored check report (the JSON is the checks module's CheckReport; db/ does not look inside). */
export interface StoredCheckReport {
  readonly id: number;
  readonly regno: string;
  readonly version: number;
  readonly stage: string;
  readonly blocked: boolean;
  readonly failCount: number;
  readonly warnCount: number;
  readonly report: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

export interface NewCheckReport {
  readonly regno: string;
  readonly version: number;
  readonly stage: string;
  readonly blocked: boolean;
  readonly failCount: number;
  readonly warnCount: number;
  readonly report: Readonly<Record<string, unknown>>;
  readonly createdAt?: string;
}

/** What is appended to the security audit log; seq, prev_hash and hash are assigned under the chain lock. */
export interface NewAuditEntry {
  /** User name, unit code or 'system'. */
  readonly actor: string;
  /** The actor's role ('system' for the center itself). */
  readonly role: string;
  /** login, login-failed, permission-change, config-change, deposit, review, restore, export, certificate, anchor, … */
  readonly action: string;
  /** What was acted on (a regno, a user, a setting). */
  readonly target: string;
  readonly outcome: 'success' | 'failure';
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Default now. */
  readonly at?: string;
}

/** A stored audit-log entry, as read back (values unchecked: verification is the auth module's). */
export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly role: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  /** The stored detail text (canonical JSON when written by Yinji). */
  readonly detailText: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The chain's length and the hash of its last entry (64 zeros while empty). */
export interface AuditHead {
  readonly length: number;
  readonly hash: string;
}

/** A user account (006_auth): center staff (unitId null) or a user of one unit. */
export interface UserRecord {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly unitId: number | null;
  /** argon2id PHC string; null: no password sign-in. Never leaves the auth module. */
  readonly passwordHash: string | null;
  /** auth/roles.ts Classification. */
  readonly clearance: string;
  readonly disabled: boolean;
  readonly createdAt: string;
  /** auth/roles.ts Role names, sorted. */
  readonly roles: readonly string[];
}

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly unitId: number | null;
  readonly passwordHash: string | null;
  readonly clearance: string;
}

/** A browser session (auth/sessions.ts). */
export interface SessionRecord {
  readonly idHash: string;
  readonly userId: number;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastSeenAt: string;
  readonly revokedAt: string | null;
}

export interface NewSession {
  readonly idHash: string;
  readonly userId: number;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/** A stored API token: the secret itself is never stored, only its SHA-256. */
export interface ApiTokenRecord {
  readonly id: number;
  readonly userId: number;
  readonly name: string;
  readonly tokenHash: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface NewApiToken {
  readonly userId: number;
  readonly name: string;
  readonly tokenHash: string;
  readonly scopes: readonly string[];
  readonly expiresAt?: string | null;
}

/** 007: a unit's submission on its way to registration (center/submissions.ts owns the states and rules). */
export interface Submission {
  readonly id: number;
  readonly unitId: number;
  /** The user who created it. */
  readonly createdBy: number;
  readonly title: string;
  /** center/submission-states.ts SubmissionStatus. */
  readonly status: string;
  /** 密级 (auth/roles.ts Classification). */
  readonly classification: string;
  /** The registration form as the unit filled it in (declared digest, counts, carrier, …). */
  readonly declared: Readonly<Record<string, unknown>>;
  /** The uploaded package, relative to the staging directory; null until uploaded and after it is removed. */
  readonly packagePath: string | null;
  readonly packageBytes: number | null;
  /** The latest check report (checks/ CheckReport); null until checked. */
  readonly checkReport: Readonly<Record<string, unknown>> | null;
  /** Why it was last returned; [] if never. */
  readonly reasons: readonly string[];
  readonly reviewerId: number | null;
  /** Set once registered. */
  readonly regno: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewSubmission {
  readonly unitId: number;
  readonly createdBy: number;
  readonly title: string;
  /** Default 'draft'. */
  readonly status?: string;
  readonly classification: string;
  readonly declared: Readonly<Record<string, unknown>>;
  /** Recorded on the creating event. */
  readonly actor: string;
  readonly note?: string;
}

/** One state change of a submission, kept for good (the creating event has fromStatus null). */
export interface SubmissionEvent {
  readonly id: number;
  readonly submissionId: number;
  readonly fromStatus: string | null;
  readonly toStatus: string;
  /** The acting user's id; null when the center itself acted. */
  readonly actorId: number | null;
  /** The acting user's name (or 'system'). */
  readonly actor: string;
  readonly at: string;
  readonly note: string;
}

/** Columns a transition may change along with the status; a field left out stays as it is. */
export interface SubmissionChanges {
  readonly packagePath?: string | null;
  readonly packageBytes?: number | null;
  readonly checkReport?: Readonly<Record<string, unknown>> | null;
  readonly reasons?: readonly string[];
  readonly reviewerId?: number | null;
  readonly regno?: string | null;
  readonly title?: string;
}

/** A compare-and-set state change: applied only while the status is one of `from`. */
export interface SubmissionTransition {
  readonly from: readonly string[];
  readonly to: string;
  readonly actor: string;
  readonly actorId: number | null;
  readonly note?: string;
  readonly changes?: SubmissionChanges;
  /** Also require this package to be the current one (a check's result must be about the package it checked). */
  readonly expectPackagePath?: string | null;
}

export interface SubmissionListOptions {
  readonly unitId?: number;
  readonly statuses?: readonly string[];
  /** Only these classifications (what the reader may see); default any. */
  readonly classifications?: readonly string[];
  /** Default 50, at most 1000. */
  readonly limit?: number;
  /** Default 0. */
  readonly offset?: number;
}

/** 007: a unit's annual status report (年度报送) for one year. */
export interface AnnualReport {
  readonly unitId: number;
  readonly year: number;
  /** 'draft' or 'submitted'. */
  readonly status: string;
  /** The form's fields (center/annual-reports.ts AnnualReportForm). */
  readonly form: Readonly<Record<string, unknown>>;
  readonly updatedBy: number;
  readonly updatedAt: string;
  readonly submittedAt: string | null;
}

export interface AnnualReportDraft {
  readonly unitId: number;
  readonly year: number;
  readonly form: Readonly<Record<string, unknown>>;
  readonly updatedBy: number;
}

/** A place copies go (issue 7): a paired center or a second storage root. */
export interface ReplicaTarget {
  /** A peer's center id, or a name the operator chose for a storage root. */
  readonly id: string;
  readonly kind: 'peer' | 'storage';
  readonly name: string;
  /** Peer: base URL. Storage: a directory or `s3://bucket/prefix`. */
  readonly location: string;
  /** 'none' | 'aes-256-gcm' | 'sm4'. */
  readonly encryption: string;
  /** Peer: Ed25519 request-signing public key, raw base64. */
  readonly peerKey: string | null;
  /** Peer: its log's note verifier key. */
  readonly logKey: string | null;
  readonly addedAt: string;
  readonly removedAt: string | null;
}

export type NewReplicaTarget = Omit<ReplicaTarget, 'addedAt' | 'removedAt' | 'peerKey' | 'logKey'> & {
  readonly peerKey?: string | null;
  readonly logKey?: string | null;
};

/** A registration's copy at a replica target. */
export interface Replica {
  readonly regno: string;
  readonly targetId: string;
  /** Highest version copied completely. */
  readonly version: number;
  readonly state: 'complete' | 'damaged';
  readonly encryption: string;
  readonly files: number;
  readonly bytes: number;
  readonly copiedAt: string;
  readonly auditedAt: string | null;
  readonly auditOutcome: 'success' | 'failure' | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface ReplicaAudit {
  readonly at?: string;
  readonly outcome: 'success' | 'failure';
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A file kept for a partner center. */
export interface HostedFile {
  readonly peerId: string;
  readonly objectId: string;
  readonly path: string;
  readonly size: number;
  /** SHA-256 (hex) of the bytes as stored (ciphertext when the partner encrypts). */
  readonly sha256: string;
  readonly storedAt: string;
}

/** What this center, as a witness, last cosigned of a partner's log. */
export interface WitnessState {
  /** The partner whose log this is. */
  readonly peerId: string;
  readonly size: number;
  /** Hex. */
  readonly rootHash: string;
  readonly checkpoint: string;
  readonly updatedAt: string;
}

/** A cosignature a partner (witness) gave this center's checkpoint at `logSize`. */
export interface Cosignature {
  readonly logSize: number;
  readonly witnessId: string;
  /** The C2SP signature line. */
  readonly cosignature: string;
  readonly receivedAt: string;
}
