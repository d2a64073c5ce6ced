/**
 * Rebuild a center from a partner (issue 7 item 6: "a new, empty center with
 * the same keys rebuilds its holdings and database from peer replicas"). The
 * partner holds the center's OCFL objects and its log (log-replication.ts);
 * the new center, opened on an empty database and store with the old keys
 * and configuration, takes both back:
 *
 *  1. The log: every leaf, in order, from the segments. Its Merkle root is
 *     checked against the checkpoint the partner last cosigned (and that
 *     the center's own log key signed): the history comes back as the
 *     partner witnessed it, or the rebuild stops.
 *  2. The objects: each version's inventory must have the SHA-256 its log
 *     statement names; content is checked against the inventory as it is
 *     written. Sidecars, NAMASTE and the root inventory are derived.
 *  3. The database: the log's leaves appended as they were, and each
 *     registration version's rows from the object's own record, with the
 *     evidence (statement, leaf index, RFC 3161 token) from the log. The
 *     registration-number and TSA serial counters move past every number used.
 *
 * Accounts, sessions, submissions and the security audit log are not in the
 * objects or the log: they start afresh (the audit log's anchors stay in the
 * log). Run `yinji audit --all` afterwards.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ConflictError, InvalidInputError, StorageError, parseRegno, regnoSeries } from '../core/index.js';
import type { CheckReport } from '../checks/index.js';
import { STATEMENT_TYPE } from '../certificate/index.js';
import type { DigestAlgorithm } from '../digest/index.js';
import { MerkleLog, leafHash, rootOf, verifyCheckpoint } from '../ledger/index.js';
import { PeerTarget, cipherContext, decryptAny, type ReplicaTarget } from '../replication/index.js';
import {
  INVENTORY,
  OBJECT_NAMASTE,
  OBJECT_NAMASTE_CONTENT,
  joinPath,
  sidecarContent,
  versionName,
  type Inventory,
} from '../store/index.js';
import type { Center } from './center.js';
import { LOG_SEGMENT, logObjectId, parseSegmentPath, type LogLine } from './log-replication.js';
import { peerClient, requireTarget } from './peers.js';
import { insertVersionRows } from './record-registration.js';
import { CHECK_REPORT_PATH, RECORD_PATH, parseRecord } from './registration-record.js';

export interface RebuildReport {
  readonly from: string;
  readonly leaves: number;
  readonly registrations: number;
  readonly versions: number;
  readonly files: number;
  readonly bytes: number;
  /** The partner's last cosigned checkpoint, and that the rebuilt log matches it; null when it had cosigned none. */
  readonly witnessed: { readonly size: number } | null;
}

export interface RebuildProgress {
  readonly phase: 'log' | 'objects' | 'database';
  readonly done: number;
  readonly total: number;
}

interface Statement {
  readonly type: string;
  readonly regno: string;
  readonly version: number;
  readonly object: string;
  readonly inventory: string;
}

