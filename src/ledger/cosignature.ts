import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { InvalidInputError, YinjiError, type Message, type YinjiErrorOptions } from '../core/errors.js';
import { encodeBase64 } from './base64.js';
import { parseCheckpointText, verifyCheckpoint, type ParsedCheckpoint } from './checkpoint.js';
import { InvalidNoteError, malformedNote } from './errors.js';
import { bytesEqual, DEFAULT_LEDGER_HASH, emptyRoot, HASH_SIZE, type LedgerHashAlgorithm } from './hash.js';
import { COSIGNATURE_ED25519, formatVerifierKey, openLogKey, parseVerifierKey, type LogKey } from './note-key.js';
import { parseNote, type NoteSignature } from './note.js';
import { verifyConsistency } from './verify.js';

/**
 * Witness cosignatures, C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature),
 * Ed25519 type only. A cosignature is a signed-note signature line on a checkpoint:
 *
 *   key ID    = SHA-256(<name> ‖ "\n" ‖ 0x04 ‖ 32-byte public key)[:4]     ("Format")
 *   line      = — <name> base64(key ID ‖ u64 big-endian timestamp ‖ 64-byte Ed25519 signature)
 *   message   = "cosignature/v1\n" ‖ "time <POSIX seconds>\n" ‖ the whole note body   ("Ed25519 signed message")
 *
 * The message does not commit to the witness name, so one key must serve one
 * witness only. A witness's key is an ordinary LogKey; its vkey has type 0x04
 * (`witnessVerifierKey`), so it never verifies plain notes and vice versa.
 */

const HEADER = 'cosignature/v1\n';
const SIGNATURE_BYTES = 8 + 64;
/** The spec caps the timestamp at 2^63 - 1; a JavaScript Date stops at 8.64e15 ms, so that is our cap. */
const MAX_SECONDS = 8_640_000_000_000;
/** tlog-witness "add-checkpoint": a client MUST NOT send more than 63 consistency proof lines. */
export const MAX_WITNESS_PROOF_HASHES = 63;

function cosignedMessage(text: string, seconds: number): Buffer {
  return Buffer.from(`${HEADER}time ${seconds}\n${text}`, 'utf8');
}

/** The note text, checked to be a tlog-checkpoint: a cosignature speaks about checkpoints only. */
function checkpointBody(note: string | Uint8Array): string {
  const { text } = parseNote(note);
  parseCheckpointText(text);
  return text;
}

function openWitnessKey(key: LogKey): { name: string; keyId: number; privateKey: KeyObject; vkey: string } {
  const { name, privateKey } = openLogKey(key);
  const vkey = formatVerifierKey(name, createPublicKey(privateKey), COSIGNATURE_ED25519);
  return { name, keyId: parseVerifierKey(vkey, COSIGNATURE_ED25519).keyId, privateKey, vkey };
}

/** The vkey of a witness key for cosignature/v1 (`<name>+<key ID>+base64(0x04 ‖ public key)`). */
export function witnessVerifierKey(witnessKey: LogKey): string {
  return openWitnessKey(witnessKey).vkey;
}

function signatureLine(name: string, keyId: number, signature: Uint8Array): string {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(keyId);
  return `\u2014 ${name} ${encodeBase64(Buffer.concat([id, signature]))}\n`;
}

/**
 * Produce a cosignature line ("— <name> <base64>\n") for a checkpoint note the
 * witness has verified (this function checks only that it is a checkpoint).
 * `time` is truncated to whole seconds.
 */
export function cosignCheckpoint(checkpointNote: string | Uint8Array, witnessKey: LogKey, time: Date): string {
  const ms = time instanceof Date ? time.getTime() : NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidInputError({ zh: '副署时间无效', en: 'invalid cosignature time' });
  }
  const seconds = Math.floor(ms / 1000);
  const text = checkpointBody(checkpointNote);
  const { name, keyId, privateKey } = openWitnessKey(witnessKey);
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(seconds));
  const signature = sign(null, cosignedMessage(text, seconds), privateKey);
  return signatureLine(name, keyId, Buffer.concat([stamp, signature]));
}

/** Split a cosignature's bytes after the key ID; undefined when they cannot be one. */
function timestamped(sig: NoteSignature): { seconds: number; signature: Uint8Array } | undefined {
  if (sig.signature.length !== SIGNATURE_BYTES) return undefined;
  const seconds = Buffer.from(sig.signature).readBigUInt64BE(0);
  if (seconds > BigInt(MAX_SECONDS)) return undefined;
  return { seconds: Number(seconds), signature: sig.signature.subarray(8) };
}

