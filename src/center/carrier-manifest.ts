/**
 * The manifest and signature of an offline carrier (脱机备份载体: optical
 * disc, tape, portable disk), see carrier-export.ts for the layout:
 *
 *   carrier.json   canonical JSON (RFC 8785) of CarrierManifest
 *   carrier.sig    C2SP signed note by the center's log key, text:
 *                    yinji-carrier/1
 *                    <serial>
 *                    sha256:<hex of the carrier.json bytes>
 *
 * Anyone holding the center's verifier key checks a carrier with no Yinji
 * database: the note → carrier.json → each bag's tagmanifest-sha256.txt →
 * manifest-sha256.txt → every payload file.
 */
import { createHash } from 'node:crypto';
import {
  YinjiError,
  canonicalJson,
  isYinjiError,
  wrapWriteError,
  type Message,
  type YinjiErrorOptions,
} from '../core/index.js';
import { signNote, verifyNote, type LogKey } from '../ledger/index.js';
import { CARRIER_TYPES, type CarrierType } from './submission-states.js';

export const CARRIER_FORMAT = 'yinji-carrier/1';
export const CARRIER_MANIFEST = 'carrier.json';
export const CARRIER_SIGNATURE = 'carrier.sig';
export const CARRIER_BAGS = 'bags';

/** The kinds of offline carrier (the submission carriers of submission-states.ts, less 'online'). */
export type OfflineCarrierType = Exclude<CarrierType, 'online'>;
export const OFFLINE_CARRIER_TYPES: readonly OfflineCarrierType[] = CARRIER_TYPES.filter(
  (t): t is OfflineCarrierType => t !== 'online',
);

export interface CarrierEntry {
  readonly regno: string;
  /** The OCFL object id, e.g. urn:yinji:ZJ001:ZJ001-2026-000001. */
  readonly objectId: string;
  /** The unit's code. */
  readonly unit: string;
  readonly headVersion: number;
  /** Carrier-relative path of the bag: always `bags/<regno>`. */
  readonly bag: string;
  /** SHA-256 of the bag's tagmanifest-sha256.txt, which covers its payload manifests and bag-info.txt. */
  readonly tagmanifestSha256: string;
  /** SHA-256 of the head version's inventory.json, as the center's database records it. */
  readonly inventorySha256: string;
  readonly payloadBytes: number;
  readonly payloadFiles: number;
}

export interface CarrierManifest {
  readonly format: typeof CARRIER_FORMAT;
  readonly centerId: string;
  readonly logOrigin: string;
  readonly serial: string;
  readonly type: OfflineCarrierType;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly entries: readonly CarrierEntry[];
}

/** Why a carrier was refused as a whole (details.reason). */
export type CarrierFailure = 'missing-file' | 'signature' | 'note-text' | 'manifest-digest' | 'malformed-manifest';

/** A carrier that must not be trusted at all; nothing was written. Code E_CARRIER_INVALID. */
export class CarrierInvalidError extends YinjiError {
  override readonly name = 'CarrierInvalidError';
  constructor(
    readonly reason: CarrierFailure,
    message: Message,
    options: YinjiErrorOptions = {},
  ) {
    super('E_CARRIER_INVALID', message, { ...options, details: { reason, ...options.details } });
  }
}

/** Carrier serial numbers are written on labels and in a signed note line: letters, digits, '.', '_', '-'. */
const SERIAL = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,63}$/u;
const REGNO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEX64 = /^[0-9a-f]{64}$/;

export function isCarrierSerial(serial: string): boolean {
  return SERIAL.test(serial);
}

export function isOfflineCarrierType(type: string): type is OfflineCarrierType {
  return (OFFLINE_CARRIER_TYPES as readonly string[]).includes(type);
}

export const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

function noteText(serial: string, manifestBytes: Uint8Array): string {
  return `${CARRIER_FORMAT}\n${serial}\nsha256:${sha256Hex(manifestBytes)}\n`;
}

/** The bytes of carrier.json and of carrier.sig. */
export function sealCarrier(manifest: CarrierManifest, key: LogKey): { manifest: Buffer; signature: string } {
  const bytes = Buffer.from(canonicalJson(manifest), 'utf8');
  return { manifest: bytes, signature: signNote(noteText(manifest.serial, bytes), key) };
}

function refused(reason: CarrierFailure, zh: string, en: string, cause?: unknown): CarrierInvalidError {
  return new CarrierInvalidError(reason, { zh, en }, cause === undefined ? {} : { cause });
}

/**
 * Check carrier.sig against the trusted verifier keys and carrier.json
 * against the digest the note signs, then the manifest's shape. Every byte
 * here is untrusted until the signature verifies; paths in the manifest are
 * checked so an entry can only name `bags/<regno>` inside the carrier.
 */
