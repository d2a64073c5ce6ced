/**
 * Witnessing (issue 7 item 7; C2SP tlog-witness, tlog-cosignature): paired
 * centers cosign each other's log checkpoints after checking that each new
 * checkpoint extends the last one they cosigned (an RFC 9162 consistency
 * proof). A center that rewrites its log — to drop or alter a registration —
 * cannot get that past a partner that saw the old history: the partner
 * refuses, records the conflict and raises an alert; and checkpoints a center
 * shows with its partners' cosignatures are ones its partners saw too.
 *
 * The witness key is the center's peer key (Ed25519) under the name
 * `<log origin>/witness`, signing with the cosignature/v1 type byte, so the
 * log side derives the witness's verifier key from the pairing token alone.
 */
import { createPublicKey } from 'node:crypto';
import { ConflictError, isYinjiError } from '../core/index.js';
import type { Cosignature, ReplicaTarget as TargetRow, WitnessState } from '../db/index.js';
import {
  COSIGNATURE_ED25519,
  NOTE_ED25519,
  addCosignatures,
  formatVerifierKey,
  parseCheckpoint,
  parseVerifierKey,
  verifyCosignature,
  witnessCheckpoint,
  WitnessError,
  type LogKey,
} from '../ledger/index.js';
import { peerPublicKey } from '../replication/index.js';
import type { Center } from './center.js';
import { peerClient } from './peers.js';

function witnessName(logOrigin: string): string {
  return `${logOrigin}/witness`;
}

/** This center's witness key. */
export function witnessKey(center: Center): LogKey {
  const name = witnessName(center.config.logOrigin);
  const key = center.evidence.keys.peer;
  return {
    name,
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    verifierKey: formatVerifierKey(name, createPublicKey(key), NOTE_ED25519),
  };
}

/** The verifier key of a partner's cosignatures, from what its pairing token said. */
export function partnerWitnessKey(peer: Pick<TargetRow, 'peerKey' | 'logKey'>): string {
  const origin = parseVerifierKey(peer.logKey!).name;
  return formatVerifierKey(witnessName(origin), peerPublicKey(peer.peerKey!), COSIGNATURE_ED25519);
}

export interface WitnessRequestBody {
  readonly checkpoint: string;
  /** Base64 hashes of the consistency proof from `oldSize`. */
  readonly proof: readonly string[];
  readonly oldSize: number;
  /** The partner's log hash. */
  readonly hash?: 'sha256' | 'sm3';
}

/** As a witness: the partner's checkpoint this center cosigned last, if any. */
export async function witnessedFor(center: Center, peer: TargetRow): Promise<WitnessState | undefined> {
  return center.db.witness.state(peer.id);
}

/**
 * As a witness: cosign a partner's checkpoint if it extends what this center
 * cosigned before; the conflict of a rewritten log is recorded (an event and
 * an error in the log) before it is refused.
 */
export async function cosignForPartner(center: Center, peer: TargetRow, body: WitnessRequestBody): Promise<string> {
  const origin = parseVerifierKey(peer.logKey!).name;
  // Kept per partner, not per origin name: a partner cannot move the state kept for another's log.
  const previous = await center.db.witness.state(peer.id);
  let result;
  try {
    result = witnessCheckpoint({
      previous: previous && { size: previous.size, rootHash: Buffer.from(previous.rootHash, 'hex') },
      checkpointNote: body.checkpoint,
      logVkey: peer.logKey!,
      origin,
      oldSize: body.oldSize,
      proof: body.proof.map((p) => Buffer.from(p, 'base64')),
      alg: body.hash ?? 'sha256',
      witnessKey: witnessKey(center),
      now: center.clock.now(),
    });
  } catch (e) {
    if (
      e instanceof WitnessError &&
      e.code === 'E_WITNESS_CONFLICT' &&
      previous !== undefined &&
      body.oldSize === previous.size
    ) {
      // Not a stale request but a log that does not extend what we saw: say so loudly.
      center.logger.error(
        { peer: peer.id, origin, err: e },
        'a partner log is inconsistent with the checkpoint this center cosigned',
      );
      await center.db.events.append({
        type: 'witness-conflict',
        agent: center.instanceId,
        outcome: 'failure',
        detail: { peer: peer.id, origin, cosignedSize: previous.size, offered: body.checkpoint.slice(0, 2000) },
      });
    }
    throw e;
  }
  const advanced = await center.db.witness.advance(peer.id, previous?.size, {
    size: result.state.size,
    rootHash: Buffer.from(result.state.rootHash).toString('hex'),
    checkpoint: body.checkpoint,
  });
  if (!advanced) {
    throw new ConflictError({
      zh: '并发的见证请求，请重试',
      en: 'a concurrent witness request moved the state; retry',
    });
  }
  return result.cosignature;
}

