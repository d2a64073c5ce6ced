import { getHashes } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';

/**
 * Digest algorithms Yinji knows, by the names OCFL 1.1 §3.5.1 and BagIt
 * (RFC 8493 §2.4) use. SHA-256 is the default; SM3 (GB/T 32905) for 国密
 * deployments; MD5 and SHA-1 only to compare against digests declared on old
 * forms — never as the sole fixity of anything Yinji stores.
 */
export const DIGEST_ALGORITHMS = ['sha256', 'sha512', 'sm3', 'sha1', 'md5'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

export const DEFAULT_DIGEST: DigestAlgorithm = 'sha256';

/** Algorithms too weak to be the only fixity of preserved content. */
export const LEGACY_ONLY: ReadonlySet<DigestAlgorithm> = new Set(['md5', 'sha1']);

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128, sm3: 64, sha1: 40, md5: 32 };

export function isDigestAlgorithm(name: string): name is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly string[]).includes(name);
}

/** Parse a user-supplied algorithm name ("SHA-256", "sm3", "SHA256"). */
export function parseDigestAlgorithm(name: string): DigestAlgorithm {
  const norm = name.toLowerCase().replace(/[-_\s]/g, '');
  if (isDigestAlgorithm(norm)) return norm;
  throw new InvalidInputError({
    zh: `不支持的摘要算法 "${name}"（可用：${DIGEST_ALGORITHMS.join('、')}）`,
    en: `unsupported digest algorithm "${name}" (known: ${DIGEST_ALGORITHMS.join(', ')})`,
  });
}

export function isWellFormedDigest(algorithm: DigestAlgorithm, hex: string): boolean {
  return hex.length === HEX_LENGTH[algorithm] && /^[0-9a-f]+$/.test(hex);
}

/** Whether this Node's OpenSSL provides the algorithm (SM3 needs OpenSSL ≥ 1.1.1 with SM3 enabled). */
export function isAvailable(algorithm: DigestAlgorithm): boolean {
  return getHashes().includes(algorithm);
}