function corrupt(zh: string, en: string, details: Record<string, unknown> = {}): StorageError {
  return new StorageError('E_STORAGE_CORRUPT', { zh: `重建中止：${zh}`, en: `rebuild stopped: ${en}` }, { details });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A non-content file of an object (or a log segment), decrypted; these are small. */
async function fetchSmall(center: Center, target: ReplicaTarget, objectId: string, path: string): Promise<Buffer> {
  const context = cipherContext(target.id, objectId, { path, digest: { algorithm: 'sha256', hex: '' } });
  const stream = decryptAny(await target.read(objectId, path), center.evidence.keys.replica, context);
  return readAll(stream);
}

export async function rebuildFromPeer(
  center: Center,
  peerId: string,
  onProgress?: (p: RebuildProgress) => void,
): Promise<RebuildReport> {
  if ((await center.db.ledger.size()) > 0 || (await center.db.registrations.list({ limit: 1 })).items.length > 0) {
    throw new ConflictError({
      zh: '只能在空的中心上重建：新建数据目录，复制原中心的 keys/ 与 config.json，添加伙伴后再运行',
      en: 'only an empty center can be rebuilt: make a new data directory with the old keys/ and config.json, add the partner, then run this',
    });
  }
  const row = await requireTarget(center, peerId);
  if (row.kind !== 'peer') {
    throw new InvalidInputError({ zh: `${peerId} 不是伙伴中心`, en: `${peerId} is not a partner center` });
  }
  const target = new PeerTarget(peerClient(center, row));
  const alg = center.config.logHash;

  // 1. The log.
  const logId = logObjectId(center.config.centerId);
  const longest = new Map<number, { end: number; path: string }>();
  for (const f of await target.files(logId)) {
    const seg = parseSegmentPath(f.path);
    if (seg !== undefined && (longest.get(seg.start)?.end ?? -1) < seg.end)
      longest.set(seg.start, { end: seg.end, path: f.path });
  }
  const lines: LogLine[] = [];
  for (let start = 0; longest.has(start); start += LOG_SEGMENT) {
    const seg = longest.get(start)!;
    const text = (await fetchSmall(center, target, logId, seg.path)).toString('utf8');
    for (const raw of text.split('\n').filter((l) => l !== '')) lines.push(JSON.parse(raw) as LogLine);
    onProgress?.({ phase: 'log', done: lines.length, total: lines.length });
    if (seg.end < start + LOG_SEGMENT - 1) break; // the head segment
  }
  lines.forEach((l, i) => {
    if (l.index !== i) throw corrupt(`日志第 ${i} 条缺失`, `log leaf ${i} is missing`, { index: i });
  });
  const hashes = lines.map((l) => leafHash(Buffer.from(l.data, 'utf8'), alg));
  const note = await target.witnessed();
  let witnessed: RebuildReport['witnessed'] = null;
  if (note !== undefined) {
    const cp = verifyCheckpoint(note, center.evidence.keys.log.verifierKey);
    if (cp.origin !== center.config.logOrigin) {
      throw corrupt(
        `伙伴见证的日志是 ${cp.origin}，本中心配置的是 ${center.config.logOrigin}：请在 config.json 中使用原中心的 logOrigin`,
        `the partner witnessed log ${cp.origin}, this center is configured as ${center.config.logOrigin}: use the old center's logOrigin in config.json`,
      );
    }
    if (cp.size > lines.length) {
      throw corrupt(
        `伙伴见证过 ${cp.size} 条，但只保存了 ${lines.length} 条`,
        `the partner witnessed ${cp.size} leaves but holds ${lines.length}`,
      );
    }
    if (!Buffer.from(rootOf(hashes.slice(0, cp.size), alg)).equals(Buffer.from(cp.root))) {
      throw corrupt('重建的日志与伙伴见证的历史不符', 'the rebuilt log differs from the history the partner witnessed');
    }
    witnessed = { size: cp.size };
  }

  // 2. The objects, as the log's statements name them.
  const statements = new Map<string, Map<number, Statement & { index: number; token?: string }>>();
  for (const l of lines) {
    const s = JSON.parse(l.data) as Statement & { center?: string };
    if (s.type !== STATEMENT_TYPE) continue;
    if (s.center !== center.config.centerId) {
      throw corrupt(
        `日志属于中心 ${s.center ?? '?'}，本中心配置为 ${center.config.centerId}：请在 config.json 中使用原中心的 centerId`,
        `the log is center ${s.center ?? '?'}'s, this one is configured as ${center.config.centerId}: use the old center's centerId in config.json`,
      );
    }
    if (l.token === undefined) throw corrupt(`第 ${l.index} 条缺少时间戳`, `leaf ${l.index} has no timestamp token`);
    if (!statements.has(s.object)) statements.set(s.object, new Map());
    statements.get(s.object)!.set(s.version, { ...s, index: l.index, token: l.token });
  }
  let files = 0;
  let bytes = 0;
  let done = 0;
  for (const [objectId, versions] of statements) {
    const written = await restoreObject(center, target, objectId, versions);
    files += written.files;
    bytes += written.bytes;
    onProgress?.({ phase: 'objects', done: ++done, total: statements.size });
  }

  // 3. The database: the log as it was, then each version's rows with its evidence.
  const log = new MerkleLog(center.db.ledger, { alg });
  for (let i = 0; i < lines.length; i += 1000) {
    await center.db.transaction(async (tx) => {
      await tx.ledger.lockHead();
      await new MerkleLog(tx.ledger, { alg }).append(lines.slice(i, i + 1000).map((l) => Buffer.from(l.data, 'utf8')));
    });
  }
  if (!Buffer.from(await log.root(lines.length)).equals(Buffer.from(rootOf(hashes, alg)))) {
    throw corrupt('写入的日志根与计算不符', 'the log written does not have the computed root');
  }
  let versionsDone = 0;
  const regnos = new Set<string>();
  for (const l of lines) {
    const s = JSON.parse(l.data) as Statement;
    if (s.type !== STATEMENT_TYPE) continue;
    const recordText = (await readAll(await center.store.openFile(s.object, RECORD_PATH, s.version))).toString('utf8');
    const record = parseRecord(recordText);
    const reportText = await center.store
      .openFile(s.object, CHECK_REPORT_PATH, s.version)
      .then(async (stream) => (await readAll(stream)).toString('utf8'))
      .catch(() => undefined);
    const stats = await center.store.versionStats(s.object, s.version);
    await center.db.transaction(async (tx) => {
      await insertVersionRows(tx, record, {
        storedBytes: stats.newContentBytes - Buffer.byteLength(recordText) - Buffer.byteLength(reportText ?? ''),
        inventoryDigest: stats.inventoryDigest,
        ...(reportText !== undefined ? { checkReport: JSON.parse(reportText) as CheckReport } : {}),
      });
      await tx.evidence.put({
        regno: s.regno,
        version: s.version,
        leafIndex: l.index,
        statement: l.data,
        timestampToken: Buffer.from(l.token!, 'base64'),
      });
      await tx.events.append({
        regno: s.regno,
        type: 'rebuild',
        agent: center.instanceId,
        outcome: 'success',
        detail: { version: s.version, from: peerId, leafIndex: l.index },
      });
    });
    regnos.add(s.regno);
    onProgress?.({ phase: 'database', done: ++versionsDone, total: lines.length });
  }
  for (const regno of regnos) {
    const reg = (await center.db.registrations.getByRegno(regno))!;
    await center.db.replicas.recordCopy({
      regno,
      targetId: peerId,
      version: reg.headVersion,
      encryption: row.encryption,
      files: 0,
      bytes: 0,
    });
  }
  await advanceCounters(center, [...regnos]);
  await center.evidence.checkpoint(center.db);
  center.logger.info(
    { from: peerId, leaves: lines.length, registrations: regnos.size, bytes },
    'center rebuilt from a partner',
  );
  return {
    from: peerId,
    leaves: lines.length,
    registrations: regnos.size,
    versions: versionsDone,
    files,
    bytes,
    witnessed,
  };
}

/** Write one object back: version inventories checked against the log, content against them, derived files last. */
async function restoreObject(
  center: Center,
  target: PeerTarget,
  objectId: string,
  versions: ReadonlyMap<number, Statement>,
): Promise<{ files: number; bytes: number }> {
  const head = Math.max(...versions.keys());
  const root = center.store.objectRoot(objectId);
  const inventories = new Map<number, Buffer>();
  for (let v = 1; v <= head; v++) {
    const expected = versions.get(v)?.inventory;
    const bytes = await fetchSmall(center, target, objectId, `${versionName(v)}/${INVENTORY}`);
    if (expected !== `sha256:${createHash('sha256').update(bytes).digest('hex')}`) {
      throw corrupt(`${objectId} 第 ${v} 版清单与日志不符`, `${objectId} v${v} inventory does not match the log`, {
        objectId,
        version: v,
      });
    }
    inventories.set(v, bytes);
  }
  const headBytes = inventories.get(head)!;
  const inventory = JSON.parse(headBytes.toString('utf8')) as Inventory;
  if (inventory.id !== objectId)
    throw corrupt(`${objectId} 的清单属于 ${inventory.id}`, `${objectId}'s inventory is ${inventory.id}'s`);
  const digestAlg = inventory.digestAlgorithm as DigestAlgorithm;
  let files = 0;
  let bytes = 0;
  for (const [digest, paths] of Object.entries(inventory.manifest)) {
    for (const p of paths) {
      const context = cipherContext(target.id, objectId, { path: p, digest: { algorithm: digestAlg, hex: digest } });
      const stream = decryptAny(await target.read(objectId, p), center.evidence.keys.replica, context);
      // put checks the digest as the bytes flow: a wrong copy is refused and nothing stored.
      await center.storage.put(joinPath(root, p), stream, { expected: { algorithm: digestAlg, digest } });
      files++;
      bytes += (await center.storage.stat(joinPath(root, p)))?.size ?? 0;
    }
  }
  for (const [v, inv] of inventories) {
    await center.storage.writeBytes(joinPath(root, versionName(v), INVENTORY), inv);
    await center.storage.writeBytes(
      joinPath(root, versionName(v), `${INVENTORY}.${digestAlg}`),
      sidecarContent(inventory.digestAlgorithm, inv),
    );
  }
  await center.storage.writeBytes(joinPath(root, OBJECT_NAMASTE), OBJECT_NAMASTE_CONTENT);
  await center.storage.writeBytes(
    joinPath(root, `${INVENTORY}.${digestAlg}`),
    sidecarContent(inventory.digestAlgorithm, headBytes),
  );
  await center.storage.writeBytes(joinPath(root, INVENTORY), headBytes);
  return { files, bytes };
}

/** Move the counters past every number used, so no registration number or TSA serial is handed out twice. */
async function advanceCounters(center: Center, regnos: readonly string[]): Promise<void> {
  const { regnoPattern, centerId } = center.config;
  const next = new Map<string, number>();
  for (const regno of regnos) {
    const parts = parseRegno(regnoPattern, centerId, regno);
    if (parts === undefined) continue;
    const series = regnoSeries(regnoPattern, { center: centerId, year: parts.year ?? 0 });
    next.set(series, Math.max(next.get(series) ?? 1, parts.seq + 1));
  }
  for (const [series, value] of next) await center.db.sequences.advanceTo(series, value);
  // Tokens were also issued to outside callers of the TSA, which the log does not show: jump far ahead.
  await center.db.sequences.advanceTo('rfc3161-serial', Date.now() * 1000);
}
