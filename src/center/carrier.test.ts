import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { generateLogKey, signNote, verifyNote } from '../ledger/index.js';
import { validateBag } from '../packages/index.js';
import { Center } from './center.js';
import { exportCarrier } from './carrier-export.js';
import { importCarrier } from './carrier-import.js';
import { CarrierInvalidError, sha256Hex } from './carrier-manifest.js';
import { deposit } from './deposit.js';
import { restore } from './restore.js';
import { validateCenterStore } from './validation.js';

const databases = withTestDatabases();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-carrier-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every directory and file below `root` with the SHA-256 of each file: equal listings = identical trees. */
async function treeListing(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, dir), { withFileTypes: true })) {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(`${rel}/`, ...(await treeListing(root, rel)));
    else
      out.push(
        `${rel} ${createHash('sha256')
          .update(await readFile(join(root, rel)))
          .digest('hex')}`,
      );
  }
  return out.sort();
}

const pathOf = (line: string): string => (line.endsWith('/') ? line : line.slice(0, line.lastIndexOf(' ')));

/** Files below `root` with their modification times, to show nothing was rewritten. */
async function mtimes(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const line of await treeListing(root)) {
    const path = pathOf(line);
    out.push(`${path} ${(await stat(join(root, path))).mtimeMs}`);
  }
  return out;
}

/** Delete every OCFL object of the storage root (the 0004 layout's top-level tuple directories). */
async function wipeObjects(storeDir: string): Promise<void> {
  for (const name of await readdir(storeDir)) {
    if (/^[0-9a-f]{3}$/.test(name)) await rm(join(storeDir, name), { recursive: true });
  }
}

