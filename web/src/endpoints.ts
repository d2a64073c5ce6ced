/**
 * Method and path of every route the console calls, with the query fields it
 * sends: test/web/api-contract.test.ts checks each against the server's
 * OpenAPI document (no DOM here, so that test can import it).
 */
export const ENDPOINTS = {
  signIn: ['POST', '/api/v1/session'],
  session: ['GET', '/api/v1/session'],
  signOut: ['DELETE', '/api/v1/session'],
  setupNeeded: ['GET', '/api/v1/setup'],
  setup: ['POST', '/api/v1/setup'],
  verify: ['POST', '/verify'],
  search: ['GET', '/api/v1/search'],
  createUpload: ['POST', '/api/v1/uploads'],
  uploadOffset: ['HEAD', '/api/v1/uploads/{id}'],
  uploadChunk: ['PATCH', '/api/v1/uploads/{id}'],
  registerUpload: ['POST', '/api/v1/uploads/{id}/register'],
  submissions: ['GET', '/api/v1/submissions'],
  submission: ['GET', '/api/v1/submissions/{id}'],
  reviewQueue: ['GET', '/api/v1/review/queue'],
  review: ['POST', '/api/v1/submissions/{id}/review'],
  statistics: ['GET', '/api/v1/statistics'],
  registration: ['GET', '/api/v1/registrations/{regno}'],
  registrationFiles: ['GET', '/api/v1/registrations/{regno}/files'],
  registrationChecks: ['GET', '/api/v1/registrations/{regno}/checks'],
  registrationReplicas: ['GET', '/api/v1/registrations/{regno}/replicas'],
  certificate: ['GET', '/api/v1/registrations/{regno}/certificate'],
  receipt: ['GET', '/api/v1/registrations/{regno}/receipt'],
} as const satisfies Record<string, readonly [string, string]>;

export type Endpoint = keyof typeof ENDPOINTS;

/** The query fields the console sends, per endpoint (web/src/api.ts SearchParams). */
export const QUERY_FIELDS: Partial<Record<Endpoint, readonly string[]>> = {
  search: ['q', 'limit', 'offset', 'fonds', 'category', 'retention', 'openStatus', 'yearFrom', 'yearTo'],
  submissions: ['status', 'limit', 'offset'],
  reviewQueue: ['limit', 'offset'],
};