function ed25519Verify(message: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Verify the cosignature of the witness `witnessVkey` (type 0x04) on a
 * checkpoint note; returns its timestamp (the latest, if the witness signed
 * more than once). Throws InvalidNoteError: 'untrusted' if the witness did not
 * cosign, 'bad-signature' if a line claiming its key does not verify. A
 * timestamp in the future is not refused here: compare `time` with your clock.
 */
export function verifyCosignature(checkpointNote: string | Uint8Array, witnessVkey: string): { time: Date } {
  const witness = parseVerifierKey(witnessVkey, COSIGNATURE_ED25519);
  const { text, signatures } = parseNote(checkpointNote);
  parseCheckpointText(text);
  let latest: number | undefined;
  for (const sig of signatures) {
    if (sig.name !== witness.name || sig.keyId !== witness.keyId) continue;
    const parts = timestamped(sig);
    if (
      parts === undefined ||
      !ed25519Verify(cosignedMessage(text, parts.seconds), parts.signature, witness.publicKey)
    ) {
      throw new InvalidNoteError(
        'bad-signature',
        { zh: `见证方 ${sig.name} 的副署签名无效`, en: `invalid cosignature by witness ${sig.name}` },
        { details: { key: sig.name, keyId: sig.keyId } },
      );
    }
    latest = Math.max(latest ?? 0, parts.seconds);
  }
  if (latest === undefined) {
    throw new InvalidNoteError(
      'untrusted',
      {
        zh: `检查点没有见证方 ${witness.name} 的副署`,
        en: `the checkpoint has no cosignature by witness ${witness.name}`,
      },
      { details: { key: witness.name, keyId: witness.keyId } },
    );
  }
  return { time: new Date(latest * 1000) };
}

/**
 * Append signature lines (e.g. a tlog-witness response body, or lines from
 * `cosignCheckpoint`) to a signed checkpoint note. Each string holds one or
 * more lines, each ending in "\n". A line whose name and key ID the note
 * already carries is dropped (the first one wins). Syntax only: verify the
 * result with `verifyCosignature`. Throws InvalidNoteError ('malformed').
 */
export function addCosignatures(checkpointNote: string | Uint8Array, lines: readonly string[]): string {
  const note = parseNote(checkpointNote);
  if (!Array.isArray(lines) || !lines.every((l) => typeof l === 'string' && l.endsWith('\n'))) {
    throw malformedNote('each cosignature line must end in a newline');
  }
  const block = lines.join('');
  if (block.startsWith('\n') || block.includes('\n\n')) throw malformedNote('empty cosignature line');
  const added = block.length === 0 ? [] : parseNote(`${note.text}\n${block}`).signatures;
  const seen = new Set<string>();
  let out = `${note.text}\n`;
  for (const sig of [...note.signatures, ...added]) {
    const id = `${sig.name}+${sig.keyId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out += signatureLine(sig.name, sig.keyId, sig.signature);
  }
  parseNote(out); // at most MAX_NOTE_SIGNATURES lines
  return out;
}

/** Why a witness refused a checkpoint (details.reason). */
export type WitnessFailure =
  // E_WITNESS_BAD_REQUEST: the request is wrong, the log did nothing provably bad.
  | 'malformed' // not a checkpoint note, a root or proof hash of the wrong size, a proof where none belongs
  | 'bad-signature' // a signature by the log key does not verify
  | 'untrusted' // no signature by the log key (tlog-witness answers 403)
  // E_WITNESS_CONFLICT: the checkpoint contradicts what the witness cosigned before.
  | 'old-size-mismatch' // the client's "old" size is not the size the witness holds (409, body: details.latestSize)
  | 'smaller-size' // the log went back: the tree is smaller than one already cosigned
  | 'fork' // same size, different root: the log rewrote its history
  | 'inconsistent-proof'; // the consistency proof does not verify (tlog-witness answers 422)

export type WitnessErrorCode = 'E_WITNESS_BAD_REQUEST' | 'E_WITNESS_CONFLICT';

const BAD_REQUEST: readonly WitnessFailure[] = ['malformed', 'bad-signature', 'untrusted'];

/** A checkpoint the witness will not cosign. Its input is untrusted by nature: this is an expected outcome. */
export class WitnessError extends YinjiError {
  override readonly name = 'WitnessError';
  override readonly code: WitnessErrorCode;
  readonly reason: WitnessFailure;
  constructor(reason: WitnessFailure, message: Message, options: YinjiErrorOptions = {}) {
    const code = BAD_REQUEST.includes(reason) ? 'E_WITNESS_BAD_REQUEST' : 'E_WITNESS_CONFLICT';
    super(code, message, { ...options, details: { reason, ...options.details } });
    this.code = code;
    this.reason = reason;
  }
}

/** The tree a witness last cosigned for one log origin. */
export interface WitnessedTree {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

export interface WitnessRequest {
  /** What this witness last cosigned for the checkpoint's origin; undefined on first sight. */
  readonly previous: WitnessedTree | undefined;
  /** The checkpoint as the log sent it (it may carry other signatures and cosignatures). */
  readonly checkpointNote: string | Uint8Array;
  /** The log's verifier key(s) this witness trusts for the origin. */
  readonly logVkey: string | readonly string[];
  /** If set, the checkpoint's origin must be this one (the origin `previous` was read for). */
  readonly origin?: string;
  /** The tlog-witness "old <size>" line, if the request had one; default: the size in `previous` (0 if none). */
  readonly oldSize?: number;
  /** RFC 9162 §2.1.4 consistency proof from `previous.size` to the checkpoint's size; empty on first sight. */
  readonly proof: readonly Uint8Array[];
  /** The log's hash. Default 'sha256'. */
  readonly alg?: LedgerHashAlgorithm;
  readonly witnessKey: LogKey;
  readonly now: Date;
}

export interface WitnessResult {
  /** The cosignature line to return to the log. */
  readonly cosignature: string;
  /** The state to record — atomically, and only if `previous` is still the recorded one (tlog-witness). */
  readonly state: WitnessedTree;
  /** The checkpoint, verified by the log key. */
  readonly checkpoint: ParsedCheckpoint;
}

function conflict(reason: WitnessFailure, latestSize: number, en: string, zh: string): WitnessError {
  return new WitnessError(reason, { zh, en }, { details: { latestSize } });
}

function badRequest(reason: WitnessFailure, en: string, zh: string, cause?: unknown): WitnessError {
  return new WitnessError(reason, { zh, en }, cause === undefined ? {} : { cause });
}

const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;

/**
 * The witness side of tlog-witness "add-checkpoint": verify the log's
 * signature, that the checkpoint extends the tree this witness last cosigned
 * (RFC 9162 §2.1.4.2; an equal size needs an equal root), then cosign. Pure:
 * the caller stores `state` (compare-and-swap on `previous`) before answering.
 * Every input but `previous`, `logVkey`, `witnessKey` and `now` is
 * attacker-controlled. Throws WitnessError.
 */
export function witnessCheckpoint(request: WitnessRequest): WitnessResult {
  const { previous, checkpointNote, proof } = request;
  const alg = request.alg ?? DEFAULT_LEDGER_HASH;
  if (previous !== undefined && (!isSize(previous.size) || !isHash(previous.rootHash))) {
    throw new InvalidInputError({ zh: '见证方记录的状态无效', en: 'invalid recorded witness state' });
  }
  let cp: ParsedCheckpoint;
  try {
    cp = verifyCheckpoint(
      checkpointNote,
      request.logVkey,
      request.origin === undefined ? {} : { origin: request.origin },
    );
  } catch (e) {
    if (!(e instanceof InvalidNoteError)) throw e;
    const reason = e.reason === 'bad-signature' || e.reason === 'untrusted' ? e.reason : 'malformed';
    throw badRequest(reason, `checkpoint refused: ${e.message}`, `检查点被拒绝：${e.zh}`, e);
  }
  const { size, root } = cp;
  if (!isHash(root)) throw badRequest('malformed', 'the root hash has the wrong size', '根哈希长度错误');
  if (size === 0 && !bytesEqual(root, emptyRoot(alg))) {
    throw badRequest('malformed', 'the root of an empty tree must be HASH("")', '空树的根哈希必须是 HASH("")');
  }
  if (!Array.isArray(proof) || proof.length > MAX_WITNESS_PROOF_HASHES || !proof.every(isHash)) {
    throw badRequest('malformed', 'malformed consistency proof', '一致性证明格式错误');
  }
  const latest = previous?.size ?? 0;
  if (request.oldSize !== undefined) {
    if (!isSize(request.oldSize) || request.oldSize > size) {
      throw badRequest('malformed', 'the old size exceeds the checkpoint size', '旧树大小超过检查点的树大小');
    }
    if (request.oldSize !== latest) {
      throw conflict('old-size-mismatch', latest, `the witness holds size ${latest}`, `见证方记录的树大小为 ${latest}`);
    }
  }
  if (previous === undefined) {
    if (proof.length > 0) throw badRequest('malformed', 'a first checkpoint takes no proof', '首个检查点不应附带证明');
  } else if (size < previous.size) {
    throw conflict(
      'smaller-size',
      latest,
      `the log went back from size ${previous.size} to ${size}: it rewrote its history`,
      `日志的树大小从 ${previous.size} 回退到 ${size}：日志改写了历史`,
    );
  } else if (size === previous.size) {
    if (!bytesEqual(root, previous.rootHash)) {
      throw conflict(
        'fork',
        latest,
        `a different root at size ${size}: the log rewrote its history`,
        `树大小 ${size} 处出现不同的根哈希：日志改写了历史`,
      );
    }
    if (proof.length > 0) throw badRequest('malformed', 'equal sizes take no proof', '树大小相同时不应附带证明');
  } else if (
    !verifyConsistency({ size1: previous.size, size2: size, proof, root1: previous.rootHash, root2: root, alg })
  ) {
    throw conflict(
      'inconsistent-proof',
      latest,
      `the checkpoint at size ${size} is not proved to extend size ${previous.size}: the log may have rewritten its history`,
      `无法证明树大小 ${size} 的检查点延续了树大小 ${previous.size}：日志可能改写了历史`,
    );
  }
  return {
    cosignature: cosignCheckpoint(checkpointNote, request.witnessKey, request.now),
    state: { size, rootHash: root },
    checkpoint: cp,
  };
}
