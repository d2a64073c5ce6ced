/**
 * `yinji migrate` as an operator scales an embedded center out: the store
 * is copied to another root while the server keeps answering reads, the
 * metadata to PostgreSQL, `--switch` points config.json at both, and the
 * center then verifies its holdings and registers the next number there.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAccount } from '../support/accounts.js';
import { runYinji, serveYinji, yinjiJson } from '../support/cli.js';
import { createTestDatabase } from '../support/databases.js';
import { writeSmallTree } from '../support/trees.js';

describe('yinji migrate', () => {
  let tmp: string;
  let data: string;
  let pg: { url: string; drop(): Promise<void> };
  const regnos: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-e2e-migrate-'));
    data = join(tmp, 'data');
    pg = await createTestDatabase('postgres');
    await yinjiJson(['--data', data, 'init', '--center-id', 'MIG']);
    for (let i = 0; i < 3; i++) {
      await writeSmallTree(join(tmp, `src${i}`), 20 + i);
      regnos.push((await yinjiJson<{ regno: string }>(['--data', data, 'deposit', join(tmp, `src${i}`)])).regno);
    }
    await writeFile(join(tmp, 'src0', 'added.txt'), '第二版');
    await yinjiJson(['--data', data, 'deposit', join(tmp, 'src0'), '--to', regnos[0]!]);
  });

  afterAll(async () => {
    await pg.drop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('needs a destination', async () => {
    const r = await runYinji(['--data', data, 'migrate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to-database');
  });

  it('copies the store while the server answers reads, then prints what to change', async () => {
    const op = await provisionAccount(data, { username: 'op', roles: ['operator'] });
    const server = await serveYinji(data);
    try {
      const [copy, read] = await Promise.all([
        runYinji(['--data', data, '--lang', 'en', 'migrate', '--to-storage', join(tmp, 'store2')]),
        fetch(new URL(`/api/v1/registrations/${regnos[1]}`, server.url), { headers: op.headers }),
      ]);
      expect(read.status).toBe(200);
      expect(copy.code).toBe(0);
      expect(copy.stdout).toContain('copied 3 objects');
      expect(copy.stdout).toContain('valid OCFL 1.1 storage root');
      expect(copy.stdout).toContain(`"storageRoot": ${JSON.stringify(join(tmp, 'store2'))}`);
    } finally {
      await server.stop();
    }
    // Not switched: the center still uses its old store.
    const config = JSON.parse(await readFile(join(data, 'config.json'), 'utf8')) as { storageRoot: string };
    expect(config.storageRoot).toBe(join(data, 'store'));
  });

  it('moves metadata to PostgreSQL and the store with --switch; the center carries on there', async () => {
    const db = await yinjiJson<{ database: { rows: number }; switched: boolean; config: { change: unknown } }>([
      '--data',
      data,
      'migrate',
      '--to-database',
      pg.url,
      '--switch',
    ]);
    expect(db.switched).toBe(true);
    expect(db.database.rows).toBeGreaterThan(0);
    expect(db.config.change).toEqual({ database: pg.url });

    // Resuming into the copy made above: every object is already there.
    const store = await yinjiJson<{
      storage: { counts: Record<string, number>; complete: boolean };
      switched: boolean;
    }>(['--data', data, 'migrate', '--to-storage', join(tmp, 'store2'), '--switch']);
    expect(store.storage.counts).toMatchObject({ copied: 0, unchanged: 3, failed: 0 });
    expect(store.switched).toBe(true);
    expect(JSON.parse(await readFile(join(data, 'config.json'), 'utf8'))).toMatchObject({
      database: pg.url,
      storageRoot: join(tmp, 'store2'),
      centerId: 'MIG',
    });

    for (const regno of regnos) {
      expect((await runYinji(['--data', data, 'verify', '--regno', regno])).code).toBe(0);
    }
    expect((await runYinji(['--data', data, 'store', 'validate'])).code).toBe(0);
    const next = await yinjiJson<{ regno: string }>(['--data', data, 'deposit', join(tmp, 'src1')]);
    expect(next.regno).toBe(regnos[2]!.replace(/0003$/, '0004'));

    // Copying onto the database the center now uses is refused as bad input (exit 3).
    const again = await runYinji(['--data', data, 'migrate', '--to-database', pg.url]);
    expect(again.code).toBe(3);
  });
});
