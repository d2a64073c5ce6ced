/**
 * `yinji audit-log verify` as an auditor runs it on an embedded center: exit
 * 0 on an intact chain, 7 with every finding listed once a row of the SQLite
 * file was changed behind Yinji's back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawSql } from '../support/databases.js';
import { runYinji, yinjiJson } from '../support/cli.js';
import { writeSmallTree } from '../support/trees.js';

describe('yinji audit-log', () => {
  let tmp: string;
  let data: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-audit-cli-'));
    data = join(tmp, 'data');
    await writeSmallTree(join(tmp, 'src'), 3);
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists entries, verifies an intact log (exit 0) and reports a tampered row (exit 7)', async () => {
    const { regno } = await yinjiJson<{ regno: string }>(['--data', data, 'deposit', join(tmp, 'src')]);
    expect((await runYinji(['--data', data, 'restore', regno, '--to', join(tmp, 'out')])).code).toBe(0);

    const list = await yinjiJson<{ seq: number; action: string; target: string }[]>([
      '--data',
      data,
      'audit-log',
      'list',
      '--limit',
      '10',
    ]);
    expect(list.map((e) => [e.seq, e.action, e.target])).toEqual([
      [1, 'deposit', regno],
      [2, 'restore', regno],
    ]);

    const ok = await runYinji(['--data', data, 'audit-log', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('审计日志完整：2 条');

    await rawSql(`sqlite:${join(data, 'yinji.db')}`, `update audit_log set actor = 'nobody' where seq = 1`);
    const bad = await runYinji(['--data', data, '--lang', 'en', 'audit-log', 'verify']);
    expect(bad.code).toBe(7);
    expect(bad.stdout).toContain('1\taltered\taudit entry 1 does not match its hash');
    expect(bad.stdout).toContain('audit log tampered with: 1 findings');

    const json = await runYinji(['--data', data, '--json', 'audit-log', 'verify']);
    expect(json.code).toBe(7);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, findings: [{ seq: 1, problem: 'altered' }] });
  });
});
