/**
 * Offline carriers (脱机备份), export side: write registrations to a
 * directory that is then burnt to disc, written to tape or copied to a
 * portable disk.
 *
 *   <dir>/carrier.json          the carrier manifest (carrier-manifest.ts)
 *   <dir>/carrier.sig           C2SP signed note over carrier.json, by the center's log key
 *   <dir>/bags/<regno>/         one BagIt 1.0 bag (RFC 8493) per registration, whose
 *       data/                   payload is the registration's whole OCFL 1.1 object:
 *         0=ocfl_object_1.1     every version, inventories and sidecars, as in the store
 *         inventory.json(.sha256)
 *         v1/…  v2/…
 *
 * Open formats around open formats: any BagIt tool checks a bag, any OCFL
 * tool reads the object, and `yinji carrier import` puts it back bit for bit.
 */
import { mkdir, open, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import { ConflictError, InvalidInputError, wrapWriteError } from '../core/index.js';
import { writeBag } from '../packages/index.js';
import type { Center } from './center.js';
import { agentName, auditActor, recordAudit, type Agent } from './audit-log.js';
import {
  CARRIER_BAGS,
  CARRIER_FORMAT,
  CARRIER_MANIFEST,
  CARRIER_SIGNATURE,
  isCarrierSerial,
  isOfflineCarrierType,
  itemProblem,
  sealCarrier,
  sha256Hex,
  type CarrierEntry,
  type CarrierItemProblem,
  type CarrierManifest,
  type CarrierProgress,
  type OfflineCarrierType,
} from './carrier-manifest.js';
import { planObject, selectRegistrations, type CarrierSelection, type PlannedObject } from './carrier-plan.js';

export interface CarrierExportRequest {
  /** Directory to write (must not exist, or be empty). */
  readonly to: string;
  /** The carrier's label, e.g. "CD-2026-001": letters, digits, '.', '_', '-'. */
  readonly serial: string;
  readonly type: OfflineCarrierType;
  readonly select: CarrierSelection;
  readonly agent?: Agent;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: CarrierProgress) => void;
}

export interface CarrierExportResult {
  readonly dir: string;
  readonly serial: string;
  readonly type: OfflineCarrierType;
  readonly entries: readonly CarrierEntry[];
  /** Registrations selected but not written; the carrier holds the others. */
  readonly failed: readonly CarrierItemProblem[];
  readonly payloadBytes: number;
  readonly payloadFiles: number;
  /** SHA-256 of carrier.json, the value carrier.sig signs. */
  readonly manifestSha256: string;
}

function counting(input: Readable, onBytes: (n: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  return pipeline(input, counter, () => undefined);
}

async function requireEmptyDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (st === undefined) return void (await mkdir(dir, { recursive: true }));
  if (st.isDirectory() && (await readdir(dir)).length === 0) return;
  throw new ConflictError(
    {
      zh: `载体目录 ${dir} 已存在且不为空；请指定一个新目录`,
      en: `carrier directory ${dir} exists and is not empty; choose a new one`,
    },
    { details: { dir } },
  );
}