export function openCarrier(
  manifestBytes: Buffer,
  signature: Buffer,
  trustedKeys: string | readonly string[],
): CarrierManifest {
  let text: string;
  try {
    text = verifyNote(signature, trustedKeys).text;
  } catch (e) {
    throw refused(
      'signature',
      `载体签名（${CARRIER_SIGNATURE}）无法用受信任的中心公钥验证：${e instanceof YinjiError ? e.zh : String(e)}`,
      `the carrier signature (${CARRIER_SIGNATURE}) does not verify with a trusted center key: ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
  const m = /^yinji-carrier\/1\n([^\n]+)\nsha256:([0-9a-f]{64})\n$/.exec(text);
  if (m === null) {
    throw refused('note-text', '签名注记不是载体签名', 'the signed note is not a carrier signature');
  }
  if (sha256Hex(manifestBytes) !== m[2]) {
    throw refused(
      'manifest-digest',
      `${CARRIER_MANIFEST} 与签名中的摘要不符：载体清单被改动过`,
      `${CARRIER_MANIFEST} does not match the digest the signature covers: the carrier manifest was altered`,
    );
  }
  const manifest = parseManifest(manifestBytes);
  if (manifest.serial !== m[1]) {
    throw refused(
      'malformed-manifest',
      '载体清单中的编号与签名不符',
      'the serial in the manifest differs from the signed one',
    );
  }
  return manifest;
}

function parseManifest(bytes: Buffer): CarrierManifest {
  const bad = (what: string): CarrierInvalidError =>
    refused('malformed-manifest', `${CARRIER_MANIFEST} 格式错误：${what}`, `malformed ${CARRIER_MANIFEST}: ${what}`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw refused('malformed-manifest', `${CARRIER_MANIFEST} 不是 JSON`, `${CARRIER_MANIFEST} is not JSON`, e);
  }
  const o = raw as Partial<Record<keyof CarrierManifest, unknown>> | null;
  if (typeof o !== 'object' || o === null) throw bad('not an object');
  if (o.format !== CARRIER_FORMAT) throw bad(`format is not ${CARRIER_FORMAT}`);
  for (const k of ['centerId', 'logOrigin', 'serial', 'createdAt'] as const) {
    if (typeof o[k] !== 'string') throw bad(`${k} is not a string`);
  }
  if (!isCarrierSerial(o.serial as string)) throw bad('serial');
  if (typeof o.type !== 'string' || !isOfflineCarrierType(o.type)) throw bad('type');
  if (!Array.isArray(o.entries)) throw bad('entries is not an array');
  const seen = new Set<string>();
  for (const e of o.entries as unknown[]) {
    const x = e as Partial<Record<keyof CarrierEntry, unknown>> | null;
    if (typeof x !== 'object' || x === null) throw bad('an entry is not an object');
    if (typeof x.regno !== 'string' || !REGNO.test(x.regno)) throw bad('entry regno');
    if (seen.has(x.regno)) throw bad(`${x.regno} listed twice`);
    seen.add(x.regno);
    if (x.bag !== `${CARRIER_BAGS}/${x.regno}`) throw bad(`bag of ${x.regno}`);
    if (typeof x.objectId !== 'string' || typeof x.unit !== 'string') throw bad(`objectId or unit of ${x.regno}`);
    for (const k of ['tagmanifestSha256', 'inventorySha256'] as const) {
      if (typeof x[k] !== 'string' || !HEX64.test(x[k])) throw bad(`${k} of ${x.regno}`);
    }
    for (const k of ['headVersion', 'payloadBytes', 'payloadFiles'] as const) {
      if (!Number.isSafeInteger(x[k]) || (x[k] as number) < 0) throw bad(`${k} of ${x.regno}`);
    }
    if ((x.headVersion as number) < 1) throw bad(`headVersion of ${x.regno}`);
  }
  return o as unknown as CarrierManifest;
}

export interface CarrierProgress {
  readonly bytes: number;
  readonly files: number;
  readonly totalBytes: number;
  readonly totalFiles: number;
  /** 'verify' or 'restore' on import; absent on export. */
  readonly phase?: string;
}

/** A registration that could not be written to the carrier (e.g. its stored copy is damaged). */
export interface CarrierItemProblem {
  readonly regno: string;
  readonly code: string;
  readonly message: Message;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function itemProblem(regno: string, e: unknown): CarrierItemProblem {
  const err = isYinjiError(e) ? e : wrapWriteError(e, { zh: '读写失败', en: 'read or write failed' });
  return { regno, code: err.code, message: { zh: err.zh, en: err.message }, details: err.details };
}
