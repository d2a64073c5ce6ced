import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, rawSql, withTestDatabases } from '../../test/support/databases.js';
import { verifyLogGrowth, verifyReceipt, type Receipt } from '../certificate/index.js';
import { canonicalJson, fixedClock } from '../core/index.js';
import { createTsaIdentity, issueTimestamp } from '../timestamp/index.js';
import { MemoryLogStorage, MerkleLog, leafHash, signCheckpoint, verifyInclusion } from '../ledger/index.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { buildReceipt } from './receipt.js';
import { verifyRegistration } from './verify.js';

const databases = withTestDatabases();
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-evidence-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const failed = (r: { checks: readonly { id: string; ok: boolean }[] }): string[] =>
  r.checks.filter((c) => !c.ok).map((c) => c.id);

describe('evidence with SM3 (国密) as the log hash', () => {
  it('logs, receipts and verifies with SM3 trees end to end', async () => {
    const center = await Center.open({
      dataDir: join(tmp, 'sm3'),
      config: { database: await databases.fresh('sqlite'), logHash: 'sm3' },
    });
    try {
      const src = join(tmp, 'sm3-src');
      await mkdir(src, { recursive: true });
      await writeFile(join(src, '国密.txt'), 'SM3 杂凑');
      const dep = await deposit(center, { source: src });
      const receipt = await buildReceipt(center, { regno: dep.regno });
      expect(receipt.log.alg).toBe('sm3');
      expect(receipt.statement.files.alg).toBe('sm3');
      expect(failed(verifyReceipt(receipt))).toEqual([]);
      expect(failed(await verifyRegistration(center, dep.regno))).toEqual([]);
      // The same statement hashed as SHA-256 would not be in this log.
      expect(failed(verifyReceipt({ ...receipt, log: { ...receipt.log, alg: 'sha256' } }))).toContain('inclusion');
    } finally {
      await center.close();
    }
  });
});

