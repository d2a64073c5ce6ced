/**
 * Replication between two centers in one process (issue 7): A copies to its
 * partner B over the signed peer API (encrypted) and to a second disk;
 * audits find damage on either side and repair it from a copy that passes;
 * B witnesses A's log. The same flows run as separate processes in
 * test/e2e/replication.test.ts.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import {
  Center,
  addPeer,
  buildReceipt,
  addStorageTarget,
  auditNow,
  cosignForPartner,
  deposit,
  openTarget,
  pairingToken,
  rebuildFromPeer,
  replicasOf,
  requestCosignatures,
  restore,
  runDueJobs,
  setPolicy,
} from '../center/index.js';
import { verifyReceipt } from '../certificate/index.js';
import { isYinjiError } from '../core/index.js';
import { parseCheckpoint, signCheckpoint, verifyCosignature } from '../ledger/index.js';
import { sendFile, signRequest, type ObjectFile } from '../replication/index.js';
import { partnerWitnessKey } from '../center/witness.js';
import { buildApp } from './app.js';

const databases = withTestDatabases();
const SECRET = '只在甲中心可读的正文 QZ93';

async function write(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

async function treeDigest(dir: string): Promise<string[]> {
  return Promise.all(
    (await filesBelow(dir)).map(
      async (f) =>
        `${f.slice(dir.length)} ${createHash('sha256')
          .update(await readFile(f))
          .digest('hex')}`,
    ),
  );
}

/**
 * Cut `body` (a connection) once the target's partial file holds `bytes`:
 * cutting on a timer raced the upload on a slow machine, which then had
 * nothing to resume from.
 */
async function cutOnceArrived(
  target: Awaited<ReturnType<typeof openTarget>>,
  path: string,
  bytes: number,
  body: Readable,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await target.status('urn:test:resume', [path])).get(path)?.partial !== bytes) {
    if (Date.now() > deadline) throw new Error(`${bytes} bytes never arrived at the target`);
    await new Promise((r) => setTimeout(r, 10));
  }
  body.destroy(new Error('connection reset'));
}

