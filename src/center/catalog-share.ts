/**
 * Catalog centers (目录中心, issue 8 item 6; DOMAIN.md "就近查询"): a lower-
 * level center pushes its catalog to its upper-level center over the peer
 * protocol (signed requests between paired centers, peers.ts), and the upper
 * center's search shows, for each hit, which archive holds the record.
 *
 * What is shared: this center's own open entries (开放), with the fields the
 * center's `catalogShareFields` lists — never full text, never a controlled
 * entry. An entry that stops being shareable (closed again) is withdrawn at
 * the upper center. The push is incremental: it sends what changed since the
 * last push it completed (by the entries' updated_at), so the upper center
 * converges on this center's open catalog; sending an entry twice is harmless.
 */
import { InvalidInputError } from '../core/index.js';
import { FIELD_ORDER, buildFields, entryIndex, toNewEntry, type FieldName } from '../catalog/index.js';
import type { CatalogEntryRecord, ReplicaTarget } from '../db/index.js';
import type { Center } from './center.js';
import { peerClient, requireTarget } from './peers.js';

/** The setting that names the upper-level catalog center (a paired partner's center id). */
const UPPER_SETTING = 'catalog.upper';
const cursorSetting = (peer: string): string => `catalog.pushed.${peer}`;
/** Entries per request (the receiving route's limit); with fields cut at MAX_FIELD_CHARS, a few MB at most. */
export const SHARE_BATCH = 200;
/**
 * Each push starts this far before where the last one ended: an entry written by a transaction that
 * began before the last push read and committed after it carries an earlier updated_at.
 */
const CURSOR_MARGIN_MS = 60_000;
/** Longest field value shared (a 题名 or 关键词 is far shorter; a longer one is cut, not refused). */
export const MAX_FIELD_CHARS = 2000;
/** A unit code as the catalog center keeps it: printable, no spaces or separators of its own. */
const UNIT_CODE = /^[\x21-\x7e\u4e00-\u9fff]{1,64}$/u;

export interface SharedEntry {
  /** The entry's id at the holding center. */
  readonly id: number;
  readonly unitCode: string;
  readonly fields: Readonly<Partial<Record<FieldName, string>>>;
}

export interface CatalogPushBody {
  readonly entries: readonly SharedEntry[];
  /** Ids (at the holder) of entries no longer shared. */
  readonly withdrawn: readonly number[];
}

export interface CatalogPushResult {
  readonly upper: string;
  readonly sent: number;
  readonly withdrawn: number;
  /** Entries the upper center refused (their reasons are in its answer, logged here). */
  readonly rejected: number;
}

/** Name (or clear, with null) the upper-level catalog center: a paired partner. */
export async function setUpperCatalogCenter(center: Center, peerId: string | null): Promise<void> {
  if (peerId === null) {
    await center.db.settings.put(UPPER_SETTING, '');
    return;
  }
  const peer = await requireTarget(center, peerId);
  if (peer.kind !== 'peer') {
    throw new InvalidInputError({
      zh: `${peerId} 是存储目标，不是伙伴中心；目录只能推送给已配对的上级中心`,
      en: `${peerId} is a storage target, not a partner center; a catalog goes to a paired upper-level center`,
    });
  }
  await center.db.settings.put(UPPER_SETTING, peerId);
  // A new upper center gets the whole open catalog.
  await center.db.settings.put(cursorSetting(peerId), JSON.stringify({ at: '', id: 0 }));
}

export async function upperCatalogCenter(center: Center): Promise<string | undefined> {
  const id = (await center.db.settings.get(UPPER_SETTING)) ?? '';
  return id === '' ? undefined : id;
}

