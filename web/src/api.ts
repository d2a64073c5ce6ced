/**
 * The console's only way to the center: the public HTTP API (DESIGN: web/
 * talks to nothing else). Every call the console makes is listed in
 * ENDPOINTS (endpoints.ts), which test/web/api-contract.test.ts checks against the server's
 * OpenAPI document, so a renamed or removed route fails the tests, not the
 * archivist. Errors come back in the API's shape and language.
 */
import { ENDPOINTS, type Endpoint } from './endpoints.js';

export interface Account {
  readonly username: string;
  readonly unitId: number | null;
  readonly roles: readonly string[];
  readonly clearance: string;
  readonly scopes: readonly string[];
}

export interface SessionInfo {
  readonly account: Account;
  readonly csrfToken?: string;
}

/** A registration a digest was found in; only the time when the viewer may not see which one. */
export type DigestMatch =
  { regno: string; version: number; path: string; size: number; registeredAt: string } | { registeredAt: string };

export interface VerifyResult {
  readonly results: ReadonlyArray<{ sha256: string; registrations: DigestMatch[] }>;
}

export interface SearchHit {
  readonly id: number;
  readonly archivalCode: string;
  readonly title: string;
  readonly unitCode: string;
  readonly year: number | null;
  readonly openStatus: 'open' | 'controlled';
  readonly score: number;
  /** HTML-escaped by the server, with <mark> around the matched text. */
  readonly titleHtml: string;
  readonly snippet: string;
}

export type FacetField = 'fonds' | 'category' | 'year' | 'retention' | 'openStatus' | 'unitCode';

export interface SearchResult {
  readonly query: string;
  readonly total: number;
  readonly totalEstimated?: boolean;
  readonly rankedWithin?: number;
  readonly hits: readonly SearchHit[];
  readonly facets?: Readonly<Record<FacetField, ReadonlyArray<{ value: string; count: number }>>>;
  readonly facetsApproximate?: boolean;
  readonly limit: number;
  readonly offset: number;
}

export interface SearchParams {
  readonly q: string;
  readonly limit?: number;
  readonly offset?: number;
  readonly fonds?: string;
  readonly category?: string;
  readonly retention?: string;
  readonly openStatus?: 'open' | 'controlled';
  readonly yearFrom?: number;
  readonly yearTo?: number;
}

export type CheckOutcome = 'pass' | 'fail' | 'warn' | 'not-applicable' | 'not-run';
export interface Message {
  readonly zh: string;
  readonly en: string;
}

/** The four-properties check report (四性检测, src/checks/run.ts CheckReport). */
export interface CheckReport {
  readonly profile: string;
  readonly checkedAt: string;
  readonly package: { readonly name: string; readonly files: number; readonly bytes: number };
  readonly items: ReadonlyArray<{
    readonly id: string;
    readonly property: 1 | 2 | 3 | 4;
    readonly title: Message;
    readonly severity: string;
    readonly outcome: CheckOutcome;
    readonly reason?: Message;
    readonly findings: ReadonlyArray<{
      readonly object: { readonly kind: string; readonly ref: string };
      readonly reason: Message;
    }>;
    readonly findingCount: number;
  }>;
  readonly summary: { pass: number; fail: number; warn: number; notApplicable: number; notRun: number };
  readonly blocked: boolean;
}

export type SubmissionStatus =
  | 'draft'
  | 'uploaded'
  | 'self-checked'
  | 'submitted'
  | 'under-review'
  | 'approved'
  | 'registered'
  | 'returned'
  | 'withdrawn';

export interface Submission {
  readonly id: number;
  readonly unitId: number;
  /** The unit's code and name (null if the unit was removed). */
  readonly unitCode: string | null;
  readonly unitName: string | null;
  readonly title: string;
  readonly status: SubmissionStatus;
  readonly classification: string;
  readonly packageBytes: number | null;
  readonly checkReport: CheckReport | null;
  readonly reasons: readonly string[];
  readonly regno: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SubmissionEvent {
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly actor: string;
  readonly at: string;
  readonly note: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}

/** A registration made directly (200), or, where the center reviews deposits, the submission now in review (202). */
export type UploadOutcome =
  | { readonly regno: string; readonly version: number; readonly fileCount: number; readonly checks?: CheckReport }
  | { readonly submission: Submission; readonly checks: CheckReport | null };

export interface Registration {
  readonly regno: string;
  readonly title: string;
  readonly unitId: number;
  readonly objectId: string;
  readonly headVersion: number;
  readonly fileCount: number;
  readonly byteCount: number;
  readonly createdAt: string;
  readonly versions: ReadonlyArray<{
    version: number;
    createdAt: string;
    fileCount: number;
    byteCount: number;
    message: string;
  }>;
}

export interface RegisteredFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** The check reports of a registration's version, each stage (deposit, review …) as run. */
export interface RegistrationChecks {
  readonly version: number;
  readonly reports: ReadonlyArray<{ stage: string; createdAt: string; report: CheckReport }>;
  readonly acceptances: ReadonlyArray<{ itemId: string; reason: string; agent: string; at: string }>;
}

/** A registration's copy at one replica target (src/center/replication.ts ReplicaView). */
export interface ReplicaView {
  readonly targetId: string;
  readonly kind?: string;
  readonly status: 'copied' | 'behind' | 'pending' | 'damaged' | 'not-in-policy';
  readonly version?: number;
  readonly copiedAt?: string;
  readonly auditedAt?: string | null;
  readonly auditOutcome?: 'success' | 'failure' | null;
}

/** GET /api/v1/statistics (src/center/statistics.ts): counts for the dashboard. */
export interface Statistics {
  readonly generatedAt: string;
  readonly byMonth: ReadonlyArray<{ month: string; registrations: number; files: number; bytes: number }>;
  readonly byUnitType: ReadonlyArray<{ key: string; registrations: number; bytes: number }>;
  readonly byDomain: ReadonlyArray<{ key: string; registrations: number; bytes: number }>;
  readonly byClassification: ReadonlyArray<{ key: string; registrations: number; bytes: number }>;
  readonly units: { readonly total: number; readonly registered: number };
  readonly copies: ReadonlyArray<{ copies: number; registrations: number }>;
  readonly replicaStates: ReadonlyArray<{ state: string; count: number }>;
  readonly lastAuditAt: string | null;
  readonly awaitingReview: number;
  readonly targets: ReadonlyArray<{ targetId: string; copies: number; damaged: number; bytes: number }>;
  readonly disk: { readonly total: number; readonly free: number } | null;
}

/** An error the API answered with: its code and message (already in the console's language). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = {},
  ) {
    super(message);
  }

  /** The error a failed response carries (the API's { error: { code, message, details } }). */
  static async from(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    let error: { code?: string; message?: string; details?: unknown } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      // Not the API's JSON (a proxy's page, say): the status is all there is.
    }
    return new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `HTTP ${response.status}`,
      error?.details,
    );
  }
}

