import { accessRequestRepository, type AccessRequestRepository } from './access-requests.js';
import { annualReportRepository, type AnnualReportRepository } from './annual-reports.js';
import { apiTokenRepository, type ApiTokenRepository } from './api-tokens.js';
import { auditLogRepository, type AuditLogRepository } from './audit-log.js';
import { catalogRepository, type CatalogRepository } from './catalog.js';
import { checkReportRepository, type CheckReportRepository } from './check-reports.js';
import type { RepoContext } from './context.js';
import { eventRepository, type EventRepository } from './events.js';
import { evidenceRepository, type EvidenceRepository } from './evidence.js';
import { jobRepository, type JobRepository } from './jobs.js';
import { leaseRepository, type LeaseRepository } from './leases.js';
import { ledgerRepository, type LedgerRepository } from './ledger.js';
import { pendingCommitRepository, type PendingCommitRepository } from './pending.js';
import { hostedFileRepository, type HostedFileRepository } from './hosted-files.js';
import { peerNonceRepository, type PeerNonceRepository } from './peer-nonces.js';
import { replicaTargetRepository, type ReplicaTargetRepository } from './replica-targets.js';
import { replicaRepository, type ReplicaRepository } from './replicas.js';
import { witnessRepository, type WitnessRepository } from './witness.js';
import { registrationRepository, type RegistrationRepository } from './registrations.js';
import { sequenceRepository, type SequenceRepository } from './sequences.js';
import { statisticsRepository, type StatisticsRepository } from './statistics.js';
import { sessionRepository, type SessionRepository } from './sessions.js';
import { settingsRepository, type SettingsRepository } from './settings.js';
import { setupCodeRepository, type SetupCodeRepository } from './setup-codes.js';
import { submissionRepository, type SubmissionRepository } from './submissions.js';
import { unitRepository, type UnitRepository } from './units.js';
import { userRepository, type UserRepository } from './users.js';

export type {
  AccessRequestRepository,
  AnnualReportRepository,
  ApiTokenRepository,
  AuditLogRepository,
  CatalogRepository,
  CheckReportRepository,
  EventRepository,
  EvidenceRepository,
  JobRepository,
  LeaseRepository,
  LedgerRepository,
  PendingCommitRepository,
  RegistrationRepository,
  SequenceRepository,
  SessionRepository,
  SettingsRepository,
  SetupCodeRepository,
  StatisticsRepository,
  SubmissionRepository,
  UnitRepository,
  UserRepository,
  HostedFileRepository,
  PeerNonceRepository,
  ReplicaTargetRepository,
  ReplicaRepository,
  WitnessRepository,
};

/** Everything the rest of Yinji may do with the database, bound to a connection pool or a transaction. */
export interface Repositories {
  readonly units: UnitRepository;
  readonly registrations: RegistrationRepository;
  readonly events: EventRepository;
  readonly sequences: SequenceRepository;
  readonly pending: PendingCommitRepository;
  readonly ledger: LedgerRepository;
  readonly evidence: EvidenceRepository;
  readonly leases: LeaseRepository;
  readonly jobs: JobRepository;
  readonly settings: SettingsRepository;
  readonly checkReports: CheckReportRepository;
  readonly auditLog: AuditLogRepository;
  readonly users: UserRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly setupCodes: SetupCodeRepository;
  readonly submissions: SubmissionRepository;
  readonly annualReports: AnnualReportRepository;
  readonly sessions: SessionRepository;
  readonly hostedFiles: HostedFileRepository;
  readonly peerNonces: PeerNonceRepository;
  readonly replicaTargets: ReplicaTargetRepository;
  readonly replicas: ReplicaRepository;
  readonly witness: WitnessRepository;
  readonly catalog: CatalogRepository;
  readonly accessRequests: AccessRequestRepository;
  readonly statistics: StatisticsRepository;
}

export function bindRepositories(ctx: RepoContext): Repositories {
  return Object.freeze({
    units: unitRepository(ctx),
    registrations: registrationRepository(ctx),
    events: eventRepository(ctx),
    sequences: sequenceRepository(ctx),
    pending: pendingCommitRepository(ctx),
    ledger: ledgerRepository(ctx),
    evidence: evidenceRepository(ctx),
    leases: leaseRepository(ctx),
    jobs: jobRepository(ctx),
    settings: settingsRepository(ctx),
    checkReports: checkReportRepository(ctx),
    auditLog: auditLogRepository(ctx),
    users: userRepository(ctx),
    apiTokens: apiTokenRepository(ctx),
    setupCodes: setupCodeRepository(ctx),
    submissions: submissionRepository(ctx),
    annualReports: annualReportRepository(ctx),
    sessions: sessionRepository(ctx),
    hostedFiles: hostedFileRepository(ctx),
    peerNonces: peerNonceRepository(ctx),
    replicaTargets: replicaTargetRepository(ctx),
    replicas: replicaRepository(ctx),
    witness: witnessRepository(ctx),
    catalog: catalogRepository(ctx),
    accessRequests: accessRequestRepository(ctx),
    statistics: statisticsRepository(ctx),
  });
}
