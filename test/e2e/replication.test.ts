/**
 * Issue 7, Must show, with three centers as separate `yinji serve`
 * processes on loopback ports. A copies every registration to its partners
 * B (AES-256-GCM, through a proxy that can cut the link) and C (SM4), and to
 * a second disk. Shown:
 *  - deposit at A → copies at B, C and the disk;
 *  - B offline while A replicates → A retries and B catches up when back;
 *  - the link to B cut mid-transfer → the transfer continues, not restarts;
 *  - a file corrupted in A's store → A's audit finds it, repairs it from a
 *    replica, and the restore is byte-identical;
 *  - a file B dropped → A's challenge audit fails B's copy, and re-sends it;
 *  - B and C cosign A's checkpoint;
 *  - a final audit over every copy passes: nothing was lost.
 */
import { execFileSync } from 'node:child_process';
import { cp, readdir, readFile, rm, mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runYinji, serveYinji, yinjiJson } from '../support/cli.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { writeSmallTree } from '../support/trees.js';

type Server = Awaited<ReturnType<typeof serveYinji>>;

interface ReplicasJson {
  replicas: { targetId: string; status: string; job?: { state: string; attempts: number; lastError: string | null } }[];
}

interface AuditJson {
  copies: number;
  withFindings: number;
  failing: number;
  registrations: {
    regno: string;
    copies: {
      copy: string;
      ok: boolean;
      passes: boolean;
      findings: { path: string; problem: string }[];
      repaired: string[];
    }[];
  }[];
}

const portOf = (url: string): number => Number(new URL(url).port);

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

