/**
 * Partner centers (馆际互备, issue 7 item 1): pairing by exchanged tokens,
 * and the signed requests between paired centers.
 *
 * Pairing: each center prints a token (`yinji peer token`) carrying its id,
 * name, URL, request-signing key and log key, signed by that key; the other
 * center's operator adds it (`yinji peer add <token>`) after comparing the
 * key fingerprint with the partner by a second channel (the phone). The
 * token proves only that whoever made it holds the key; the fingerprint
 * check is what makes it the partner's.
 */
import { NotFoundError, ConflictError, InvalidInputError } from '../core/index.js';
import { parseVerifierKey } from '../ledger/index.js';
import type { ReplicaTarget as TargetRow } from '../db/index.js';
import {
  HostedStore,
  PeerAuthError,
  PeerClient,
  PeerTarget,
  StorageTarget,
  createPairingToken,
  isReplicaEncryption,
  keyFingerprint,
  parsePairingToken,
  peerPublicKey,
  rawPublicKey,
  verifyRequest,
  type CopyCipher,
  type PeerSigningKey,
  type ReplicaEncryption,
  type ReplicaTarget,
} from '../replication/index.js';
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import type { Center } from './center.js';
import { openStorageAt } from './open-storage.js';

export function peerSigningKey(center: Center): PeerSigningKey {
  return { keyId: center.config.centerId, privateKey: center.evidence.keys.peer };
}

/** This center's own peer key, raw base64, as partners store it. */
export function ownPeerKey(center: Center): string {
  return rawPublicKey(createPublicKey(center.evidence.keys.peer));
}

export interface PairingTokenInfo {
  readonly token: string;
  readonly fingerprint: string;
}

/** The token this center gives its partners (`yinji peer token`). */
export function pairingToken(center: Center, url = center.config.publicUrl): PairingTokenInfo {
  const token = createPairingToken(
    {
      centerId: center.config.centerId,
      name: center.config.centerName,
      url,
      logKey: center.evidence.keys.log.verifierKey,
      issuedAt: center.clock.now().toISOString(),
    },
    center.evidence.keys.peer,
  );
  return { token, fingerprint: keyFingerprint(ownPeerKey(center)) };
}

export function checkEncryption(value: string): ReplicaEncryption {
  if (!isReplicaEncryption(value)) {
    throw new InvalidInputError({
      zh: `加密方式 "${value}" 不支持（可用：none、aes-256-gcm、sm4）`,
      en: `unsupported encryption "${value}" (known: none, aes-256-gcm, sm4)`,
    });
  }
  return value;
}

/** Add (or update) a partner from its pairing token. */
export async function addPeer(
  center: Center,
  token: string,
  options: { encryption?: string; url?: string; replace?: boolean } = {},
): Promise<TargetRow & { fingerprint: string }> {
  const identity = parsePairingToken(token, { now: center.clock.now() });
  if (identity.centerId === center.config.centerId) {
    throw new InvalidInputError({ zh: '这是本中心自己的配对令牌', en: 'this is this center’s own pairing token' });
  }
  const existing = await center.db.replicaTargets.get(identity.centerId);
  if (existing !== undefined && existing.removedAt === null && existing.kind !== 'peer') {
    throw new ConflictError({
      zh: `已有名为 ${identity.centerId} 的存储目标`,
      en: `a storage target is already called ${identity.centerId}`,
    });
  }
  // A new key for a known partner takes over everything it holds here: only when the operator says so.
  if (existing?.peerKey != null && existing.peerKey !== identity.peerKey && options.replace !== true) {
    throw new ConflictError(
      {
        zh: `伙伴中心 ${identity.centerId} 的密钥变了（原指纹 ${keyFingerprint(existing.peerKey)}，新指纹 ${keyFingerprint(identity.peerKey)}）；核实后用 --replace 更换`,
        en: `partner ${identity.centerId} has a new key (was ${keyFingerprint(existing.peerKey)}, now ${keyFingerprint(identity.peerKey)}); confirm it, then use --replace`,
      },
      { details: { peer: identity.centerId } },
    );
  }
  // Witness state is kept per partner, but no two partners may claim one log.
  const origin = parseVerifierKey(identity.logKey).name;
  for (const other of await center.db.replicaTargets.list({ kind: 'peer' })) {
    if (other.id !== identity.centerId && other.logKey !== null && parseVerifierKey(other.logKey).name === origin) {
      throw new ConflictError({
        zh: `伙伴中心 ${other.id} 已使用日志 ${origin}`,
        en: `partner ${other.id} already has log ${origin}`,
      });
    }
  }
  const row = await center.db.replicaTargets.put({
    id: identity.centerId,
    kind: 'peer',
    name: identity.name,
    location: options.url ?? identity.url,
    // Re-adding keeps how copies there are encrypted unless a new choice is given.
    encryption: checkEncryption(options.encryption ?? existing?.encryption ?? 'aes-256-gcm'),
    peerKey: identity.peerKey,
    logKey: identity.logKey,
  });
  return { ...row, fingerprint: keyFingerprint(identity.peerKey) };
}

