/**
 * Kysely table types (internal to db/: repositories return the plain records
 * in records.ts, never these).
 *
 * Timestamps are ISO-8601 text in UTC with milliseconds
 * (`2026-03-01T08:00:00.000Z`): the same bytes on SQLite and PostgreSQL,
 * readable in a dump, and ordered correctly by plain text comparison.
 * Counts and sizes are 64-bit integers; the pg pool parses int8 into a JS
 * number (open-database.ts), so both dialects hand back numbers.
 */
import type { Generated } from 'kysely';

export interface UnitsTable {
  id: Generated<number>;
  code: string;
  name: string;
  type: string;
  created_at: string;
  /** 006: the 18-character unified social credit code, validated by auth/uscc.ts; unique when given. */
  credit_code: string | null;
  /** 006: auth/units.ts UnitType, '' until known. */
  unit_type: Generated<string>;
  /** 006: priority domain (重点领域) such as social-security, '' when none. */
  domain: Generated<string>;
  /** 007: largest package this unit may upload, NULL for the center default. */
  max_package_bytes: number | null;
  /** 007: total bytes this unit may hold, NULL for no quota. */
  quota_bytes: number | null;
}

export interface RegistrationsTable {
  id: Generated<number>;
  regno: string;
  unit_id: number;
  title: string;
  object_id: string;
  head_version: number;
  file_count: number;
  byte_count: number;
  created_at: string;
  updated_at: string;
  /** 007: 密级, auth/roles.ts Classification. */
  classification: Generated<string>;
}

export interface RegistrationVersionsTable {
  registration_id: number;
  version: number;
  created_at: string;
  file_count: number;
  byte_count: number;
  new_content_bytes: number;
  inventory_digest: string;
  message: string;
  source_kind: string;
}

export interface FilesTable {
  registration_id: number;
  version: number;
  path: string;
  size: number;
  sha256: string;
  mtime: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  registration_id: number | null;
  type: string;
  at: string;
  agent: string;
  outcome: string;
  /** JSON text, not a JSON column: identical on both dialects. */
  detail: string;
}

export interface RegnoSequencesTable {
  series: string;
  next_value: number;
}

export interface PendingCommitsTable {
  regno: string;
  object_id: string;
  version: number;
  started_at: string;
  detail: string;
}

export interface LedgerHeadTable {
  id: number;
  size: number;
}

export interface LedgerLeavesTable {
  idx: number;
  /** The leaf's data, base64 (any bytes; Yinji's are canonical JSON statements). */
  data: string;
  leaf_hash: string;
}

export interface LedgerNodesTable {
  level: number;
  idx: number;
  hash: string;
}

export interface LedgerCheckpointsTable {
  size: number;
  note: string;
  created_at: string;
}

export interface RegistrationEvidenceTable {
  registration_id: number;
  version: number;
  leaf_index: number;
  statement: string;
  /** RFC 3161 token, base64 DER. */
  timestamp_token: string;
}