let language: 'zh' | 'en' = 'zh';
let csrfToken: string | undefined;

/** The language errors come back in (Accept-Language). */
export function setApiLanguage(lang: 'zh' | 'en'): void {
  language = lang;
}

/** The session's CSRF token, echoed on every state-changing call (X-CSRF-Token). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export interface RequestOptions {
  /** Values for the {name} parts of the path. */
  readonly params?: Readonly<Record<string, string | number>>;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON, or bytes (a Blob) sent as they are. */
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
}

/** One call of an endpoint, answered with the raw response (a failure to connect is an ApiError). */
export async function apiRequest(endpoint: Endpoint, options: RequestOptions & { raw: true }): Promise<Response> {
  const [method, template] = ENDPOINTS[endpoint];
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(options.params?.[name])));
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  }
  const headers: Record<string, string> = { 'accept-language': language, ...options.headers };
  const json = options.body !== undefined && !(options.body instanceof Blob);
  if (json) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  try {
    return await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.body === undefined ? {} : { body: json ? JSON.stringify(options.body) : options.body }),
    });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    throw new ApiError(
      0,
      'E_NETWORK',
      language === 'zh'
        ? '无法连接登记备份中心：请检查网络，或请管理员确认服务已启动'
        : 'cannot reach the center: check the network, or ask the administrator whether the service is running',
    );
  }
}

async function call<T>(endpoint: Endpoint, options: RequestOptions = {}): Promise<T> {
  const response = await apiRequest(endpoint, { ...options, raw: true });
  if (!response.ok) throw await ApiError.from(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** The address of a download (a link the browser follows, with the session cookie). */
export function downloadUrl(endpoint: 'certificate' | 'receipt', regno: string): string {
  return ENDPOINTS[endpoint][1].replace('{regno}', encodeURIComponent(regno));
}

export const api = {
  signIn: (username: string, password: string) =>
    call<SessionInfo & { expiresAt: string }>('signIn', { body: { username, password } }),
  session: () => call<SessionInfo>('session'),
  signOut: () => call<void>('signOut'),
  setupNeeded: () => call<{ needed: boolean }>('setupNeeded'),
  setup: (body: { code: string } & Record<'system' | 'security' | 'auditor', { username: string; password: string }>) =>
    call<{ system: string; security: string; auditor: string }>('setup', { body }),
  verify: (sha256: readonly string[]) => call<VerifyResult>('verify', { body: { sha256 } }),
  search: (params: SearchParams) => call<SearchResult>('search', { query: { ...params } }),
  registerUpload: (id: string) => call<UploadOutcome>('registerUpload', { params: { id } }),
  submissions: (query: { status?: SubmissionStatus; limit?: number; offset?: number } = {}) =>
    call<Page<Submission>>('submissions', { query }),
  submission: (id: number) =>
    call<{ submission: Submission; events: SubmissionEvent[] }>('submission', { params: { id } }),
  reviewQueue: (query: { limit?: number; offset?: number } = {}) => call<Page<Submission>>('reviewQueue', { query }),
  review: (id: number, decision: 'start' | 'approve' | 'return', reasons?: string[]) =>
    call<Submission>('review', {
      params: { id },
      body: { decision, ...(reasons === undefined ? {} : { reasons }) },
    }),
  statistics: () => call<Statistics>('statistics'),
  registration: (regno: string) => call<Registration>('registration', { params: { regno } }),
  registrationChecks: (regno: string) => call<RegistrationChecks>('registrationChecks', { params: { regno } }),
  registrationReplicas: (regno: string) =>
    call<{ headVersion: number; replicas: ReplicaView[] }>('registrationReplicas', { params: { regno } }),
  registrationFiles: (regno: string) =>
    call<{ version: number; files: RegisteredFile[] }>('registrationFiles', { params: { regno } }),
};