/** Push what changed since the last push; undefined when no upper center is set. */
export async function pushCatalog(
  center: Center,
  options: { signal?: AbortSignal; onBatch?: (sent: number) => void } = {},
): Promise<CatalogPushResult | undefined> {
  const upperId = await upperCatalogCenter(center);
  if (upperId === undefined) return undefined;
  const peer = await requireTarget(center, upperId);
  const client = peerClient(center, peer);
  const saved = JSON.parse((await center.db.settings.get(cursorSetting(upperId))) ?? '{"at":"","id":0}') as {
    at: string;
    id: number;
  };
  let cursor = saved.at === '' ? saved : { at: new Date(Date.parse(saved.at) - CURSOR_MARGIN_MS).toISOString(), id: 0 };
  const fields = shareFields(center);
  let sent = 0;
  let withdrawn = 0;
  let rejected = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await center.db.catalog.changedSince(cursor, SHARE_BATCH);
    if (page.length === 0) break;
    const body: CatalogPushBody = {
      entries: page.filter((e) => e.openStatus === 'open').map((e) => shared(e, fields)),
      withdrawn: page.filter((e) => e.openStatus !== 'open').map((e) => e.id),
    };
    const answer = await client.json<{ accepted: number; withdrawn: number; rejected: RejectedEntry[] }>(
      'POST',
      '/catalog',
      body,
      options.signal,
    );
    if (answer.rejected.length > 0) {
      center.logger.warn(
        { upper: upperId, rejected: answer.rejected.slice(0, 20) },
        'the catalog center refused entries',
      );
    }
    sent += body.entries.length;
    withdrawn += body.withdrawn.length;
    rejected += answer.rejected.length;
    const last = page.at(-1)!;
    cursor = { at: last.updatedAt, id: last.id };
    await center.db.settings.put(cursorSetting(upperId), JSON.stringify(cursor));
    options.onBatch?.(sent);
  }
  center.logger.info({ upper: upperId, sent, withdrawn, rejected }, 'catalog pushed to the catalog center');
  return { upper: upperId, sent, withdrawn, rejected };
}

function shareFields(center: Center): readonly FieldName[] {
  const listed = new Set(center.config.catalogShareFields);
  // 题名 is what an entry is found and shown by: always shared. Open status is implied (only open entries go).
  return FIELD_ORDER.filter((f) => f === 'title' || (f !== 'openStatus' && listed.has(f)));
}

function shared(e: CatalogEntryRecord, fields: readonly FieldName[]): SharedEntry {
  const value = (f: FieldName): string => {
    const v = e[f];
    return v === null || v === undefined ? '' : String(v);
  };
  return {
    id: e.id,
    unitCode: e.unitCode,
    fields: Object.fromEntries(
      fields.flatMap((f): Array<[FieldName, string]> =>
        value(f) === '' ? [] : [[f, value(f).slice(0, MAX_FIELD_CHARS)]],
      ),
    ),
  };
}

interface RejectedEntry {
  readonly id: number;
  readonly reasons: readonly string[];
}

/**
 * At the upper center: take a partner's push. Every entry is checked as an
 * imported row is (buildFields); a bad one is refused with its reasons and
 * the rest kept. The entries are open at the holder, so they are open here.
 */
export async function receiveSharedCatalog(
  center: Center,
  peer: ReplicaTarget,
  body: CatalogPushBody,
): Promise<{ accepted: number; withdrawn: number; rejected: RejectedEntry[] }> {
  const rows = [];
  const rejected: RejectedEntry[] = [];
  for (const item of body.entries) {
    if (!UNIT_CODE.test(item.unitCode)) {
      rejected.push({ id: item.id, reasons: [`单位代码"${item.unitCode.slice(0, 80)}"无效`] });
      continue;
    }
    const raw: Partial<Record<FieldName, string>> = {};
    for (const f of FIELD_ORDER) {
      const v = item.fields[f];
      if (typeof v === 'string' && f !== 'openStatus') raw[f] = v.slice(0, MAX_FIELD_CHARS);
    }
    const built = buildFields(raw, 'open');
    if ('problems' in built) {
      rejected.push({ id: item.id, reasons: built.problems.map((p) => p.message.zh) });
      continue;
    }
    const entry = toNewEntry({ ...built.fields, openStatus: 'open' }, item.unitCode, 'peer');
    rows.push({ holderEntryId: item.id, entry, index: entryIndex(entry) });
  }
  const saved = await center.db.catalog.upsertShared(peer.id, rows);
  const withdrawn = await center.db.catalog.withdrawShared(peer.id, body.withdrawn);
  center.logger.info(
    { from: peer.id, inserted: saved.inserted, updated: saved.updated, withdrawn, rejected: rejected.length },
    'catalog received from a partner center',
  );
  return { accepted: rows.length, withdrawn, rejected };
}
