/**
 * Issue 8 item 6: a lower-level center pushes its open catalog to its
 * upper-level catalog center over the peer protocol, incrementally; the
 * upper center's search shows which archive holds each hit. Two real
 * centers, the upper one listening on loopback, signed peer requests.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { FastifyInstance } from 'fastify';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import {
  Center,
  addPeer,
  deposit,
  issueCertifiedCopy,
  requestCertifiedCopy,
  runDueJobs,
  verifyHeld,
  importUnitCatalog,
  pairingToken,
  pushCatalog,
  receiveSharedCatalog,
  searchCenterCatalog,
  setUpperCatalogCenter,
} from '../center/index.js';
import { buildApp } from './app.js';
import { injectAs } from './test-support/inject.js';

const databases = withTestDatabases();

/** The files of a zip, by name. */
async function unzip(bytes: Buffer): Promise<Record<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true });
  const out: Record<string, Buffer> = {};
  for await (const entry of zip.eachEntry()) out[entry.fileName] = await buffer(await zip.openReadStreamPromise(entry));
  return out;
}

for (const dialect of TEST_DIALECTS) {
  describe(`catalog center (目录中心) on ${dialect}`, () => {
    let tmp: string;
    let county: Center;
    let city: Center;
    let cityApp: FastifyInstance;
    let countyApp: FastifyInstance;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-catalog-center-${dialect}-`));
      county = await Center.open({
        dataDir: join(tmp, 'county'),
        config: { centerId: 'COUNTY', centerName: '某县档案馆', database: await databases.fresh(dialect) },
      });
      city = await Center.open({
        dataDir: join(tmp, 'city'),
        config: { centerId: 'CITY', centerName: '某市档案馆', database: await databases.fresh(dialect) },
      });
      cityApp = await buildApp(city, { logger: false });
      await cityApp.listen({ host: '127.0.0.1', port: 0 });
      const cityUrl = `http://127.0.0.1:${(cityApp.server.address() as { port: number }).port}`;
      countyApp = await buildApp(county, { logger: false });
      await countyApp.listen({ host: '127.0.0.1', port: 0 });
      const countyUrl = `http://127.0.0.1:${(countyApp.server.address() as { port: number }).port}`;
      await addPeer(county, pairingToken(city, cityUrl).token);
      await addPeer(city, pairingToken(county, countyUrl).token);
    });

    afterAll(async () => {
      await cityApp.close();
      await countyApp.close();
      await county.close();
      await city.close();
      await rm(tmp, { recursive: true, force: true });
    });

    const importAt = async (center: Center, unit: string, csv: string): Promise<void> => {
      const file = join(tmp, `${center.config.centerId}-${Date.now()}.csv`);
      await writeFile(file, csv);
      await importUnitCatalog(center, { file, unit });
    };
    const hits = async (center: Center, query: string, access: 'open' | 'all' = 'open') =>
      (await searchCenterCatalog(center, { query, access: { kind: access } })).hits.map((h) => ({
        title: h.title,
        code: h.archivalCode,
        holder: h.holder.name,
        notes: h.entry.notes,
      }));

    it('shares the open entries with the fields the policy allows, and the city search names the county', async () => {
      await importAt(
        county,
        '330100',
        '档号,题名,责任者,附注,开放状态\n' +
          'J001-WS·2020-Y-0001,关于水库移民安置的通知,县水利局,内部备注：勿外传,开放\n' +
          'J001-WS·2020-Y-0002,水库移民补偿名册,县水利局,,控制\n' +
          'J001-WS·2020-Y-0003,水库除险加固工程验收报告,县水利局,,开放\n',
      );
      await importAt(city, '330000', '档号,题名,开放状态\nJ002-WS·2021-Y-0001,全市水库安全检查情况,开放\n');
      await setUpperCatalogCenter(county, 'CITY');
      const pushed = await pushCatalog(county);
      expect(pushed).toEqual({ upper: 'CITY', sent: 2, withdrawn: 1, rejected: 0 });

      const found = await hits(city, '水库', 'all');
      expect(found.map((h) => [h.title, h.holder]).sort()).toEqual([
        ['全市水库安全检查情况', '某市档案馆'],
        ['关于水库移民安置的通知', '某县档案馆'],
        ['水库除险加固工程验收报告', '某县档案馆'],
      ]);
      // 附注 is not in the default shared fields; the controlled entry never left the county.
      expect(found.find((h) => h.code === 'J001-WS·2020-Y-0001')?.notes).toBe('');
      expect(JSON.stringify(found)).not.toContain('补偿名册');
      // The public at the city sees the county's open entries too.
      expect((await hits(city, '移民安置')).map((h) => h.holder)).toEqual(['某县档案馆']);
    });

    it('sends later changes: a retitled entry is updated, a closed one withdrawn', async () => {
      await importAt(
        county,
        '330100',
        '档号,题名,开放状态\n' +
          'J001-WS·2020-Y-0001,关于水库移民后期扶持的通知,开放\n' +
          'J001-WS·2020-Y-0003,水库除险加固工程验收报告,控制\n',
      );
      const pushed = await pushCatalog(county);
      expect(pushed).toMatchObject({ upper: 'CITY', rejected: 0 });
      const found = await hits(city, '水库', 'all');
      expect(found.map((h) => h.title).sort()).toEqual(['全市水库安全检查情况', '关于水库移民后期扶持的通知']);
      // Withdrawn means gone from the city's catalog altogether, not just hidden.
      const shared = await city.db.catalog.list({}, { kind: 'all' }, 0, 100);
      expect(shared.filter((e) => e.holder === 'COUNTY').map((e) => e.holderEntryId)).toHaveLength(1);
      expect(shared.find((e) => e.holder === 'COUNTY')).toMatchObject({ source: 'peer', unitCode: '330100' });
    });

    it('issues a certified copy at the county for a reader at the city (跨馆出证), verifiable offline', async () => {
      const source = join(tmp, 'deposit');
      await mkdir(source, { recursive: true });
      await writeFile(join(source, '移民安置方案.txt'), '水库移民安置实施方案（正文）');
      await writeFile(join(source, '内部.txt'), '内部讨论记录');
      await writeFile(
        join(source, '目录.csv'),
        '档号,题名,开放状态,计算机文件名\n' +
          'J001-WS·2021-Y-0001,水库移民安置实施方案,开放,移民安置方案.txt\n' +
          'J001-WS·2021-Y-0002,水库移民内部讨论记录,控制,内部.txt\n',
      );
      const { regno } = await deposit(county, { source, unit: '330100' });
      await runDueJobs(county);
      await pushCatalog(county);

      const [hit] = (await searchCenterCatalog(city, { query: '安置实施方案', access: { kind: 'open' } })).hits;
      expect(hit?.holder).toEqual({ centerId: 'COUNTY', name: '某县档案馆' });
      const reader = await testAccount(city, {
        username: 'lisi',
        roles: ['depositor'],
        unit: await testUnit(city.db, 'R1'),
      });
      const copy = await requestCertifiedCopy(city, reader.actor, hit!.id, '办理移民补助');
      expect(copy.issuer).toBe('COUNTY');
      const zipped = await buffer(copy.stream);
      const files = await unzip(zipped);
      expect(Object.keys(files).sort()).toEqual(
        ['出证说明.json', '核验方法.txt', '登记证明.pdf', '移民安置方案.txt', 'receipt.json'].sort(),
      );
      expect(files['移民安置方案.txt']!.toString()).toBe('水库移民安置实施方案（正文）');
      expect(JSON.parse(files['出证说明.json']!.toString())).toMatchObject({
        issuer: { centerId: 'COUNTY' },
        requester: 'lisi@CITY',
        purpose: '办理移民补助',
        registration: { regno, path: '移民安置方案.txt' },
      });
      // Anyone checks it offline against the county's published log key — the city is not trusted.
      const held = join(tmp, '移民安置方案.txt');
      await writeFile(held, files['移民安置方案.txt']!);
      const receipt = JSON.parse(files['receipt.json']!.toString()) as { keys: { tsaCa: string } };
      const report = await verifyHeld(receipt, held, {
        trustedLogKey: county.evidence.keys.log.verifierKey,
        trustedTsaCa: receipt.keys.tsaCa,
      });
      expect(report.ok, JSON.stringify(report.checks)).toBe(true);
      // A changed byte does not verify.
      await writeFile(held, '水库移民安置实施方案（改）');
      expect((await verifyHeld(receipt, held, { trustedLogKey: county.evidence.keys.log.verifierKey })).ok).toBe(false);
      // Over HTTP at the city, the same: the zip comes from the county.
      const res = await injectAs(
        cityApp,
        reader,
      )({
        method: 'POST',
        url: `/api/v1/catalog/entries/${hit!.id}/certified-copy`,
        payload: { purpose: '办理移民补助' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers).toMatchObject({ 'content-type': 'application/zip', 'x-yinji-issuer': 'COUNTY' });
      expect(Object.keys(await unzip(res.rawPayload))).toContain('receipt.json');
      // The county's own audit log names the reader and the partner.
      const audit = await county.db.auditLog.list({ limit: 1000 });
      expect(audit.filter((a) => a.action === 'certified-copy').map((a) => a.actor)).toEqual([
        'lisi@CITY',
        'lisi@CITY',
      ]);

      // The controlled record was never shared, and a partner cannot ask for it by id either.
      expect((await searchCenterCatalog(city, { query: '内部讨论', access: { kind: 'all' } })).total).toBe(0);
      const controlled = (await county.db.catalog.list({ regno }, { kind: 'all' }, 0, 10)).find(
        (e) => e.openStatus === 'controlled',
      )!;
      await expect(
        issueCertifiedCopy(county, controlled.id, { requester: 'x@CITY', purpose: '试探' }),
      ).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });

    it('keeps the good entries of a push and refuses the bad ones with their reasons', async () => {
      const peer = (await city.db.replicaTargets.get('COUNTY'))!;
      const answer = await receiveSharedCatalog(city, peer, {
        entries: [
          { id: 9001, unitCode: '330101', fields: { title: '乡镇水利站沿革', date: '2019-02-30' } },
          { id: 9002, unitCode: '330101', fields: { archivalCode: 'J009-WS·2019-Y-0001' } },
          { id: 9003, unitCode: '330101', fields: { title: '乡镇水利站职能说明', retention: '永久' } },
        ],
        withdrawn: [],
      });
      expect(answer.accepted).toBe(1);
      expect(answer.rejected.map((r) => r.id)).toEqual([9001, 9002]);
      expect(answer.rejected[1]!.reasons.join()).toContain('题名不能为空');
      expect((await hits(city, '水利站')).map((h) => h.title)).toEqual(['乡镇水利站职能说明']);
    });
  });
}