/** Add a second storage root (another disk or an S3 bucket) as a replica target. */
export async function addStorageTarget(
  center: Center,
  id: string,
  location: string,
  options: { encryption?: string; name?: string } = {},
): Promise<TargetRow> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
    throw new InvalidInputError({
      zh: `目标名 "${id}" 只能包含字母、数字、点、下划线和连字符`,
      en: `target name "${id}" may hold letters, digits, dots, underscores and hyphens only`,
    });
  }
  const existing = await center.db.replicaTargets.get(id);
  if (existing !== undefined && existing.removedAt === null && existing.kind !== 'storage') {
    throw new ConflictError({ zh: `已有名为 ${id} 的伙伴中心`, en: `a partner center is already called ${id}` });
  }
  const target = await center.db.replicaTargets.put({
    id,
    kind: 'storage',
    name: options.name ?? id,
    location,
    encryption: checkEncryption(options.encryption ?? 'none'),
  });
  // Fail now, not at the first copy, when the location cannot be used.
  const opened = await openTarget(center, target);
  await opened.close();
  return target;
}

export async function removeTarget(center: Center, id: string): Promise<void> {
  if (!(await center.db.replicaTargets.remove(id))) {
    throw new NotFoundError({ zh: `没有备份目标 ${id}`, en: `no replica target ${id}` });
  }
}

export async function requireTarget(center: Center, id: string): Promise<TargetRow> {
  const t = await center.db.replicaTargets.get(id);
  if (t === undefined || t.removedAt !== null) {
    throw new NotFoundError({ zh: `没有备份目标 ${id}`, en: `no replica target ${id}` });
  }
  return t;
}

export function peerClient(center: Center, peer: TargetRow): PeerClient {
  if (peer.kind !== 'peer' || peer.peerKey === null) throw new Error(`${peer.id} is not a partner center`);
  return new PeerClient(
    peerSigningKey(center),
    { id: peer.id, url: peer.location, publicKey: peerPublicKey(peer.peerKey) },
    () => center.clock.now(),
  );
}

/** A target row as something to copy to. */
export async function openTarget(center: Center, target: TargetRow): Promise<ReplicaTarget> {
  if (target.kind === 'peer') return new PeerTarget(peerClient(center, target));
  const storage = await openStorageAt(center.config, target.location);
  await storage.init();
  return new StorageTarget(
    target.id,
    storage,
    (objectId) => center.store.objectRoot(objectId),
    join(center.dataDir, 'quarantine'),
  );
}

/** How copies at `target` are written (its current setting), or were written (`encryption` of a recorded copy). */
export function cipherFor(
  center: Center,
  target: Pick<TargetRow, 'id' | 'encryption'>,
  encryption?: string,
): CopyCipher {
  return {
    targetId: target.id,
    encryption: checkEncryption(encryption ?? target.encryption),
    key: center.evidence.keys.replica,
  };
}

export function hostedStore(center: Center): HostedStore {
  return new HostedStore(center.config.hostedDir, center.db, () => center.clock.now());
}

/**
 * Who sent a signed peer request: the partner whose key verifies it. The
 * nonce is recorded so the same request is refused a second time (replay).
 */
export async function authenticatePeer(
  center: Center,
  request: {
    method: string;
    path: string;
    headers: Readonly<Record<string, string | string[] | undefined>>;
    hasBody: boolean;
  },
): Promise<{ peer: TargetRow; nonce: string }> {
  const peers = new Map(
    (await center.db.replicaTargets.list({ kind: 'peer' })).filter((p) => p.peerKey !== null).map((p) => [p.id, p]),
  );
  const verified = verifyRequest(
    request,
    (keyId) => {
      const p = peers.get(keyId);
      return p === undefined ? undefined : peerPublicKey(p.peerKey!);
    },
    { now: center.clock.now(), recipient: center.config.centerId },
  );
  if (!(await center.db.peerNonces.use(verified.keyId, verified.nonce, verified.expires.toISOString()))) {
    throw new PeerAuthError({ zh: '重放的请求（随机数已用过）', en: 'replayed request (nonce already used)' });
  }
  if (Math.random() < 0.01) await center.db.peerNonces.purgeExpired();
  return { peer: peers.get(verified.keyId)!, nonce: verified.nonce };
}
