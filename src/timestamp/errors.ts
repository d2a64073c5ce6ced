import { YinjiError, type Message, type YinjiErrorOptions } from '../core/errors.js';

/**
 * Codes thrown by the timestamp module (to list in docs/errors.md):
 * - E_TSA_UNAVAILABLE: the external TSA could not be reached, timed out or answered with a non-2xx status.
 * - E_TSA_REJECTED: the TSA answered with PKIStatus rejection/waiting/revocation (RFC 3161 §2.4.2).
 * - E_TSA_BAD_RESPONSE: the answer is not a TimeStampResp, or does not match the request (nonce, imprint).
 * - E_TSA_IDENTITY: the TSA certificate or key given to the issuer cannot be used.
 */
export type TimestampErrorCode = 'E_TSA_UNAVAILABLE' | 'E_TSA_REJECTED' | 'E_TSA_BAD_RESPONSE' | 'E_TSA_IDENTITY';

export class TimestampError extends YinjiError {
  override readonly name = 'TimestampError';
  declare readonly code: TimestampErrorCode;
  constructor(code: TimestampErrorCode, message: Message, options?: YinjiErrorOptions) {
    super(code, message, options);
  }
}
