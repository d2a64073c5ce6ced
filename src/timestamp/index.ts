export { createTsaIdentity, type CreateTsaIdentityOptions, type TsaIdentity } from './identity.js';
export { issueTimestamp, type IssueTimestampOptions } from './issue.js';
export {
  handleTimestampQuery,
  buildTimestampQuery,
  TIMESTAMP_QUERY_CONTENT_TYPE,
  TIMESTAMP_REPLY_CONTENT_TYPE,
  type HandleTimestampQueryOptions,
  type BuildTimestampQueryOptions,
} from './query.js';
export { verifyTimestamp, type VerifyTimestampOptions, type VerifyTimestampResult } from './verify.js';
export type { VerifyFailureCode } from './verify-reasons.js';
export { requestTimestamp, type RequestTimestampOptions } from './client.js';
export { TimestampError, type TimestampErrorCode } from './errors.js';
export { YINJI_TSA_POLICY_OID, IMPRINT_HASHES, type TimestampHashAlgorithm } from './oids.js';