async function write(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

for (const dialect of TEST_DIALECTS) {
  describe(`offline carriers on ${dialect}`, () => {
    let center: Center;
    let base: string;
    let storeDir: string;
    /** regno → { version → source tree } */
    const sources = new Map<string, Map<number, string>>();
    const regnos: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
    let carrier: string;

    beforeAll(async () => {
      base = join(tmp, dialect);
      const dataDir = join(base, 'data');
      storeDir = join(dataDir, 'store');
      center = await Center.open({ dataDir, config: { database: await databases.fresh(dialect) } });

      // A: Chinese names, an empty file and an empty directory; then a second version.
      const a1 = join(base, 'src-a1');
      await write(join(a1, '文书', '2026年', '关于印发通知的函.txt'), '通知正文');
      await write(join(a1, '文书', '空文件.txt'), '');
      await mkdir(join(a1, '空目录', '子目录'), { recursive: true });
      await write(join(a1, 'photo.jpg'), Buffer.alloc(100_000, 7));
      await utimes(join(a1, 'photo.jpg'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
      const a = await deposit(center, { source: a1, unit: 'U1', title: '文书 2026' });
      const a2 = join(base, 'src-a2');
      await cp(a1, a2, { recursive: true, preserveTimestamps: true });
      await write(join(a2, 'photo.jpg'), Buffer.alloc(100_000, 8));
      await write(join(a2, '文书', '补充 说明.txt'), '第二版');
      await deposit(center, { source: a2, to: a.regno });
      regnos.a = a.regno;
      sources.set(
        a.regno,
        new Map([
          [1, a1],
          [2, a2],
        ]),
      );

      const b1 = join(base, 'src-b');
      await write(join(b1, '社保', '名册.csv'), 'name,id\n张三,1\n');
      regnos.b = (await deposit(center, { source: b1, unit: 'U2' })).regno;
      sources.set(regnos.b, new Map([[1, b1]]));

      const c1 = join(base, 'src-c');
      await write(join(c1, '会计凭证', '2025', '凭证 001.pdf'), Buffer.alloc(5000, 3));
      regnos.c = (await deposit(center, { source: c1, unit: 'U1' })).regno;
      sources.set(regnos.c, new Map([[1, c1]]));

      carrier = join(base, 'carrier');
    });

    afterAll(async () => {
      await center.close();
    });

    async function expectRestoresIdentically(): Promise<void> {
      for (const [regno, versions] of sources) {
        for (const [version, src] of versions) {
          const out = join(base, `out-${regno}-v${version}-${Date.now()}`);
          await restore(center, { regno, version, to: out });
          expect(await treeListing(out), `${regno} v${version}`).toEqual(await treeListing(src));
          await rm(out, { recursive: true });
        }
      }
    }

    it('exports every registration as a signed carrier of BagIt bags around OCFL objects', async () => {
      const progress: number[] = [];
      const result = await exportCarrier(center, {
        to: carrier,
        serial: 'CD-2026-001',
        type: 'optical-disc',
        select: { all: true },
        agent: 'tester',
        onProgress: (p) => progress.push(p.bytes),
      });
      expect(result.failed).toEqual([]);
      expect(result.entries.map((e) => e.regno)).toEqual([regnos.a, regnos.b, regnos.c].sort());
      expect(result.entries.find((e) => e.regno === regnos.a)).toMatchObject({ headVersion: 2, unit: 'U1' });
      expect(progress.at(-1)).toBe(result.payloadBytes);

      // Anyone with the center's public key checks the carrier: the note signs the manifest's digest.
      const manifestBytes = await readFile(join(carrier, 'carrier.json'));
      const note = verifyNote(await readFile(join(carrier, 'carrier.sig')), center.evidence.keys.log.verifierKey);
      expect(note.text).toBe(`yinji-carrier/1\nCD-2026-001\nsha256:${sha256Hex(manifestBytes)}\n`);
      const manifest = JSON.parse(manifestBytes.toString('utf8')) as { format: string; entries: unknown[] };
      expect(manifest).toMatchObject({ format: 'yinji-carrier/1', centerId: 'YINJI', type: 'optical-disc' });

      for (const e of result.entries) {
        const bag = join(carrier, e.bag);
        expect((await validateBag(bag)).violations).toEqual([]);
        expect(await readFile(join(bag, 'bag-info.txt'), 'utf8')).toContain(`External-Identifier: ${e.regno}`);
        // The payload is the object directory exactly as the store holds it.
        const objectDir = join(storeDir, center.store.objectRoot(e.objectId));
        expect(await treeListing(join(bag, 'data'))).toEqual(await treeListing(objectDir));
      }
      const events = await center.db.events.listForRegistration(regnos.b);
      expect(events.map((e) => e.type)).toContain('carrier-export');
      const audit = await center.db.auditLog.list({ limit: 10, newestFirst: true });
      expect(audit.some((x) => x.action === 'carrier-export' && x.target === 'carrier:CD-2026-001')).toBe(true);
    });

    it('restores every object after the store lost them all, bit for bit', async () => {
      await wipeObjects(storeDir);
      expect(await center.store.inventory(`urn:yinji:YINJI:${regnos.a}`)).toBeUndefined();
      const result = await importCarrier(center, { from: carrier, agent: 'tester' });
      expect(result.items.map((i) => [i.regno, i.status, i.storeState])).toEqual(
        [regnos.a, regnos.b, regnos.c].sort().map((r) => [r, 'restored', 'missing']),
      );
      expect(result.complete).toBe(true);
      expect((await validateCenterStore(center)).errors).toEqual([]);
      for (const e of (
        JSON.parse(await readFile(join(carrier, 'carrier.json'), 'utf8')) as {
          entries: { bag: string; objectId: string }[];
        }
      ).entries) {
        expect(await treeListing(join(storeDir, center.store.objectRoot(e.objectId)))).toEqual(
          await treeListing(join(carrier, e.bag, 'data')),
        );
      }
      await expectRestoresIdentically();
      const events = await center.db.events.listForRegistration(regnos.a);
      expect(events.filter((e) => e.type === 'carrier-restore').map((e) => e.outcome)).toEqual(['success']);
    });

    it('leaves an intact store untouched', async () => {
      const before = await mtimes(storeDir);
      const result = await importCarrier(center, { from: carrier });
      expect(result.items.map((i) => i.status)).toEqual(['intact', 'intact', 'intact']);
      expect(await mtimes(storeDir)).toEqual(before);
    });

    it('repairs one damaged object and leaves the others', async () => {
      const objectDir = join(storeDir, center.store.objectRoot(`urn:yinji:YINJI:${regnos.c}`));
      const content = join(objectDir, 'v1', 'content');
      const victim = pathOf((await treeListing(content)).find((l) => l.includes('凭证 001.pdf'))!);
      const bytes = await readFile(join(content, victim));
      bytes[10] = bytes[10]! ^ 0xff;
      await writeFile(join(content, victim), bytes);
      expect((await validateCenterStore(center)).valid).toBe(false);

      const result = await importCarrier(center, { from: carrier });
      const byRegno = new Map(result.items.map((i) => [i.regno, i]));
      expect(byRegno.get(regnos.c)).toMatchObject({ status: 'restored', storeState: 'damaged', filesWritten: 1 });
      expect(byRegno.get(regnos.a)?.status).toBe('intact');
      expect((await validateCenterStore(center)).valid).toBe(true);
      await expectRestoresIdentically();
    });

    it('refuses a bag with a flipped byte and restores the others', async () => {
      const bad = join(base, 'carrier-flipped');
      await cp(carrier, bad, { recursive: true });
      const objectA = center.store.objectRoot(`urn:yinji:YINJI:${regnos.a}`);
      const photo = (await treeListing(join(bad, 'bags', regnos.a, 'data')))
        .map(pathOf)
        .find((p) => p.startsWith('v1/content/') && p.endsWith('photo.jpg'))!;
      const file = join(bad, 'bags', regnos.a, 'data', photo);
      const bytes = await readFile(file);
      bytes[0] = bytes[0]! ^ 0x01;
      await writeFile(file, bytes);

      await wipeObjects(storeDir);
      const result = await importCarrier(center, { from: bad });
      const a = result.items.find((i) => i.regno === regnos.a)!;
      expect(a.status).toBe('invalid');
      expect(a.problems).toContainEqual(
        expect.objectContaining({ code: 'BAG_DIGEST_MISMATCH', path: `bags/${regnos.a}/data/${photo}` }),
      );
      expect(result.items.filter((i) => i.regno !== regnos.a).map((i) => i.status)).toEqual(['restored', 'restored']);
      expect(result.complete).toBe(false);
      expect(await center.store.inventory(`urn:yinji:YINJI:${regnos.a}`)).toBeUndefined();
      expect(await readdir(join(storeDir, objectA)).catch(() => 'absent')).toBe('absent');

      // The good carrier brings it back.
      await importCarrier(center, { from: carrier });
      expect((await validateCenterStore(center)).valid).toBe(true);
    });

    it('refuses a tampered manifest or a carrier signed by another key, writing nothing', async () => {
      await rm(join(storeDir, center.store.objectRoot(`urn:yinji:YINJI:${regnos.b}`)), { recursive: true });
      const before = await mtimes(storeDir);

      const tampered = join(base, 'carrier-tampered');
      await cp(carrier, tampered, { recursive: true });
      const json = await readFile(join(tampered, 'carrier.json'), 'utf8');
      await writeFile(join(tampered, 'carrier.json'), json.replace('"unit":"U2"', '"unit":"U9"'));
      await expect(importCarrier(center, { from: tampered })).rejects.toMatchObject({
        code: 'E_CARRIER_INVALID',
        reason: 'manifest-digest',
      });

      const foreign = join(base, 'carrier-foreign-key');
      await cp(carrier, foreign, { recursive: true });
      const other = generateLogKey('other.example/log');
      const text = verifyNote(await readFile(join(carrier, 'carrier.sig')), center.evidence.keys.log.verifierKey).text;
      await writeFile(join(foreign, 'carrier.sig'), signNote(text, other));
      const refused = await importCarrier(center, { from: foreign }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CarrierInvalidError);
      expect(refused).toMatchObject({ reason: 'signature' });

      await rm(join(tampered, 'carrier.sig'));
      await expect(importCarrier(center, { from: tampered })).rejects.toMatchObject({ reason: 'missing-file' });
      expect(await mtimes(storeDir)).toEqual(before);

      // Trusting the other key explicitly (another center's carrier) accepts it.
      const trusted = await importCarrier(center, { from: foreign, trustKeys: [other.verifierKey] });
      expect(trusted.items.find((i) => i.regno === regnos.b)?.status).toBe('restored');
      const audit = await center.db.auditLog.list({ limit: 50, newestFirst: true });
      expect(audit.filter((x) => x.action === 'carrier-import' && x.outcome === 'failure').length).toBeGreaterThan(0);
    });

    it('exports a unit or named registrations; verify-only writes nothing', async () => {
      const unit = await exportCarrier(center, {
        to: join(base, 'carrier-u1'),
        serial: 'TAPE-7',
        type: 'tape',
        select: { unit: 'U1' },
      });
      expect(unit.entries.map((e) => e.regno)).toEqual([regnos.a, regnos.c].sort());
      const named = await exportCarrier(center, {
        to: join(base, 'carrier-b'),
        serial: '移动硬盘-01',
        type: 'portable-disk',
        select: { regnos: [regnos.b] },
      });
      expect(named.entries.map((e) => e.regno)).toEqual([regnos.b]);
      await expect(
        exportCarrier(center, { to: join(base, 'x'), serial: 'X', type: 'tape', select: { unit: 'NOPE' } }),
      ).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(
        exportCarrier(center, { to: join(base, 'carrier-b'), serial: 'X', type: 'tape', select: { all: true } }),
      ).rejects.toMatchObject({ code: 'E_CONFLICT' });

      await wipeObjects(storeDir);
      const check = await importCarrier(center, { from: join(base, 'carrier-b'), verifyOnly: true });
      expect(check.items).toMatchObject([{ regno: regnos.b, status: 'restorable', storeState: 'missing' }]);
      expect(await center.store.inventory(`urn:yinji:YINJI:${regnos.b}`)).toBeUndefined();
      await importCarrier(center, { from: carrier });
      expect((await validateCenterStore(center)).valid).toBe(true);
    });

    it("reports a carrier of registrations this center does not know as 'unknown', and registers it when asked", async () => {
      const otherDir = join(base, 'other-center');
      const other = await Center.open({
        dataDir: otherDir,
        config: { database: await databases.fresh(dialect), centerId: 'OTHER' },
      });
      try {
        const src = join(base, 'src-other');
        await write(join(src, 'a.txt'), 'other');
        await deposit(other, { source: src });
        await exportCarrier(other, {
          to: join(base, 'carrier-other'),
          serial: 'O-1',
          type: 'tape',
          select: { all: true },
        });
        await expect(importCarrier(center, { from: join(base, 'carrier-other') })).rejects.toMatchObject({
          reason: 'signature',
        });
        const result = await importCarrier(center, {
          from: join(base, 'carrier-other'),
          trustKeys: [other.evidence.keys.log.verifierKey],
        });
        expect(result.items).toMatchObject([{ status: 'unknown' }]);
        expect(result.complete).toBe(true);

        // With --register: verified, then registered here as a new registration of the unit asked for.
        const before = await center.db.registrations.list({ limit: 1000 });
        const registered = await importCarrier(center, {
          from: join(base, 'carrier-other'),
          trustKeys: [other.evidence.keys.log.verifierKey],
          register: true,
          unit: 'U9',
        });
        expect(registered.items).toMatchObject([{ status: 'registered' }]);
        const regno = registered.items[0]!.registeredAs!;
        expect(before.items.map((r) => r.regno)).not.toContain(regno);
        expect((await center.db.registrations.getByRegno(regno))?.unitId).toBe(
          (await center.db.units.getByCode('U9'))?.id,
        );
        const out = join(base, 'restored-foreign');
        await restore(center, { regno, to: out });
        expect(await treeListing(out)).toEqual(await treeListing(src));
        const [event] = (await center.db.events.listForRegistration(regno)).filter(
          (e) => e.type === 'carrier-register',
        );
        expect(event?.detail).toMatchObject({ serial: 'O-1', fromCenter: 'OTHER' });

        // A flipped byte in the foreign bag: refused, nothing registered.
        const bagFile = join(base, 'carrier-other', 'bags');
        const [bag] = await readdir(bagFile);
        const victim = (await treeListing(join(bagFile, bag!, 'data'))).map(pathOf).find((p) => p.endsWith('a.txt'))!;
        await writeFile(join(bagFile, bag!, 'data', victim), 'othe!');
        const count = (await center.db.registrations.list({ limit: 1000 })).items.length;
        const tampered = await importCarrier(center, {
          from: join(base, 'carrier-other'),
          trustKeys: [other.evidence.keys.log.verifierKey],
          register: true,
        });
        expect(tampered.items).toMatchObject([{ status: 'invalid' }]);
        expect((await center.db.registrations.list({ limit: 1000 })).items).toHaveLength(count);
      } finally {
        await other.close();
      }
    });
  });
}
