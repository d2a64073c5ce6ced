/**
 * First run (issue 5 §1): `yinji init` prints a one-time setup code, never a
 * default password; `yinji admin bootstrap` creates the three administrators
 * with it, taking passwords from the environment; the code then stops
 * working, and no new code is made once the administrators exist. Both the
 * success and a refused attempt are in the security audit log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYinji, yinjiJson } from '../support/cli.js';

const PASSWORDS = {
  YINJI_SYSTEM_ADMIN_PASSWORD: '系统管理员的长密码-2026',
  YINJI_SECURITY_ADMIN_PASSWORD: '安全管理员的长密码-2026',
  YINJI_AUDITOR_PASSWORD: '安全审计员的长密码-2026',
};

describe('yinji init and admin bootstrap', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-bootstrap-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('creates the three administrators once, with the code init printed', async () => {
    const data = join(tmp, 'data');
    const first = await yinjiJson<{ setupCode?: string }>(['--data', data, 'init', '--center-id', 'ZJHZ']);
    expect(first.setupCode).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4})+$/);
    const text = await runYinji(['--data', data, 'init', '--center-id', 'ZJHZ']);
    const code = /初始化码[^\n]*\n\s+(\S+)/.exec(text.stdout)?.[1];
    expect(code).toBeDefined(); // running init again makes a new code: the first no longer works
    const args = [
      '--data',
      data,
      'admin',
      'bootstrap',
      '--system',
      'sysadmin',
      '--security',
      'secadmin',
      '--auditor',
      'auditor',
    ];

    const noPassword = await runYinji([...args, '--code', code!]);
    expect(noPassword.code).toBe(3);
    expect(noPassword.stderr).toContain('YINJI_SYSTEM_ADMIN_PASSWORD');

    const stale = await runYinji([...args, '--code', first.setupCode!], PASSWORDS);
    expect(stale.code).toBe(3);
    expect(stale.stderr).toContain('E_UNAUTHENTICATED');

    const ok = await yinjiJson<{ system: string }>([...args, '--code', code!], PASSWORDS);
    expect(ok).toEqual({ system: 'sysadmin', security: 'secadmin', auditor: 'auditor' });

    const again = await runYinji([...args, '--code', code!], PASSWORDS);
    expect(again.code).not.toBe(0);
    const after = await yinjiJson<{ setupCode?: string }>(['--data', data, 'init', '--center-id', 'ZJHZ']);
    expect(after.setupCode).toBeUndefined();

    const log = await yinjiJson<
      { entries: { action: string; outcome: string }[] } | { action: string; outcome: string }[]
    >(['--data', data, 'audit-log', 'list']);
    const entries = Array.isArray(log) ? log : log.entries;
    expect(entries.filter((e) => e.action === 'permission-change').map((e) => e.outcome)).toEqual([
      'failure',
      'success',
      'failure',
    ]);
    expect((await runYinji(['--data', data, 'audit-log', 'verify'])).code).toBe(0);
  }, 120_000);
});
