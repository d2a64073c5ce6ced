import { YinjiError, type Message, type YinjiErrorOptions } from '../core/index.js';

/** Signed in, but the role does not allow the action (HTTP 403). Never used where it would reveal another unit's record: that is E_NOT_FOUND. */
export class ForbiddenError extends YinjiError {
  override readonly name = 'ForbiddenError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_FORBIDDEN', message, options);
  }
}

/** No valid credentials: wrong password, unknown/revoked/expired token, disabled account, wrong setup code (HTTP 401). */
export class AuthenticationError extends YinjiError {
  override readonly name = 'AuthenticationError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_UNAUTHENTICATED', message, options);
  }
}

/** A role grant the separation rules forbid (三员, unit vs center roles) (HTTP 409). */
export class RoleConflictError extends YinjiError {
  override readonly name = 'RoleConflictError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_ROLE_CONFLICT', message, options);
  }
}
