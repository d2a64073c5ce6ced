import { isYinjiError, type Lang, type Message } from '../core/index.js';

/**
 * Exit codes of every `yinji` command (documented in README "Exit codes").
 * Scripts can tell "the bag is invalid" (1) from "you called it wrong" (2)
 * from "the input was refused" (3) and so on.
 */
export const EXIT = {
  ok: 0,
  invalid: 1,
  usage: 2,
  rejected: 3,
  notFound: 4,
  storage: 5,
  busy: 6,
  integrity: 7,
  unreachable: 8,
  environment: 9,
  internal: 10,
} as const;

const EXIT_BY_CODE: Record<string, number> = {
  E_INVALID_INPUT: EXIT.rejected,
  E_CHECKS_FAILED: EXIT.rejected,
  E_NOT_FOUND: EXIT.notFound,
  E_STORAGE_FULL: EXIT.storage,
  E_STORAGE_IO: EXIT.storage,
  E_BUSY: EXIT.busy,
  E_CONFLICT: EXIT.busy,
  E_UNAUTHENTICATED: EXIT.rejected,
  E_FORBIDDEN: EXIT.rejected,
  E_ROLE_CONFLICT: EXIT.busy,
  E_DIGEST_MISMATCH: EXIT.integrity,
  E_STORAGE_CORRUPT: EXIT.integrity,
  // A carrier that fails verification as a whole is an integrity finding, not a usage error.
  E_CARRIER_INVALID: EXIT.integrity,
  E_STORAGE_NOT_OCFL: EXIT.storage,
  E_DATABASE: EXIT.storage,
  E_DB_OPEN: EXIT.storage,
  E_DB_MIGRATION: EXIT.storage,
  E_SERVER_UNAVAILABLE: EXIT.unreachable,
  E_UPLOAD_TOO_LARGE: EXIT.rejected,
  E_QUOTA_EXCEEDED: EXIT.rejected,
  E_CSRF: EXIT.rejected,
  E_RATE_LIMITED: EXIT.busy,
  E_UPLOAD_INCOMPLETE: EXIT.busy,
  E_TSA_UNAVAILABLE: EXIT.unreachable,
  E_CLAMD_UNAVAILABLE: EXIT.unreachable,
  E_CLAMD_PROTOCOL: EXIT.unreachable,
  E_TSA_REJECTED: EXIT.unreachable,
  E_TSA_BAD_RESPONSE: EXIT.unreachable,
  E_NOTE_INVALID: EXIT.rejected,
  E_FONT_MISSING: EXIT.environment,
  E_FONT_UNSUPPORTED: EXIT.environment,
  E_WATERMARK: EXIT.rejected,
  E_PEER_AUTH: EXIT.rejected,
  E_PEER_UNAVAILABLE: EXIT.unreachable,
  E_REPLICA_DECRYPT: EXIT.integrity,
  E_WITNESS_BAD_REQUEST: EXIT.rejected,
  // A partner refusing to cosign because the log does not extend what it saw: an integrity finding.
  E_WITNESS_CONFLICT: EXIT.integrity,
};

export interface GlobalOptions {
  readonly data: string;
  readonly json: boolean;
  readonly lang: Lang;
}

export function say(opts: GlobalOptions, message: Message): void {
  if (!opts.json) process.stdout.write(message[opts.lang] + '\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** The exit code for an error code (`E_…`), as reportError uses it. */
export function exitCodeFor(code: string, name?: string): number {
  return EXIT_BY_CODE[code] ?? (name === 'PackageError' ? EXIT.rejected : EXIT.internal);
}

/** One clear line on stderr (or a JSON object with --json), then the exit code for the error. */
export function reportError(opts: Pick<GlobalOptions, 'json' | 'lang'>, e: unknown): number {
  if (isYinjiError(e)) {
    const exit = exitCodeFor(e.code, e.name);
    if (opts.json) {
      process.stderr.write(
        JSON.stringify({ error: { code: e.code, message: e.text(opts.lang), details: e.details } }) + '\n',
      );
    } else {
      process.stderr.write(`${opts.lang === 'zh' ? '错误' : 'error'} [${e.code}]: ${e.text(opts.lang)}\n`);
    }
    return exit;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const prefix = opts.lang === 'zh' ? '内部错误（请报告此问题）' : 'internal error (please report it)';
  if (opts.json) process.stderr.write(JSON.stringify({ error: { code: 'E_INTERNAL', message: err.message } }) + '\n');
  else process.stderr.write(`${prefix}: ${err.message}\n`);
  if (process.env.YINJI_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
  return EXIT.internal;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(2)} ${units[i]}`;
}