for (const dialect of TEST_DIALECTS) {
  describe(`evidence on ${dialect}`, () => {
    let center: Center;
    let url: string;
    let dataDir: string;
    let src: string;

    beforeAll(async () => {
      dataDir = join(tmp, dialect);
      url = await databases.fresh(dialect);
      center = await Center.open({ dataDir, config: { database: url } });
      src = join(tmp, `${dialect}-src`);
      await mkdir(join(src, '文书'), { recursive: true });
      await writeFile(join(src, '文书', '通知.txt'), '关于开展电子文件登记备份工作的通知');
      await writeFile(join(src, '文书', '附件.pdf'), Buffer.alloc(5000, 3));
      await writeFile(join(src, 'readme.txt'), 'hello');
    });
    afterAll(async () => {
      await center.close();
    });

    it('gives every registration a receipt that verifies offline, with a token openssl accepts', async () => {
      const first = await deposit(center, { source: src, unit: 'U1', title: '通知' });
      const receipt = await buildReceipt(center, { regno: first.regno });
      const report = verifyReceipt(JSON.parse(JSON.stringify(receipt)) as unknown);
      expect(failed(report)).toEqual([]);
      expect(report).toMatchObject({ ok: true, regno: first.regno, version: 1 });
      expect(receipt.statement).toMatchObject({ regno: first.regno, files: { count: 3, bytes: 5000 + 5 + 51 } });

      // The real openssl accepts the RFC 3161 token over the statement.
      const dir = join(tmp, `${dialect}-openssl`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'resp.der'), Buffer.from(receipt.timestamp.token, 'base64'));
      await writeFile(join(dir, 'ca.pem'), receipt.keys.tsaCa);
      await writeFile(join(dir, 'tsa.pem'), receipt.keys.tsaCert!);
      const digest = createHash('sha256').update(canonicalJson(receipt.statement)).digest('hex');
      const out = execFileSync('openssl', [
        'ts',
        '-verify',
        '-in',
        join(dir, 'resp.der'),
        '-digest',
        digest,
        '-CAfile',
        join(dir, 'ca.pem'),
      ]);
      expect(out.toString()).toContain('Verification: OK');
    });

    it('refuses a backdated token from another authority once the TSA root is pinned', async () => {
      const { items } = await center.db.registrations.list({});
      const genuine = await buildReceipt(center, { regno: items[0]!.regno });
      // A forger keeps the genuine statement and proof, but stamps it with their own CA, backdated.
      const forger = await createTsaIdentity({ name: 'Forged TSA', clock: fixedClock('2020-01-01T00:00:00Z') });
      const token = issueTimestamp({
        hash: createHash('sha256').update(canonicalJson(genuine.statement)).digest(),
        hashAlgorithm: 'sha256',
        identity: forger,
        serial: 1n,
        clock: fixedClock('2020-01-01T00:00:00Z'),
      });
      const forged: Receipt = {
        ...genuine,
        timestamp: { ...genuine.timestamp, token: Buffer.from(token).toString('base64') },
        keys: { ...genuine.keys, tsaCa: forger.caCertPem, tsaCert: forger.tsaCertPem },
      };
      const unpinned = verifyReceipt(forged);
      expect(unpinned.ok).toBe(true); // self-consistent…
      expect(unpinned.pinned).toEqual({ logKey: false, tsaRoot: false }); // …and says it proved no more than that
      const pinned = verifyReceipt(forged, { trustedLogKey: genuine.keys.log, trustedTsaCa: genuine.keys.tsaCa });
      expect(failed(pinned)).toEqual(['timestamp']);
    });

    it('proves a single file with a per-file receipt, and detects a changed file', async () => {
      const { items } = await center.db.registrations.list({});
      const regno = items[0]!.regno;
      const one = await buildReceipt(center, { regno, file: '文书/通知.txt' });
      expect(one.files).toHaveLength(1);
      const held = {
        path: '文书/通知.txt',
        size: 51,
        sha256: createHash('sha256').update('关于开展电子文件登记备份工作的通知').digest('hex'),
      };
      expect(failed(verifyReceipt(one, { files: [held] }))).toEqual([]);
      const forged = verifyReceipt(one, {
        files: [{ ...held, sha256: createHash('sha256').update('篡改').digest('hex') }],
      });
      expect(failed(forged)).toEqual(['file']);
      expect(forged.checks.find((c) => !c.ok)?.message.zh).toContain('与登记时不符');
      // A receipt edited to claim another file fails its Merkle path.
      const edited = { ...one, files: [{ ...one.files[0]!, sha256: 'ab'.repeat(32) }] } as Receipt;
      expect(failed(verifyReceipt(edited))).toEqual(['file-list']);
    });

    it('the center verifies its own holding, and each kind of tampering is caught with its reason', async () => {
      const dep = await deposit(center, { source: src, unit: 'U2', title: '待篡改' });
      expect(failed(await verifyRegistration(center, dep.regno))).toEqual([]);

      // One stored byte.
      const objectRoot = join(center.config.storageRoot, center.store.objectRoot(dep.objectId));
      const target = join(objectRoot, 'v1', 'content', 'data', 'readme.txt');
      await appendFile(target, '!');
      const stored = await verifyRegistration(center, dep.regno);
      expect(failed(stored)).toEqual(['file']);
      expect(stored.checks.find((c) => !c.ok)?.subject).toBe('readme.txt');
      await writeFile(target, 'hello');

      // One database row: the recorded digest of a file.
      await rawSql(
        url,
        `update files set sha256 = ? where path = ? and registration_id = (select id from registrations where regno = ?)`,
        ['00'.repeat(32), 'readme.txt', dep.regno],
      );
      expect(failed(await verifyRegistration(center, dep.regno))).toContain('file-list');
      await rawSql(
        url,
        `update files set sha256 = ? where path = ? and registration_id = (select id from registrations where regno = ?)`,
        [createHash('sha256').update('hello').digest('hex'), 'readme.txt', dep.regno],
      );
      expect(failed(await verifyRegistration(center, dep.regno))).toEqual([]);

      // The statement kept for the receipt.
      const ev = (await center.db.evidence.get(dep.regno, 1))!;
      await rawSql(url, `update registration_evidence set statement = ? where leaf_index = ?`, [
        ev.statement.replace('待篡改', '已篡改'),
        ev.leafIndex,
      ]);
      expect(failed(await verifyRegistration(center, dep.regno))).toEqual(
        expect.arrayContaining(['inclusion', 'timestamp', 'log-entry']),
      );
      await rawSql(url, `update registration_evidence set statement = ? where leaf_index = ?`, [
        ev.statement,
        ev.leafIndex,
      ]);

      // One log entry.
      await rawSql(url, `update ledger_leaves set data = ? where idx = ?`, [
        Buffer.from(ev.statement.replace('U2', 'U3')).toString('base64'),
        ev.leafIndex,
      ]);
      expect(failed(await verifyRegistration(center, dep.regno))).toEqual(['log-entry']);
      await rawSql(url, `update ledger_leaves set data = ? where idx = ?`, [
        Buffer.from(ev.statement).toString('base64'),
        ev.leafIndex,
      ]);
      expect(failed(await verifyRegistration(center, dep.regno))).toEqual([]);
    });

    it('anchors another hash chain head in the log, provably included in a signed checkpoint', async () => {
      const head = createHash('sha256').update('audit chain head').digest('hex');
      const anchored = await center.evidence.anchor(center.db, { kind: 'security-audit-log', head, length: 12 });
      expect(JSON.parse(anchored.statement)).toMatchObject({
        type: 'yinji-anchor/1',
        kind: 'security-audit-log',
        head,
        length: 12,
      });
      const cp = await center.evidence.checkpoint(center.db);
      const proof = await center.evidence.log(center.db).inclusionProof(anchored.leafIndex, cp.size);
      expect(
        verifyInclusion({
          leafHash: leafHash(Buffer.from(anchored.statement)),
          index: anchored.leafIndex,
          treeSize: cp.size,
          proof,
          root: cp.root,
        }),
      ).toBe(true);
    });

    it('shows the log only grew since a receipt, and catches a forked or truncated history', async () => {
      const { items } = await center.db.registrations.list({});
      const old = await buildReceipt(center, { regno: items[0]!.regno });
      await deposit(center, { source: src, unit: 'U4' });
      await deposit(center, { source: src, unit: 'U5' });
      const now = await center.evidence.checkpoint(center.db);
      const log = center.evidence.log(center.db);
      const proof = (await log.consistencyProof(old.log.treeSize, now.size)).map((h) => Buffer.from(h).toString('hex'));
      const growth = verifyLogGrowth({
        oldCheckpoint: old.log.checkpoint,
        newCheckpoint: now.note,
        proof,
        logKey: old.keys.log,
        alg: 'sha256',
      });
      expect(growth.ok).toBe(true);

      // A center that rewrote its history: same first entries, a different one after, signed with its own key.
      const forked = new MerkleLog(new MemoryLogStorage());
      for (let i = 0; i < old.log.treeSize - 1; i++) await forked.append([(await log.leaf(i)).data]);
      await forked.append([Buffer.from('{"rewritten":true}')]);
      for (let i = 0; i < 3; i++) await forked.append([Buffer.from(`later ${i}`)]);
      const forkSize = old.log.treeSize + 3;
      const forkNote = signCheckpoint(
        { origin: center.evidence.origin, size: forkSize, root: await forked.root(forkSize) },
        center.evidence.keys.log,
      );
      const forkProof = (await forked.consistencyProof(old.log.treeSize, forkSize)).map((h) =>
        Buffer.from(h).toString('hex'),
      );
      const fork = verifyLogGrowth({
        oldCheckpoint: old.log.checkpoint,
        newCheckpoint: forkNote,
        proof: forkProof,
        logKey: old.keys.log,
        alg: 'sha256',
      });
      expect(fork.ok).toBe(false);
      expect(fork.message.en).toContain('fork');

      // A truncated log.
      const shortNote = signCheckpoint(
        { origin: center.evidence.origin, size: 1, root: await log.root(1) },
        center.evidence.keys.log,
      );
      const cut = verifyLogGrowth({
        oldCheckpoint: old.log.checkpoint,
        newCheckpoint: shortNote,
        proof: [],
        logKey: old.keys.log,
        alg: 'sha256',
      });
      expect(cut.ok).toBe(false);
      expect(cut.message.en).toContain('truncated');
      expect(await readdir(dataDir)).toContain('keys');
    });
  });
}
