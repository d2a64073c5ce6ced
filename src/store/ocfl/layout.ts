import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../core/errors.js';
import { LAYOUT_CONFIG } from './constants.js';

/**
 * Object root path for an object id under extension 0004 (hashed n-tuple
 * storage layout): sha256 of the UTF-8 id, lower-case hex, three 3-char
 * tuples, then the full digest as the object directory. The id never reaches
 * the filesystem, so an attacker-chosen id cannot shape a path.
 */
export function objectRootPath(objectId: string): string {
  const hex = createHash(LAYOUT_CONFIG.digestAlgorithm).update(objectId, 'utf8').digest('hex');
  const tuples: string[] = [];
  for (let i = 0; i < LAYOUT_CONFIG.numberOfTuples; i++) {
    tuples.push(hex.slice(i * LAYOUT_CONFIG.tupleSize, (i + 1) * LAYOUT_CONFIG.tupleSize));
  }
  return [...tuples, hex].join('/');
}

const CENTER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const REGNO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The OCFL object id of a registration: `urn:yinji:<center>:<regno>`, e.g.
 * `urn:yinji:ZJ001:ZJ001-2026-000001`. A URN so it is a URI (OCFL 1.1 §3.5.1
 * W005) and names the registering center, so ids stay unique when holdings of
 * several centers meet in one storage root (replicas, mergers).
 */
export function registrationObjectId(center: string, regno: string): string {
  if (!CENTER.test(center) || !REGNO.test(regno)) {
    throw new InvalidInputError({
      zh: `无法由中心代码 "${center}" 和登记号 "${regno}" 生成对象标识`,
      en: `cannot build an object id from center "${center}" and regno "${regno}"`,
    });
  }
  return `urn:yinji:${center}:${regno}`;
}
