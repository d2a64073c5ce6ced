import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { verifyReceipt } from '../certificate/index.js';
import { systemClock } from '../core/index.js';
import { createTsaIdentity, handleTimestampQuery, type TsaIdentity } from '../timestamp/index.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { buildReceipt } from './receipt.js';

const databases = withTestDatabases();

for (const dialect of TEST_DIALECTS) {
  describe(`an external time-stamp authority on ${dialect}`, () => {
    let tmp: string;
    let tsa: TsaIdentity;
    let server: Server;
    let url: string;
    let served = 0;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-ext-tsa-${dialect}-`));
      // Another authority, e.g. a national time service: its own root, reached over HTTP (loopback).
      tsa = await createTsaIdentity({ name: '国家授时中心 测试 TSA', clock: systemClock });
      await writeFile(join(tmp, 'external-ca.pem'), tsa.caCertPem);
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          served++;
          const reply = handleTimestampQuery(Buffer.concat(chunks), {
            identity: tsa,
            serial: BigInt(served),
            clock: systemClock,
          });
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(Buffer.from(reply));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/tsa`;
    });

    afterAll(async () => {
      if (server.listening) await new Promise((r) => server.close(r));
      await rm(tmp, { recursive: true, force: true });
    });

    it('stamps registrations; receipts carry its root; when it is down the built-in TSA stamps and an event says so', async () => {
      const center = await Center.open({
        dataDir: join(tmp, 'data'),
        config: { database: await databases.fresh(dialect), tsaUrl: url, tsaCaFile: join(tmp, 'external-ca.pem') },
      });
      try {
        const src = join(tmp, 'src');
        await mkdir(src, { recursive: true });
        await writeFile(join(src, 'a.txt'), 'stamped elsewhere');

        const first = await deposit(center, { source: src });
        expect(served).toBe(1);
        const r1 = await buildReceipt(center, { regno: first.regno });
        expect(r1.keys.tsaCa).toBe(tsa.caCertPem);
        const v1 = verifyReceipt(r1);
        expect(v1.ok).toBe(true);
        expect(v1.checks.find((c) => c.id === 'timestamp')?.message.zh).toContain('国家授时中心');

        await new Promise((r) => server.close(r));
        const second = await deposit(center, { source: src });
        const r2 = await buildReceipt(center, { regno: second.regno });
        expect(r2.keys.tsaCa).toBe(center.evidence.keys.tsa.caCertPem);
        expect(verifyReceipt(r2).ok).toBe(true);
        const events = await center.db.events.list({ type: 'timestamp-fallback' });
        expect(events).toHaveLength(1);
        expect(events[0]!.detail).toMatchObject({ regno: second.regno, tsa: url });
      } finally {
        await center.close();
      }
    });

    it('is refused without its root certificate', async () => {
      await expect(
        Center.open({ dataDir: join(tmp, 'bad'), config: { database: await databases.fresh(dialect), tsaUrl: url } }),
      ).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    });
  });
}