/**
 * As a log: ask every partner to cosign the current checkpoint, with a
 * consistency proof from the size it last cosigned. Returns the cosignatures
 * gained; a partner that is down is skipped (and asked again next time).
 */
export async function requestCosignatures(
  center: Center,
): Promise<{ size: number; cosigned: string[]; failed: { peer: string; error: string }[] }> {
  const cp = await center.evidence.checkpoint(center.db);
  const last = new Map((await center.db.witness.latestCosignatures()).map((c) => [c.witnessId, c.logSize]));
  const log = center.evidence.log(center.db);
  const cosigned: string[] = [];
  const failed: { peer: string; error: string }[] = [];
  for (const peer of await center.db.replicaTargets.list({ kind: 'peer' })) {
    if (peer.logKey === null || last.get(peer.id) === cp.size) continue;
    try {
      await askOne(center, peer, cp, last.get(peer.id) ?? 0, log);
      cosigned.push(peer.id);
    } catch (e) {
      failed.push({ peer: peer.id, error: isYinjiError(e) ? e.code : (e as Error).message });
      center.logger.warn({ peer: peer.id, err: e }, 'partner did not cosign the checkpoint');
    }
  }
  return { size: cp.size, cosigned, failed };
}

async function askOne(
  center: Center,
  peer: TargetRow,
  cp: { size: number; note: string },
  fromSize: number,
  log: ReturnType<Center['evidence']['log']>,
): Promise<void> {
  const client = peerClient(center, peer);
  const ask = async (oldSize: number): Promise<{ cosignature: string }> => {
    const proof = oldSize > 0 && oldSize < cp.size ? await log.consistencyProof(oldSize, cp.size) : [];
    return client.json('POST', '/witness', {
      checkpoint: cp.note,
      oldSize,
      proof: proof.map((p) => Buffer.from(p).toString('base64')),
      hash: center.config.logHash,
    });
  };
  let answer;
  try {
    answer = await ask(fromSize);
  } catch (e) {
    // The partner cosigned a later size than we recorded (its answer was lost): it says which.
    const latest = isYinjiError(e) ? Number((e.details as { latestSize?: unknown }).latestSize) : NaN;
    if (!Number.isInteger(latest) || latest === fromSize || latest > cp.size) throw e;
    answer = await ask(latest);
  }
  // Exactly one line, by this partner's witness key: nothing else it sends is kept (another witness's name
  // in a second line would crowd out that witness's real cosignature in receipts).
  const vkey = partnerWitnessKey(peer);
  const lines = String(answer.cosignature)
    .split('\n')
    .filter((l) => l !== '');
  const [name, keyId] = vkey.split('+');
  const line = lines[0];
  if (lines.length !== 1 || line === undefined || !line.startsWith(`\u2014 ${name} `)) {
    throw new WitnessError('malformed', {
      zh: `伙伴 ${peer.id} 的副署不是一行本方签名`,
      en: `partner ${peer.id} did not answer with one cosignature line of its own`,
    });
  }
  const sig = Buffer.from(line.slice(`\u2014 ${name} `.length), 'base64');
  if (sig.length < 4 || sig.subarray(0, 4).toString('hex') !== keyId) {
    throw new WitnessError('untrusted', {
      zh: `伙伴 ${peer.id} 的副署密钥不符`,
      en: `partner ${peer.id} cosigned with another key`,
    });
  }
  verifyCosignature(addCosignatures(cp.note, [`${line}\n`]), vkey);
  await center.db.witness.addCosignature({ logSize: cp.size, witnessId: peer.id, cosignature: `${line}\n` });
}

/** The checkpoint at `size` with every cosignature partners gave it (for receipts and the log API). */
export async function cosignedCheckpoint(
  center: Center,
  note: string,
): Promise<{ note: string; cosignatures: readonly Cosignature[] }> {
  const size = parseCheckpoint(note).size;
  const cosignatures = await center.db.witness.cosignatures(size);
  return {
    note:
      cosignatures.length === 0
        ? note
        : addCosignatures(
            note,
            cosignatures.map((c) => c.cosignature),
          ),
    cosignatures,
  };
}
