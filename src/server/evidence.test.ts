import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { verifyLogGrowth, verifyReceipt, type Receipt } from '../certificate/index.js';
import { Center } from '../center/index.js';
import { canonicalJson } from '../core/index.js';
import { leafHash, parseCheckpoint, verifyInclusion } from '../ledger/index.js';
import { buildZip } from '../packages/test-support/raw-zip.js';
import { testAccount, testUnit } from '../auth/test-support/accounts.js';
import { buildApp } from './app.js';
import { injectAs, type Inject } from './test-support/inject.js';

const databases = withTestDatabases();

for (const dialect of TEST_DIALECTS) {
  describe(`evidence over HTTP on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let app: FastifyInstance;
    let op: Inject;
    const regnos: string[] = [];

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-http-evidence-${dialect}-`));
      center = await Center.open({ dataDir: join(tmp, 'data'), config: { database: await databases.fresh(dialect) } });
      app = await buildApp(center, { logger: false });
      for (const code of ['U1', 'U2', 'U3', 'U9']) await testUnit(center.db, code);
      op = injectAs(app, await testAccount(center, { username: 'op', roles: ['operator'] }));
      for (const n of [1, 2, 3]) {
        const res = await op({
          method: 'POST',
          url: `/api/v1/registrations?unit=U${n}`,
          headers: { 'content-type': 'application/zip' },
          payload: buildZip([{ name: `卷${n}/文件.txt`, data: `内容 ${n}` }]),
        });
        regnos.push(res.json<{ regno: string }>().regno);
      }
    });

    afterAll(async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('serves a signed checkpoint and inclusion proofs that verify against it', async () => {
      const note = (await app.inject({ url: '/log/checkpoint' })).body;
      const cp = parseCheckpoint(note);
      expect(cp.size).toBe(3);
      const res = await app.inject({ url: '/log/proof/inclusion?index=1&size=3' });
      const { proof } = res.json<{ proof: string[] }>();
      const receipt = (await op({ url: `/api/v1/registrations/${regnos[1]}/receipt` })).json<Receipt>();
      expect(
        verifyInclusion({
          leafHash: leafHash(Buffer.from(canonicalJson(receipt.statement))),
          index: 1,
          treeSize: 3,
          proof: proof.map((h) => Buffer.from(h, 'hex')),
          root: cp.root,
        }),
      ).toBe(true);
      expect(verifyReceipt(receipt).ok).toBe(true);
    });

    it('serves consistency proofs: an old receipt shows the log only grew', async () => {
      const old = (await op({ url: `/api/v1/registrations/${regnos[0]}/receipt` })).json<Receipt>();
      await op({
        method: 'POST',
        url: '/api/v1/registrations?unit=U9',
        headers: { 'content-type': 'application/zip' },
        payload: buildZip([{ name: 'later.txt', data: 'later' }]),
      });
      const latest = (await app.inject({ url: '/log/checkpoint' })).body;
      const proof = (await app.inject({ url: `/log/proof/consistency?from=${old.log.treeSize}&to=4` })).json<{
        proof: string[];
      }>().proof;
      expect(
        verifyLogGrowth({
          oldCheckpoint: old.log.checkpoint,
          newCheckpoint: latest,
          proof,
          logKey: old.keys.log,
          alg: 'sha256',
        }).ok,
      ).toBe(true);
      expect((await app.inject({ url: '/log/proof/consistency?from=2&to=99' })).statusCode).toBe(400);
    });

    it('verifies by digest only: the file never leaves the client', async () => {
      const sha = createHash('sha256').update('内容 2').digest('hex');
      const unknown = 'ab'.repeat(32);
      const res = await op({ method: 'POST', url: '/verify', payload: { sha256: [sha, unknown] } });
      expect(res.json()).toEqual({
        results: [
          {
            sha256: sha,
            registrations: [expect.objectContaining({ regno: regnos[1], version: 1, path: '卷2/文件.txt' })],
          },
          { sha256: unknown, registrations: [] },
        ],
      });
      // The public learns that, and when, such a file was registered: not which registration, path or unit.
      const open = await app.inject({ method: 'POST', url: '/verify', payload: { sha256: [sha] } });
      expect(open.json()).toEqual({
        results: [{ sha256: sha, registrations: [{ registeredAt: expect.any(String) as string }] }],
      });
      expect((await app.inject({ method: 'POST', url: '/verify', payload: { sha256: ['not-hex'] } })).statusCode).toBe(
        400,
      );
    });

    it('answers RFC 3161 requests made by openssl, and openssl verifies the reply', async () => {
      const dir = join(tmp, 'tsa');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'data.txt'), '任意数据 any data');
      execFileSync('openssl', [
        'ts',
        '-query',
        '-data',
        join(dir, 'data.txt'),
        '-sha256',
        '-cert',
        '-out',
        join(dir, 'req.tsq'),
      ]);
      const res = await app.inject({
        method: 'POST',
        url: '/tsa',
        headers: { 'content-type': 'application/timestamp-query' },
        payload: await readFile(join(dir, 'req.tsq')),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/timestamp-reply');
      await writeFile(join(dir, 'resp.tsr'), res.rawPayload);
      await writeFile(join(dir, 'ca.pem'), center.evidence.keys.tsa.caCertPem);
      const out = execFileSync('openssl', [
        'ts',
        '-verify',
        '-in',
        join(dir, 'resp.tsr'),
        '-queryfile',
        join(dir, 'req.tsq'),
        '-CAfile',
        join(dir, 'ca.pem'),
      ]);
      expect(out.toString()).toContain('Verification: OK');
    });

    it('serves the certificate as a PDF', async () => {
      expect((await app.inject({ url: `/api/v1/registrations/${regnos[0]}/certificate` })).statusCode).toBe(401);
      const res = await op({ url: `/api/v1/registrations/${regnos[0]}/certificate` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    });

    it('lists the evidence routes in the OpenAPI document', async () => {
      const doc = (await app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/log/checkpoint',
          '/log/proof/inclusion',
          '/log/proof/consistency',
          '/verify',
          '/tsa',
          '/api/v1/registrations/{regno}/receipt',
        ]),
      );
    });
  });
}