async function writeDurable(path: string, data: Buffer | string): Promise<void> {
  await writeFile(path, data, { flag: 'wx' });
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Write the selected registrations to a carrier directory. One result per
 * registration: one whose stored copy fails its checks is left out and
 * reported (`failed`), the others are written. carrier.sig is written last,
 * so a carrier cut short by a crash is refused on import rather than trusted.
 */
export async function exportCarrier(center: Center, request: CarrierExportRequest): Promise<CarrierExportResult> {
  const { signal, serial, type } = request;
  if (!isCarrierSerial(serial)) {
    throw new InvalidInputError({
      zh: `载体编号“${serial}”不合法（字母、数字、“.”“_”“-”，至多 64 个字符）`,
      en: `invalid carrier serial "${serial}" (letters, digits, ".", "_", "-"; at most 64)`,
    });
  }
  if (!isOfflineCarrierType(type)) {
    throw new InvalidInputError({
      zh: `载体类型“${String(type)}”不合法（optical-disc、tape 或 portable-disk）`,
      en: `invalid carrier type "${String(type)}" (optical-disc, tape or portable-disk)`,
    });
  }
  const regs = await selectRegistrations(center, request.select);
  if (regs.length === 0) {
    throw new InvalidInputError({ zh: '没有选中任何登记', en: 'the selection holds no registration' });
  }
  const dir = resolve(request.to);
  await requireEmptyDir(dir);
  await mkdir(join(dir, CARRIER_BAGS));

  const failed: CarrierItemProblem[] = [];
  const planned: PlannedObject[] = [];
  for (const reg of regs) {
    signal?.throwIfAborted();
    try {
      planned.push(await planObject(center, reg, signal));
    } catch (e) {
      signal?.throwIfAborted();
      failed.push(itemProblem(reg.regno, e));
    }
  }
  const totals = { bytes: 0, files: 0 };
  const totalBytes = planned.reduce((n, p) => n + p.bytes, 0);
  const totalFiles = planned.reduce((n, p) => n + p.files.length, 0);
  const report = (): void => request.onProgress?.({ ...totals, totalBytes, totalFiles });

  const entries: CarrierEntry[] = [];
  for (const p of planned) {
    signal?.throwIfAborted();
    const { reg } = p;
    const bag = `${CARRIER_BAGS}/${reg.regno}`;
    try {
      const written = await writeBag(
        p.files.map((f) => ({
          path: f.path,
          size: f.size,
          ...(f.digests !== undefined ? { digests: f.digests } : {}),
          source: async () => {
            totals.files++;
            return counting(await f.read(), (n) => {
              totals.bytes += n;
              report();
            });
          },
        })),
        join(dir, bag),
        {
          signal,
          now: () => center.clock.now(),
          bagInfo: {
            'Source-Organization': center.config.centerName,
            'External-Identifier': reg.regno,
            'Internal-Sender-Identifier': reg.objectId,
            'External-Description': reg.title,
            'Bag-Group-Identifier': serial,
            'Yinji-Center': center.config.centerId,
            'Yinji-Head-Version': String(reg.headVersion),
            'Yinji-Unit': p.unit.code,
            'Yinji-Unit-Name': p.unit.name,
            'Yinji-Payload': 'OCFL 1.1 object (https://ocfl.io/1.1/spec/)',
          },
        },
      );
      const tagmanifest = await readFile(join(dir, bag, 'tagmanifest-sha256.txt'));
      entries.push({
        regno: reg.regno,
        objectId: reg.objectId,
        unit: p.unit.code,
        headVersion: reg.headVersion,
        bag,
        tagmanifestSha256: sha256Hex(tagmanifest),
        inventorySha256: p.inventorySha256,
        payloadBytes: written.byteCount,
        payloadFiles: written.fileCount,
      });
    } catch (e) {
      signal?.throwIfAborted();
      failed.push(itemProblem(reg.regno, e));
    }
  }

  const manifest: CarrierManifest = {
    format: CARRIER_FORMAT,
    centerId: center.config.centerId,
    logOrigin: center.config.logOrigin,
    serial,
    type,
    createdAt: center.clock.now().toISOString(),
    entries,
  };
  const sealed = sealCarrier(manifest, center.evidence.keys.log);
  try {
    await writeDurable(join(dir, CARRIER_MANIFEST), sealed.manifest);
    await writeDurable(join(dir, CARRIER_SIGNATURE), sealed.signature);
  } catch (e) {
    throw wrapWriteError(e, { zh: `写入载体清单失败：${dir}`, en: `could not write the carrier manifest: ${dir}` });
  }

  const agent = agentName(request.agent, 'cli');
  for (const e of entries) {
    await center.db.events.append({
      regno: e.regno,
      type: 'carrier-export',
      agent,
      outcome: 'success',
      detail: { serial, carrierType: type, dir, headVersion: e.headVersion, bag: e.bag },
    });
  }
  for (const f of failed) {
    await center.db.events.append({
      regno: f.regno,
      type: 'carrier-export',
      agent,
      outcome: 'failure',
      detail: { serial, carrierType: type, dir, code: f.code, reason: f.message.en },
    });
  }
  const payloadBytes = entries.reduce((n, e) => n + e.payloadBytes, 0);
  const payloadFiles = entries.reduce((n, e) => n + e.payloadFiles, 0);
  await recordAudit(center, {
    ...auditActor(request.agent),
    action: 'carrier-export',
    target: `carrier:${serial}`,
    outcome: failed.length === 0 ? 'success' : 'failure',
    detail: {
      type,
      dir,
      registrations: entries.map((e) => e.regno),
      failed: failed.map((f) => ({ regno: f.regno, code: f.code })),
      payloadBytes,
      manifestSha256: sha256Hex(sealed.manifest),
    },
  });
  return {
    dir,
    serial,
    type,
    entries,
    failed,
    payloadBytes,
    payloadFiles,
    manifestSha256: sha256Hex(sealed.manifest),
  };
}
