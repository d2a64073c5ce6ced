/**
 * The validators through the CLI, as an auditor uses them: an exported bag
 * and the store validate (exit 0); after tampering, every violation is listed
 * with its code and the exit code is 1; restoring tampered content refuses
 * with exit 7 rather than hand back wrong bytes.
 */
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYinji, yinjiJson } from '../support/cli.js';
import { writeSmallTree } from '../support/trees.js';

interface Finding {
  code: string;
  path?: string;
}

async function findObjectDir(store: string): Promise<string> {
  for (const e of await readdir(store, { withFileTypes: true, recursive: true })) {
    if (e.name === '0=ocfl_object_1.1') return e.parentPath;
  }
  throw new Error('no object');
}

describe('validation through the CLI', () => {
  let tmp: string;
  let data: string;
  let regno: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-validate-'));
    data = join(tmp, 'data');
    await writeSmallTree(join(tmp, 'src'), 30);
    regno = (await yinjiJson<{ regno: string }>(['--data', data, 'deposit', join(tmp, 'src')])).regno;
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('exports bags (directory and zip) that validate, and lists every violation of a tampered one', async () => {
    const dir = join(tmp, 'bag');
    const zip = join(tmp, 'bag.zip');
    await yinjiJson(['--data', data, 'export', regno, '--bag', dir]);
    await yinjiJson(['--data', data, 'export', regno, '--bag', zip]);
    expect((await runYinji(['bag', 'validate', dir])).code).toBe(0);
    expect((await runYinji(['bag', 'validate', zip])).code).toBe(0);

    const payload = join(dir, 'data', '文书', '2000年');
    const [victim] = (await readdir(payload)).sort();
    await appendFile(join(payload, victim!), 'tampered');
    await writeFile(join(dir, 'data', 'intruder.txt'), 'not in any manifest');
    const r = await runYinji(['bag', 'validate', dir, '--json']);
    expect(r.code).toBe(1);
    const codes = (JSON.parse(r.stdout) as { violations: Finding[] }).violations.map((v) => v.code);
    expect(codes).toEqual(expect.arrayContaining(['BAG_DIGEST_MISMATCH', 'BAG_UNLISTED_FILE', 'BAG_OXUM_MISMATCH']));
  });

  it('validates the store and one object, and detects altered content with its OCFL code', async () => {
    const store = join(data, 'store');
    const object = await findObjectDir(store);
    expect((await runYinji(['store', 'validate', store])).code).toBe(0);
    expect((await runYinji(['store', 'validate', object])).code).toBe(0);

    const content = join(object, 'v1', 'content', 'data', '文书', '2000年');
    const [victim] = (await readdir(content)).sort();
    await appendFile(join(content, victim!), 'bit rot');
    const r = await runYinji(['--data', data, 'store', 'validate', '--json']);
    expect(r.code).toBe(1);
    const errors = (JSON.parse(r.stdout) as { errors: Finding[] }).errors;
    expect(errors.map((e) => e.code)).toContain('E092'); // OCFL 1.1: content does not match its manifest digest
    expect(errors.find((e) => e.code === 'E092')?.path).toContain(victim);

    const restore = await runYinji(['--data', data, 'restore', regno, '--to', join(tmp, 'out')]);
    expect(restore.code, restore.stderr).toBe(7);
    expect(restore.stderr).toMatch(/^错误 \[E_DIGEST_MISMATCH\]: .*yinji store validate/);
    expect(await readdir(tmp)).not.toContain('out'); // nothing half-restored
  });
});