describe('replication between three centers in separate processes', () => {
  let tmp: string;
  const data = { a: '', b: '', c: '' };
  const servers: Partial<Record<'a' | 'b' | 'c', Server>> = {};
  let proxy: TcpProxy;
  const regnos: string[] = [];
  const sources: string[] = [];
  const yinji = (center: 'a' | 'b' | 'c', args: string[]) => ['--data', data[center], ...args];

  /** Poll A's view of a registration's copies until every target reports `copied`. */
  async function waitCopied(regno: string, targets: string[], timeoutMs = 90_000): Promise<ReplicasJson> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const view = await yinjiJson<ReplicasJson>(yinji('a', ['replicas', regno]));
      const copied = view.replicas.filter((r) => r.status === 'copied').map((r) => r.targetId);
      if (targets.every((t) => copied.includes(t))) return view;
      if (Date.now() > until) throw new Error(`not copied in time: ${JSON.stringify(view)}`);
      await sleep(300);
    }
  }

  async function depositAtA(name: string, fill: (dir: string) => Promise<void>): Promise<string> {
    const src = join(tmp, name);
    await fill(src);
    const { regno } = await yinjiJson<{ regno: string }>(yinji('a', ['deposit', src, '--unit', 'U1']));
    regnos.push(regno);
    sources.push(src);
    return regno;
  }

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-replication-e2e-'));
    for (const [k, id] of [
      ['a', 'A'],
      ['b', 'B'],
      ['c', 'C'],
    ] as const) {
      data[k] = join(tmp, k);
      await mkdir(data[k]);
      // Fast retries, so an outage in the test is seconds, not minutes.
      await writeFile(join(data[k], 'config.json'), JSON.stringify({ centerId: id, jobRetrySeconds: 0.5 }));
    }
    [servers.a, servers.b, servers.c] = await Promise.all([serveYinji(data.a), serveYinji(data.b), serveYinji(data.c)]);
    proxy = await startTcpProxy();
    proxy.setUpstream(portOf(servers.b.url));
    // Pairing: tokens exchanged both ways; A reaches B through the proxy.
    const token = async (k: 'a' | 'b' | 'c', url: string) =>
      (await yinjiJson<{ token: string }>(yinji(k, ['peer', 'token', '--url', url]))).token;
    await yinjiJson(yinji('a', ['peer', 'add', await token('b', proxy.url)]));
    await yinjiJson(yinji('a', ['peer', 'add', await token('c', servers.c.url), '--encrypt', 'sm4']));
    const tokenA = await token('a', servers.a.url);
    await yinjiJson(yinji('b', ['peer', 'add', tokenA]));
    await yinjiJson(yinji('c', ['peer', 'add', tokenA]));
    await yinjiJson(yinji('a', ['target', 'add', 'disk2', join(tmp, 'disk2')]));
    await yinjiJson(yinji('a', ['replication', '--targets', 'B,C,disk2']));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s?.stop()));
    await proxy?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('copies a deposit at A to B, C and the second disk; B holds only ciphertext', async () => {
    const regno = await depositAtA('src-1', async (dir) => {
      await writeSmallTree(dir, 40);
      await writeFile(join(dir, '机密.txt'), '甲中心机密正文 KX42');
    });
    const view = await waitCopied(regno, ['B', 'C', 'disk2']);
    expect(view.replicas.map((r) => r.targetId)).toEqual(['B', 'C', 'disk2']);
    for (const f of await filesBelow(join(data.b, 'hosted', 'A'))) {
      expect((await readFile(f)).includes(Buffer.from('甲中心机密正文'))).toBe(false);
    }
  }, 120_000);

  it('keeps retrying while B is offline, and B catches up when it is back', async () => {
    await servers.b!.stop();
    const regno = await depositAtA('src-2', async (dir) => void (await writeSmallTree(dir, 10)));
    await waitCopied(regno, ['C', 'disk2']);
    // The copy to B has failed at least twice meanwhile, and is still queued, not given up.
    for (;;) {
      const b = (await yinjiJson<ReplicasJson>(yinji('a', ['replicas', regno]))).replicas.find(
        (r) => r.targetId === 'B',
      )!;
      if ((b.job?.attempts ?? 0) >= 2) {
        expect(b.status).toBe('pending');
        expect(b.job?.lastError).toMatch(/伙伴中心 B|partner center B/);
        break;
      }
      await sleep(300);
    }
    servers.b = await serveYinji(data.b);
    proxy.setUpstream(portOf(servers.b.url));
    await waitCopied(regno, ['B', 'C', 'disk2']);
  }, 120_000);

  it('continues a transfer cut midway from where it stopped', async () => {
    const size = 24 * 1024 * 1024;
    const before = proxy.forwarded;
    proxy.cutAfter(10 * 1024 * 1024);
    const regno = await depositAtA('src-3', async (dir) => {
      await mkdir(dir, { recursive: true });
      const big = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
      await writeFile(join(dir, '工程竣工图.tif'), big);
    });
    const view = await waitCopied(regno, ['B', 'C', 'disk2']);
    expect(proxy.cuts).toBe(1);
    expect(view.replicas.find((r) => r.targetId === 'B')!.job!.attempts).toBeGreaterThanOrEqual(2);
    // Resumed, not restarted: well under two full copies crossed the link.
    expect(proxy.forwarded - before).toBeLessThan(size * 1.3);
  }, 180_000);

  it("finds a file corrupted in A's store, repairs it from a replica, and restores byte-identical", async () => {
    const store = join(data.a, 'store');
    const victim = (await filesBelow(store)).find((f) => f.endsWith('机密.txt'))!;
    await writeFile(victim, '被篡改');
    const r = await runYinji(yinji('a', ['audit', '--all', '--json']));
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as AuditJson;
    const local = run.registrations.find((x) => x.regno === regnos[0])!.copies.find((c) => c.copy === 'local')!;
    expect(local).toMatchObject({ ok: false, passes: true });
    expect(local.findings).toEqual([{ path: 'data/机密.txt', problem: 'digest-mismatch' }]);
    expect(local.repaired[0]).toMatch(/← (B|C|disk2)$/);
    const out = join(tmp, 'restored-1');
    await yinjiJson(yinji('a', ['restore', regnos[0]!, '--to', out, '--verify']));
    execFileSync('diff', ['-r', sources[0]!, out]);
  }, 120_000);

  it('fails the challenge audit of a partner that dropped a file, then re-sends it', async () => {
    const dropped = (await filesBelow(join(data.b, 'hosted', 'A'))).find(
      (f) => f.includes('content') && f.includes(encodeURIComponent(`urn:yinji:A:${regnos[1]}`)),
    )!;
    await rm(dropped);
    const check = await runYinji(yinji('a', ['audit', '--regno', regnos[1]!, '--no-repair', '--json']));
    expect(check.code).toBe(7);
    const atB = (JSON.parse(check.stdout) as AuditJson).registrations[0]!.copies.find((c) => c.copy === 'B')!;
    expect(atB).toMatchObject({ ok: false, passes: false });
    expect(atB.findings).toEqual([{ path: expect.stringContaining('content'), problem: 'missing' }]);
    const fix = await runYinji(yinji('a', ['audit', '--regno', regnos[1]!, '--json']));
    expect(fix.code, fix.stderr).toBe(0);
  }, 120_000);

  it('has its checkpoint cosigned by both partners', async () => {
    const r = await yinjiJson<{ cosigned: string[]; failed: unknown[] }>(yinji('a', ['peer', 'witness']));
    expect(r.cosigned.sort()).toEqual(['B', 'C']);
    expect(r.failed).toEqual([]);
  }, 60_000);

  it('passes a final audit over every copy: nothing lost', async () => {
    const r = await runYinji(yinji('a', ['audit', '--all', '--no-repair', '--json']));
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as AuditJson;
    expect(run).toMatchObject({ copies: regnos.length * 4, withFindings: 0, failing: 0 });
    for (const [i, regno] of regnos.entries()) {
      const out = join(tmp, `final-${i}`);
      await yinjiJson(yinji('a', ['restore', regno, '--to', out, '--verify']));
      execFileSync('diff', ['-r', sources[i]!, out]);
    }
  }, 180_000);
  it('rebuilds A from B on a new machine: same log, same holdings', async () => {
    // A new data directory: A's keys and identity, nothing else.
    const rebuilt = join(tmp, 'a-rebuilt');
    await mkdir(rebuilt);
    await cp(join(data.a, 'keys'), join(rebuilt, 'keys'), { recursive: true });
    await writeFile(join(rebuilt, 'config.json'), JSON.stringify({ centerId: 'A' }));
    const tokenB = (await yinjiJson<{ token: string }>(yinji('b', ['peer', 'token', '--url', proxy.url]))).token;
    await yinjiJson(['--data', rebuilt, 'peer', 'add', tokenB]);
    const report = await yinjiJson<{ registrations: number; leaves: number; witnessed: { size: number } | null }>([
      '--data',
      rebuilt,
      'rebuild',
      '--from',
      'B',
    ]);
    expect(report.registrations).toBe(regnos.length);
    expect(report.witnessed?.size).toBeGreaterThan(0);
    const audit = await runYinji(['--data', rebuilt, 'audit', '--all', '--no-repair', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const out = join(tmp, 'rebuilt-restore');
    await yinjiJson(['--data', rebuilt, 'restore', regnos[0]!, '--to', out, '--verify']);
    execFileSync('diff', ['-r', sources[0]!, out]);
  }, 180_000);
});