export interface LeasesTable {
  name: string;
  owner: string;
  token: string;
  acquired_at: string;
  expires_at: string;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  job_key: string;
  /** JSON. */
  payload: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  run_after: string;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  /** JSON, once done. */
  result: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface CenterSettingsTable {
  name: string;
  value: string;
}

export interface CheckReportsTable {
  id: Generated<number>;
  regno: string;
  version: number;
  /** GD, YJ or BC. */
  stage: string;
  /** 0/1. */
  blocked: number;
  fail_count: number;
  warn_count: number;
  /** The report, JSON (checks/run.ts CheckReport). */
  report: string;
  created_at: string;
}

export interface AuditHeadTable {
  id: number;
  length: number;
  /** Hash of the entry at `length` (64 zeros while empty). */
  hash: string;
}

export interface AuditLogTable {
  /** 1, 2, 3, … gap-free, assigned under the audit_head lock. */
  seq: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  /** success or failure. */
  outcome: string;
  /** Canonical JSON (RFC 8785) text. */
  detail: string;
  /** Lower-case hex SHA-256. */
  prev_hash: string;
  hash: string;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  /** NULL: center staff. */
  unit_id: number | null;
  /** argon2id PHC string; NULL: no password sign-in. */
  password_hash: string | null;
  clearance: string;
  /** 0/1. */
  disabled: Generated<number>;
  created_at: string;
}

export interface UserRolesTable {
  user_id: number;
  role: string;
  granted_at: string;
  /** Username of who granted it ('bootstrap' for the first administrators). */
  granted_by: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** Lower-case hex SHA-256 of the secret. */
  token_hash: string;
  /** JSON array of action names. */
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface SetupCodesTable {
  /** Lower-case hex SHA-256 of the code. */
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** 007: a browser session (auth/sessions.ts). */
export interface SessionsTable {
  /** Lower-case hex SHA-256 of the cookie secret. */
  id_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  revoked_at: string | null;
}

/** 007: a unit's submission on its way to registration (center/submissions.ts). */
export interface SubmissionsTable {
  id: Generated<number>;
  unit_id: number;
  created_by: number;
  title: string;
  status: string;
  classification: string;
  /** JSON registration form. */
  declared: string;
  /** Relative to the staging directory. */
  package_path: string | null;
  package_bytes: number | null;
  /** JSON CheckReport. */
  check_report: string | null;
  /** JSON array of reasons. */
  reasons: string | null;
  reviewer_id: number | null;
  regno: string | null;
  created_at: string;
  updated_at: string;
}

export interface SubmissionEventsTable {
  id: Generated<number>;
  submission_id: number;
  from_status: string | null;
  to_status: string;
  actor_id: number | null;
  actor: string;
  at: string;
  note: Generated<string>;
}

/** 007: 年度报送, one per unit and year. */
export interface AnnualReportsTable {
  unit_id: number;
  year: number;
  status: string;
  /** JSON form fields. */
  form: string;
  updated_by: number;
  updated_at: string;
  submitted_at: string | null;
}

/** 008: where copies go — a paired center or a second storage root. */
export interface ReplicaTargetsTable {
  id: string;
  kind: string;
  name: string;
  location: string;
  encryption: string;
  peer_key: string | null;
  log_key: string | null;
  added_at: string;
  removed_at: string | null;
}

/** 008: a registration's copy at a target. */
export interface ReplicasTable {
  regno: string;
  target_id: string;
  version: number;
  state: string;
  encryption: string;
  files: number;
  bytes: number;
  copied_at: string;
  audited_at: string | null;
  audit_outcome: string | null;
  detail: Generated<string>;
}

/** 008: a file kept for a partner center. */
export interface HostedFilesTable {
  peer_id: string;
  object_id: string;
  path: string;
  size: number;
  sha256: string;
  stored_at: string;
}

export interface PeerNoncesTable {
  key_id: string;
  nonce: string;
  expires_at: string;
}

export interface WitnessStateTable {
  peer_id: string;
  size: number;
  root_hash: string;
  checkpoint: string;
  updated_at: string;
}

export interface CheckpointCosignaturesTable {
  log_size: number;
  witness_id: string;
  cosignature: string;
  received_at: string;
}

/** 009: a catalog entry (DA/T 46 core fields); '' for a field not given. */
export interface CatalogEntriesTable {
  id: Generated<number>;
  unit_code: string;
  archival_code: string;
  fonds: string;
  category: string;
  year: number | null;
  item_number: string;
  title: string;
  responsible: string;
  date: string;
  document_number: string;
  org_or_issue: string;
  retention: string;
  classification: string;
  pages: number | null;
  keywords: string;
  notes: string;
  open_status: string;
  regno: string | null;
  file_path: string | null;
  source: string;
  created_at: string;
  updated_at: string;
  /** 011: the center holding the record ('' = this one), and the entry's id there. */
  holder: string;
  holder_entry_id: number | null;
}

/** 009: text extracted from an entry's file. */
export interface CatalogTextsTable {
  entry_id: number;
  text: string;
  method: string;
  extracted_at: string;
}

/** 009, PostgreSQL only: the search vector of an entry (SQLite keeps the FTS5 table catalog_fts instead). */
export interface CatalogVectorsTable {
  entry_id: number;
  vector: string;
}

/** 010: a request to use controlled records (利用申请). */
export interface AccessRequestsTable {
  id: Generated<number>;
  user_id: number;
  purpose: string;
  status: string;
  created_at: string;
  decided_by: number | null;
  decided_at: string | null;
  decision_note: Generated<string>;
  expires_at: string | null;
}

/** 010: the entries a request covers. */
export interface AccessGrantsTable {
  request_id: number;
  entry_id: number;
}

export interface Schema {
  units: UnitsTable;
  registrations: RegistrationsTable;
  registration_versions: RegistrationVersionsTable;
  files: FilesTable;
  events: EventsTable;
  regno_sequences: RegnoSequencesTable;
  pending_commits: PendingCommitsTable;
  ledger_head: LedgerHeadTable;
  ledger_leaves: LedgerLeavesTable;
  ledger_nodes: LedgerNodesTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  registration_evidence: RegistrationEvidenceTable;
  leases: LeasesTable;
  jobs: JobsTable;
  center_settings: CenterSettingsTable;
  check_reports: CheckReportsTable;
  audit_head: AuditHeadTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  api_tokens: ApiTokensTable;
  setup_codes: SetupCodesTable;
  sessions: SessionsTable;
  submissions: SubmissionsTable;
  submission_events: SubmissionEventsTable;
  annual_reports: AnnualReportsTable;
  replica_targets: ReplicaTargetsTable;
  replicas: ReplicasTable;
  hosted_files: HostedFilesTable;
  peer_nonces: PeerNoncesTable;
  witness_state: WitnessStateTable;
  checkpoint_cosignatures: CheckpointCosignaturesTable;
  catalog_entries: CatalogEntriesTable;
  catalog_texts: CatalogTextsTable;
  catalog_vectors: CatalogVectorsTable;
  access_requests: AccessRequestsTable;
  access_grants: AccessGrantsTable;
}
