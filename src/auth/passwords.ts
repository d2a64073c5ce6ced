/**
 * Password hashing: argon2id (RFC 9106) with at least the OWASP Password
 * Storage Cheat Sheet's parameters — m = 19 MiB, t = 2, p = 1. The PHC string
 * stored carries its own parameters and salt, so raising them later leaves
 * old hashes verifiable; `needsRehash` tells when to upgrade one at sign-in.
 */
import { randomBytes } from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { InvalidInputError } from '../core/index.js';

export const ARGON2_OPTIONS = Object.freeze({
  algorithm: Algorithm.Argon2id,
  /** KiB: 19 MiB. */
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
});

/** NIST SP 800-63B §3.1.1.2 asks for at least 8, and 15 for single-factor sign-in; 12 here, up to 1024 (hashing a huge input is a DoS). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

export function checkPasswordPolicy(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new InvalidInputError({
      zh: `口令长度应为 ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} 个字符`,
      en: `a password must have ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters`,
    });
  }
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  return hash(password.normalize('NFC'), ARGON2_OPTIONS);
}

/**
 * Constant-time with respect to the password (argon2 verify compares the
 * derived keys in constant time). False for a malformed hash rather than throwing.
 */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if ([...password].length > PASSWORD_MAX_LENGTH) return false;
  try {
    return await verify(passwordHash, password.normalize('NFC'));
  } catch {
    return false;
  }
}

/** A stored hash made with weaker parameters (or another algorithm) than ARGON2_OPTIONS. */
export function needsRehash(passwordHash: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  if (!m) return true;
  return (
    Number(m[1]) < ARGON2_OPTIONS.memoryCost ||
    Number(m[2]) < ARGON2_OPTIONS.timeCost ||
    Number(m[3]) < ARGON2_OPTIONS.parallelism
  );
}

/**
 * A hash of nothing anyone knows, verified against when the username does not
 * exist, so a failed sign-in takes as long either way (no user enumeration by timing).
 */
let dummy: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);
  return dummy;
}