for (const dialect of TEST_DIALECTS) {
  describe(`replication between two centers on ${dialect}`, () => {
    let tmp: string;
    let a: Center;
    let b: Center;
    let appB: FastifyInstance;
    let urlB: string;
    let regno: string;
    let source: string;
    let disk2: string;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-replication-${dialect}-`));
      const config = { jobRetrySeconds: 0 };
      a = await Center.open({
        dataDir: join(tmp, 'a'),
        config: { ...config, centerId: 'A', database: await databases.fresh(dialect) },
      });
      b = await Center.open({
        dataDir: join(tmp, 'b'),
        config: { ...config, centerId: 'B', database: await databases.fresh(dialect) },
      });
      appB = await buildApp(b, { logger: false });
      await appB.listen({ host: '127.0.0.1', port: 0 });
      urlB = `http://127.0.0.1:${(appB.server.address() as { port: number }).port}`;
      // Pairing: each adds the other's token.
      await addPeer(a, pairingToken(b, urlB).token);
      await addPeer(b, pairingToken(a, 'http://127.0.0.1:9').token);
      disk2 = join(tmp, 'disk2');
      await addStorageTarget(a, 'disk2', disk2);
      await setPolicy(a, { targets: ['B', 'disk2'] });

      source = join(tmp, 'src');
      await write(join(source, '文书', '机密说明.txt'), SECRET);
      // Several encryption segments, and a size that is not a multiple of one.
      await write(
        join(source, '扫描件', 'scan.tif'),
        Buffer.from(Array.from({ length: 300_001 }, (_, i) => (i * 7919) % 251)),
      );
      await write(join(source, '空文件.txt'), '');
      regno = (await deposit(a, { source, unit: 'U1', title: '互备测试' })).regno;
    });

    afterAll(async () => {
      await appB.close();
      await a.close();
      await b.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('copies a new registration to the partner (encrypted) and to the second disk (readable OCFL)', async () => {
      await runDueJobs(a);
      const view = await replicasOf(a, regno);
      expect(view.replicas.map((r) => [r.targetId, r.status, r.encryption])).toEqual([
        ['B', 'copied', 'aes-256-gcm'],
        ['disk2', 'copied', 'none'],
      ]);
      // B holds ciphertext: the text is nowhere in it.
      const hosted = await filesBelow(join(tmp, 'b', 'hosted', 'A'));
      expect(hosted.length).toBeGreaterThan(5);
      for (const f of hosted) expect((await readFile(f)).includes(Buffer.from(SECRET))).toBe(false);
      // The second disk holds the object at the same path as the store: the same bytes.
      const root = a.store.objectRoot(`urn:yinji:A:${regno}`);
      expect(await treeDigest(join(disk2, root))).toEqual(await treeDigest(join(tmp, 'a', 'store', root)));
      // Copying again sends nothing new.
      expect(await a.db.events.list({ type: 'replication' })).toHaveLength(2);
    });

    it('passes a full audit of every copy', async () => {
      const run = await auditNow(a, { all: true });
      expect(run).toMatchObject({ copies: 3, withFindings: 0, failing: 0 });
    });

    it('repairs a corrupted local file from a replica, and restores byte-identical', async () => {
      const root = a.store.objectRoot(`urn:yinji:A:${regno}`);
      const [victim] = (await filesBelow(join(tmp, 'a', 'store', root))).filter((f) => f.endsWith('机密说明.txt'));
      await writeFile(victim!, '被篡改的内容');
      const run = await auditNow(a, { all: true });
      const local = run.registrations[0]!.copies.find((c) => c.copy === 'local')!;
      expect(local).toMatchObject({ ok: false, passes: true });
      expect(local.findings.map((f) => f.problem)).toEqual(['digest-mismatch']);
      expect(local.repaired[0]).toMatch(/机密说明\.txt ← (B|disk2)/);
      expect(await readFile(victim!, 'utf8')).toBe(SECRET);
      // The damaged bytes were kept aside, not thrown away.
      const aside = await filesBelow(join(tmp, 'a', 'quarantine'));
      expect(await Promise.all(aside.map((f) => readFile(f, 'utf8')))).toContain('被篡改的内容');
      const out = join(tmp, 'restored-1');
      await restore(a, { regno, to: out });
      expect(await treeDigest(out)).toEqual(await treeDigest(source));
    });

    it('restores straight from the replicas when the local copy is lost', async () => {
      const root = a.store.objectRoot(`urn:yinji:A:${regno}`);
      const [scan] = (await filesBelow(join(tmp, 'a', 'store', root))).filter((f) => f.endsWith('scan.tif'));
      await rm(scan!);
      const out = join(tmp, 'restored-2');
      await restore(a, { regno, to: out });
      expect(await treeDigest(out)).toEqual(await treeDigest(source));
      expect((await a.db.events.list({ type: 'repair' })).at(-1)).toMatchObject({ outcome: 'success' });
    });

    it('finds a file the partner dropped or altered with a challenge, and re-sends it', async () => {
      const hosted = await filesBelow(join(tmp, 'b', 'hosted', 'A'));
      const dropped = hosted.find((f) => f.endsWith('scan.tif'))!;
      const altered = hosted.find((f) => f.endsWith('/v1/inventory.json'))!;
      await rm(dropped);
      const bytes = await readFile(altered);
      bytes[bytes.length - 1]! ^= 1;
      await writeFile(altered, bytes);
      const check = await auditNow(a, { all: true }, { repair: false });
      const atB = check.registrations[0]!.copies.find((c) => c.copy === 'B')!;
      expect(atB.findings).toEqual([
        { path: expect.stringMatching(/scan\.tif$/), problem: 'missing' },
        { path: 'v1/inventory.json', problem: 'mismatch' },
      ]);
      expect(check.failing).toBe(1);
      expect((await replicasOf(a, regno)).replicas.find((r) => r.targetId === 'B')?.status).toBe('damaged');
      const fixed = await auditNow(a, { all: true });
      expect(fixed.failing).toBe(0);
      expect(fixed.registrations[0]!.copies.find((c) => c.copy === 'B')!.repaired).toHaveLength(2);
      expect((await auditNow(a, { all: true })).withFindings).toBe(0);
      // B kept the altered file aside before replacing it.
      expect(
        (await filesBelow(join(tmp, 'b', 'hosted', '.quarantine'))).some((f) => f.endsWith('inventory.json')),
      ).toBe(true);
    });

    it('continues a transfer that was cut midway instead of starting over', async () => {
      const row = (await a.db.replicaTargets.get('B'))!;
      const target = await openTarget(a, row);
      const payload = Buffer.alloc(1_000_000, 5);
      const file: ObjectFile = {
        path: 'v9/content/test/big.bin',
        size: payload.length,
        digest: { algorithm: 'sha256', hex: createHash('sha256').update(payload).digest('hex') },
        read: () => Promise.resolve(Readable.from([payload])),
      };
      // A connection that dies after 300 kB: B keeps what arrived.
      const cut = new Readable({ read() {} });
      cut.push(Buffer.alloc(300_000, 1));
      const cutting = cutOnceArrived(target, file.path, 300_000, cut);
      await expect(target.append('urn:test:resume', file.path, 0, cut)).rejects.toThrow();
      await cutting;
      const status = await target.status('urn:test:resume', [file.path]);
      const partial = status.get(file.path)!.partial!;
      expect(partial).toBeGreaterThan(0);
      // What arrived was garbage (not the file): the commit's digest check refuses it, and the next try starts over.
      await expect(
        sendFile(
          target,
          'urn:test:resume',
          file,
          { targetId: 'B', encryption: 'none', key: Buffer.alloc(32) },
          status.get(file.path),
        ),
      ).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
      // A real cut of the real bytes: resumed from the partial, sending only the rest.
      const real = new Readable({ read() {} });
      real.push(payload.subarray(0, 400_000));
      const cuttingReal = cutOnceArrived(target, file.path, 400_000, real);
      await expect(target.append('urn:test:resume', file.path, 0, real)).rejects.toThrow();
      await cuttingReal;
      const again = (await target.status('urn:test:resume', [file.path])).get(file.path)!;
      const r = await sendFile(
        target,
        'urn:test:resume',
        file,
        { targetId: 'B', encryption: 'none', key: Buffer.alloc(32) },
        again,
      );
      expect(r.sent).toBe(payload.length - again.partial!);
      expect(r.storedBytes).toBe(payload.length);
    });

    it('refuses unsigned, foreign and replayed requests to the peer API', async () => {
      const hello = `${urlB}/api/v1/peer/hello`;
      expect((await fetch(hello)).status).toBe(401);
      const signed = signRequest(
        { method: 'GET', path: '/api/v1/peer/hello', headers: { 'yinji-recipient': 'B' } },
        { keyId: 'A', privateKey: a.evidence.keys.peer },
        { now: new Date() },
      );
      const first = await fetch(hello, { headers: { 'yinji-recipient': 'B', ...signed } });
      expect(first.status).toBe(200);
      expect(first.headers.get('signature')).toBeTruthy();
      const replay = await fetch(hello, { headers: { 'yinji-recipient': 'B', ...signed } });
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(/重放/);
      // A partner cannot step out of its own area at B: '..' as an object id is refused before any byte is kept.
      const target = await openTarget(a, (await a.db.replicaTargets.get('B'))!);
      for (const objectId of ['..', '.', 'a/b']) {
        await expect(
          target.append(objectId, 'B/x/v1/content/a.pdf', 0, Readable.from([Buffer.from('EVIL')])),
        ).rejects.toMatchObject({
          code: 'E_INVALID_INPUT',
        });
      }
      expect(await filesBelow(join(tmp, 'b', 'hosted'))).not.toContainEqual(expect.stringContaining('/B/x/'));
      // B's own key is not a partner of B.
      const self = signRequest(
        { method: 'GET', path: '/api/v1/peer/hello', headers: { 'yinji-recipient': 'B' } },
        { keyId: 'B', privateKey: b.evidence.keys.peer },
        { now: new Date() },
      );
      expect((await fetch(hello, { headers: { 'yinji-recipient': 'B', ...self } })).status).toBe(401);
    });

    it('has its checkpoints cosigned by the partner, which refuses a rewritten log', async () => {
      const first = await requestCosignatures(a);
      expect(first).toMatchObject({ cosigned: ['B'], failed: [] });
      await deposit(a, { source, unit: 'U1', title: '第二份' });
      const second = await requestCosignatures(a);
      expect(second.cosigned).toEqual(['B']);
      expect(second.size).toBeGreaterThan(first.size);
      const [cosig] = await a.db.witness.cosignatures(second.size);
      const note = (await a.evidence.checkpoint(a.db)).note + cosig!.cosignature;
      const peerB = (await a.db.replicaTargets.get('B'))!;
      expect(verifyCosignature(note, partnerWitnessKey(peerB)).time).toBeInstanceOf(Date);
      // Receipts now prove inclusion in the checkpoint B cosigned, and carry B's cosignature.
      const receipt = await buildReceipt(a, { regno });
      expect(receipt.log.treeSize).toBe(second.size);
      expect(receipt.keys.witnesses).toEqual([partnerWitnessKey(peerB)]);
      const verified = verifyReceipt(receipt);
      expect(verified.ok).toBe(true);
      expect(verified.checks.filter((c) => c.id === 'witness').map((c) => c.ok)).toEqual([true]);
      expect(
        verifyReceipt({
          ...receipt,
          keys: {
            ...receipt.keys,
            witnesses: [partnerWitnessKey({ ...peerB, peerKey: (await b.db.replicaTargets.get('A'))!.peerKey })],
          },
        }).ok,
      ).toBe(false);
      // A log that rewrote its history: same size, other root, signed with A's real key.
      const cp = parseCheckpoint((await a.evidence.checkpoint(a.db)).note);
      const forged = signCheckpoint(
        { origin: cp.origin, size: cp.size, root: createHash('sha256').update('other history').digest() },
        a.evidence.keys.log,
      );
      const peerA = (await b.db.replicaTargets.get('A'))!;
      const refused = await cosignForPartner(b, peerA, { checkpoint: forged, proof: [], oldSize: cp.size }).catch(
        (e: unknown) => e,
      );
      expect(isYinjiError(refused) && refused.code).toBe('E_WITNESS_CONFLICT');
      expect(await b.db.events.list({ type: 'witness-conflict' })).toHaveLength(1);
    });
    it('rebuilds a lost center from its partner: the same log, registrations, evidence and bytes', async () => {
      await runDueJobs(a); // the log goes to B with the copies
      await requestCosignatures(a);
      const size = await a.db.ledger.size();
      // A's machine is gone. A new data directory with A's keys and config, an empty database and store.
      const dataDir = join(tmp, 'a-rebuilt');
      await mkdir(dataDir);
      await cp(join(tmp, 'a', 'keys'), join(dataDir, 'keys'), { recursive: true });
      const a2 = await Center.open({ dataDir, config: { centerId: 'A', database: await databases.fresh(dialect) } });
      try {
        await addPeer(a2, pairingToken(b, urlB).token);
        const report = await rebuildFromPeer(a2, 'B');
        expect(report).toMatchObject({ from: 'B', leaves: size, registrations: 2, witnessed: { size } });
        // The same history: the same checkpoint, signed by the same key.
        expect((await a2.evidence.checkpoint(a2.db)).note).toBe((await a.evidence.checkpoint(a.db)).note);
        const receipt = await buildReceipt(a2, { regno });
        expect(verifyReceipt(receipt).ok).toBe(true);
        expect(receipt.log.leafIndex).toBe((await buildReceipt(a, { regno })).log.leafIndex);
        expect(receipt.timestamp.token).toBe((await buildReceipt(a, { regno })).timestamp.token);
        const out = join(tmp, 'restored-rebuilt');
        await restore(a2, { regno, to: out });
        expect(await treeDigest(out)).toEqual(await treeDigest(source));
        expect((await auditNow(a2, { all: true }, { repair: false })).failing).toBe(0);
        // Numbers go on where A stopped, and B cosigns the rebuilt center's next checkpoint: one history.
        const last = (await a.db.registrations.list({ limit: 100 })).items
          .map((r) => r.regno)
          .sort()
          .at(-1)!;
        const next = await deposit(a2, { source, unit: 'U1', title: '重建后' });
        expect(next.regno > last).toBe(true);
        expect((await requestCosignatures(a2)).cosigned).toEqual(['B']);
        // A center that already holds registrations is not rebuilt over.
        await expect(rebuildFromPeer(a2, 'B')).rejects.toMatchObject({ code: 'E_CONFLICT' });
      } finally {
        await a2.close();
      }
    });
  });
}
