/**
 * Issue 5 item 1 for the CLI: `yinji login` exchanges a password for an API
 * token and keeps it in a 0600 credentials file; `yinji deposit --server`
 * then works with no YINJI_TOKEN (the center reviews units' deposits by
 * default, so the upload becomes a submitted submission); `yinji logout`
 * revokes the token on the server and forgets it. A wrong password fails
 * with the server's message. Real `yinji serve` and CLI processes (dist/).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZip } from '../../src/packages/test-support/raw-zip.js';
import { provisionAccount } from '../support/accounts.js';
import { runYinji, serveYinji } from '../support/cli.js';

const PASSWORD = '报送员的长口令-login-e2e';

interface CredentialsFile {
  servers: Record<string, { token: string; tokenId: number; username: string; expiresAt: string | null }>;
}

describe('yinji login, deposit and logout against a running center', () => {
  let tmp: string;
  let server: Awaited<ReturnType<typeof serveYinji>>;
  let creds: string;
  let origin: string;
  /** A CLI child's environment: the credentials file only, no token and no password of the machine's user. */
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-login-'));
    await provisionAccount(join(tmp, 'data'), {
      username: 'dep',
      roles: ['depositor'],
      unit: '330100',
      password: PASSWORD,
    });
    server = await serveYinji(join(tmp, 'data'));
    origin = new URL(server.url).origin;
    creds = join(tmp, 'home', 'yinji', 'creds.json');
    env = { YINJI_CREDENTIALS: creds, YINJI_TOKEN: '', YINJI_PASSWORD: '' };
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  const readCredentials = async (): Promise<CredentialsFile> =>
    JSON.parse(await readFile(creds, 'utf8')) as CredentialsFile;

  it('refuses a wrong password with the server’s 401 message and keeps nothing', async () => {
    const r = await runYinji(['--lang', 'en', 'login', '--server', server.url, '--username', 'dep'], {
      ...env,
      YINJI_PASSWORD: 'not-the-password',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('wrong username or password');
    expect(r.stderr).toContain('E_UNAUTHENTICATED');
    await expect(stat(creds)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('signs in, deposits with the kept token, and signs out revoking it', async () => {
    const login = await runYinji(['--lang', 'en', 'login', '--server', server.url, '--username', 'dep'], {
      ...env,
      YINJI_PASSWORD: PASSWORD,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('signed in');
    expect(login.stdout).not.toMatch(/yj_/); // the token is never printed

    expect((await stat(creds)).mode & 0o777).toBe(0o600);
    const kept = (await readCredentials()).servers[origin];
    expect(kept).toMatchObject({ username: 'dep', tokenId: expect.any(Number) });
    expect(kept!.token).toMatch(/^yj_[A-Za-z0-9_-]{43}$/);
    const bearer = { authorization: `Bearer ${kept!.token}` };
    const me = await fetch(new URL('/api/v1/session', server.url), { headers: bearer });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ account: { username: 'dep', roles: ['depositor'] } });

    const zip = join(tmp, 'package.zip');
    await writeFile(
      zip,
      buildZip([
        { name: '文书/2026/登记备份通知.txt', data: '请按时报送' },
        { name: '照片/合影.jpg', data: Buffer.alloc(2048, 3) },
      ]),
    );
    const deposit = await runYinji(
      ['--data', join(tmp, 'client'), 'deposit', zip, '--server', server.url, '--title', '命令行报送', '--json'],
      env,
    );
    expect(deposit.code, deposit.stderr).toBe(0);
    const result = JSON.parse(deposit.stdout) as { submission: { id: number; status: string; title: string } };
    expect(result.submission).toMatchObject({ status: 'submitted', title: '命令行报送' });
    const seen = await fetch(new URL(`/api/v1/submissions/${result.submission.id}`, server.url), { headers: bearer });
    expect(await seen.json()).toMatchObject({
      submission: { status: 'submitted' },
      events: expect.arrayContaining([expect.objectContaining({ toStatus: 'submitted', actor: 'dep' })]),
    });

    const logout = await runYinji(['--lang', 'en', 'logout', '--server', server.url], env);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toContain('signed out');
    expect((await readCredentials()).servers[origin]).toBeUndefined();
    expect(await readFile(creds, 'utf8')).not.toContain(kept!.token);
    const after = await fetch(new URL('/api/v1/session', server.url), { headers: bearer });
    expect(after.status).toBe(401);

    // Without a kept token the CLI says how to sign in, rather than uploading anonymously.
    const anonymous = await runYinji(
      ['--data', join(tmp, 'client'), '--lang', 'en', 'deposit', zip, '--server', server.url],
      env,
    );
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toContain('yinji login');
  });
});
