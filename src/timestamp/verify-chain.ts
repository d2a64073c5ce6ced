/**
 * Certificate checks for a TSA signer: the RFC 3161 §2.3 EKU rule and a
 * path to a trusted root (RFC 5280 §6, reduced to what a TSA needs:
 * names, signatures, CA flags, validity at the time of signing). Every
 * certificate here except the trust anchors is attacker-supplied.
 */
import { X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { parseDer, toBytes } from './der.js';
import { OID_EXT_KEY_USAGE, OID_KP_TIME_STAMPING } from './oids.js';

export interface ParsedCert {
  readonly der: Uint8Array;
  readonly pki: pkijs.Certificate;
  readonly node: X509Certificate;
}

export function parseCert(der: Uint8Array): ParsedCert | undefined {
  try {
    const asn = parseDer(der);
    if (!asn) return undefined;
    return { der, pki: new pkijs.Certificate({ schema: asn }), node: new X509Certificate(der) };
  } catch {
    return undefined;
  }
}

export function certFromSchema(cert: pkijs.Certificate): ParsedCert | undefined {
  return parseCert(toBytes(cert.toSchema(false).toBER(false)));
}

/** RFC 3161 §2.3: exactly one EKU extension, critical, with id-kp-timeStamping as its only purpose. */
export function isTsaCertificate(cert: ParsedCert): boolean {
  const ekus = (cert.pki.extensions ?? []).filter((e) => e.extnID === OID_EXT_KEY_USAGE);
  const eku = ekus[0];
  if (ekus.length !== 1 || !eku?.critical) return false;
  const parsed = eku.parsedValue as unknown;
  if (!(parsed instanceof pkijs.ExtKeyUsage)) return false;
  return parsed.keyPurposes.length === 1 && parsed.keyPurposes[0] === OID_KP_TIME_STAMPING;
}

export function validAt(cert: ParsedCert, at: Date): boolean {
  return cert.pki.notBefore.value.getTime() <= at.getTime() && at.getTime() <= cert.pki.notAfter.value.getTime();
}

function issuedBy(child: ParsedCert, parent: ParsedCert): boolean {
  try {
    return child.node.checkIssued(parent.node) && child.node.verify(parent.node.publicKey);
  } catch {
    return false;
  }
}

const MAX_DEPTH = 6;

/**
 * Whether `leaf` chains to one of `anchors` through `pool`, every
 * certificate below the anchor valid at `at`.
 */
export function chainsTo(
  leaf: ParsedCert,
  pool: readonly ParsedCert[],
  anchors: readonly ParsedCert[],
  at: Date,
): boolean {
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (!validAt(current, at)) return false;
    if (anchors.some((anchor) => validAt(anchor, at) && issuedBy(current, anchor))) return true;
    const next = pool.find((c) => c !== current && c.node.ca && issuedBy(current, c));
    if (!next) return false;
    current = next;
  }
  return false;
}
