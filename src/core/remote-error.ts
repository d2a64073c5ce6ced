import { YinjiError } from './errors.js';

/**
 * A center's error answer as the error it names: the API's JSON body
 * `{error: {code, message, details}}` keeps its code, so the CLI's exit code
 * says what happened (not found, sign in first, …) as for a local command;
 * anything else becomes E_SERVER_UNAVAILABLE with the status and text.
 */
export function serverError(status: number, body: string, what: string): YinjiError {
  try {
    const { error } = JSON.parse(body) as { error: { code: string; message: string; details?: object } };
    if (typeof error.code === 'string' && typeof error.message === 'string') {
      return new YinjiError(error.code, { zh: error.message, en: error.message }, { details: { ...error.details } });
    }
  } catch {
    // not the API's JSON: fall through
  }
  return new YinjiError('E_SERVER_UNAVAILABLE', {
    zh: `中心对${what}返回 HTTP ${status}：${body.trim().slice(0, 500)}`,
    en: `the center answered HTTP ${status} to ${what}: ${body.trim().slice(0, 500)}`,
  });
}
