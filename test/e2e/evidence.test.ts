/**
 * Issue 3 through the CLI: a receipt lets anyone verify a restored folder or
 * a single file offline; a changed byte fails with its reason; the center
 * verifies its own holding; a running center proves its log only grew.
 */
import { appendFile, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAccount } from '../support/accounts.js';
import { runYinji, serveYinji, yinjiJson } from '../support/cli.js';
import { smallPath, writeSmallTree } from '../support/trees.js';

describe('receipts and verification through the CLI', () => {
  let tmp: string;
  let data: string;
  let src: string;
  let regno: string;
  let receipt: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-e2e-evidence-'));
    data = join(tmp, 'data');
    src = join(tmp, 'src');
    await writeSmallTree(src, 40);
    regno = (await yinjiJson<{ regno: string }>(['--data', data, 'deposit', src, '--unit', 'E2E'])).regno;
    receipt = join(tmp, 'receipt.json');
    expect((await runYinji(['--data', data, 'receipt', regno, '--out', receipt])).code).toBe(0);
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('verifies a restored folder and a single file offline, with no data directory at all', async () => {
    const out = join(tmp, 'restored');
    await yinjiJson(['--data', data, 'restore', regno, '--to', out]);
    const empty = join(tmp, 'no-center'); // proves no database or store is consulted
    const r = await runYinji(['--data', empty, 'verify', out, '--receipt', receipt]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('✓ 可信时间戳有效');
    expect(r.stdout).toMatch(/核验通过：.*v1/);
    expect(await readdir(tmp)).not.toContain('no-center');

    const one = await runYinji(['verify', join(src, smallPath(3)), '--receipt', receipt, '--lang', 'en']);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toContain('matches the registered file');
  });

  it('fails on a changed byte, naming the file and the reason', async () => {
    const changed = join(tmp, 'changed.txt');
    await copyFile(join(src, smallPath(5)), changed);
    await appendFile(changed, 'x');
    // Same name as registered, different bytes.
    const named = join(tmp, 'named');
    await mkdir(named);
    const target = join(named, smallPath(5).split('/').pop()!);
    await copyFile(changed, target);
    const r = await runYinji(['verify', target, '--receipt', receipt]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗');
    expect(r.stdout).toContain('与登记时不符');
    expect(r.stdout).toContain('核验未通过');
  });

  it('issues a certificate PDF that renders and reads back in Chinese', async () => {
    const pdf = join(tmp, 'certificate.pdf');
    const r = await runYinji(['--data', data, 'certificate', regno, '--out', pdf]);
    expect(r.code, r.stderr).toBe(0);
    const text = execFileSync('pdftotext', [pdf, '-']).toString().replace(/\s+/g, '');
    expect(text).toContain('档案登记证明');
    expect(text).toContain(regno);
    expect(text).toContain('40个');
    execFileSync('pdftoppm', ['-png', '-r', '50', '-singlefile', pdf, join(tmp, 'certificate')]);
    expect(await readdir(tmp)).toContain('certificate.png');
  });

  it('fails on an edited receipt', async () => {
    const edited = join(tmp, 'edited.json');
    const json = JSON.parse(await readFile(receipt, 'utf8')) as { statement: { title: string } };
    json.statement.title = '伪造的题名';
    await writeFile(edited, JSON.stringify(json));
    const r = await runYinji(['verify', '--receipt', edited, '--json']);
    expect(r.code).toBe(1);
    const failed = (JSON.parse(r.stdout) as { checks: { id: string; ok: boolean }[] }).checks
      .filter((c) => !c.ok)
      .map((c) => c.id);
    expect(failed).toEqual(['inclusion', 'timestamp']);
  });

  it('checks its own holding (--regno) and, against a running center, that the log only grew (--server)', async () => {
    expect((await runYinji(['--data', data, 'verify', '--regno', regno])).code).toBe(0);
    await yinjiJson(['--data', data, 'deposit', src, '--unit', 'E2E2']);
    const depositor = await provisionAccount(data, { username: 'e2e', roles: ['depositor'], unit: 'E2E' });
    const stranger = await provisionAccount(data, { username: 'e2e2', roles: ['depositor'], unit: 'E2E2' });
    const server = await serveYinji(data);
    const url = server.url;
    try {
      const r = await runYinji(['verify', '--receipt', receipt, '--server', url]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/✓ 日志自回执签发后只增未改（1 → 2 条/);
      const remote = await runYinji(['verify', '--regno', regno, '--server', url, '--json'], depositor.env);
      expect(remote.code, remote.stdout).toBe(0);
      // Another unit's depositor is told the registration does not exist (exit 4); nobody signed in, to sign in.
      const other = await runYinji(['verify', '--regno', regno, '--server', url], stranger.env);
      expect(other.code, other.stderr).toBe(4);
      expect(other.stderr).toContain('不存在');
      const anonymous = await runYinji(['verify', '--regno', regno, '--server', url], {
        YINJI_CREDENTIALS: '/nonexistent/credentials.json',
      });
      expect(anonymous.code).toBe(3);
      expect(anonymous.stderr).toContain('yinji login');
    } finally {
      await server.stop();
    }
  });
});
