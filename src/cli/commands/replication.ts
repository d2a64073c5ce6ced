import type { Command } from 'commander';
import {
  addPeer,
  addStorageTarget,
  auditNow,
  enqueueDueReplication,
  pairingToken,
  rebuildFromPeer,
  peerClient,
  readPolicy,
  removeTarget,
  replicasOf,
  replicationOverview,
  requestCosignatures,
  setPolicy,
  type AuditRun,
} from '../../center/index.js';
import { keyFingerprint } from '../../replication/index.js';
import { EXIT, formatBytes, printJson, say, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { selection } from './carrier.js';
import { withCenter } from './with-center.js';

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Partner centers, replica targets, the replication policy, copies and audits (issue 7). */
export function registerReplication(program: Command, global: () => GlobalOptions): void {
  const peer = program.command('peer').description('伙伴中心（馆际互备）/ partner centers (mutual backup)');

  peer
    .command('token')
    .description('打印本中心的配对令牌，交给伙伴中心 / print this center’s pairing token for a partner')
    .option('--url <url>', '伙伴访问本中心的地址（默认 publicUrl）/ the URL partners reach this center at')
    .action(async (flags: { url?: string }) => {
      const opts = global();
      const t = await withCenter(opts, async (center) => pairingToken(center, flags.url));
      if (opts.json) return printJson(t);
      process.stdout.write(`${t.token}\n`);
      say(opts, {
        zh: `密钥指纹：${t.fingerprint}（请通过电话等另一渠道与伙伴核对）`,
        en: `key fingerprint: ${t.fingerprint} (confirm it with the partner over another channel, e.g. the phone)`,
      });
    });

  peer
    .command('add <token>')
    .description('添加伙伴中心 / add a partner center from its pairing token')
    .option(
      '--encrypt <alg>',
      '为其保存的副本加密：aes-256-gcm（新伙伴默认）、sm4、none；再次添加时不给则保持不变 / encryption of copies kept there (new partners: aes-256-gcm; kept when re-added)',
    )
    .option('--url <url>', '改用此地址访问伙伴 / reach the partner at this URL instead')
    .option(
      '--replace',
      '伙伴换了密钥：核实指纹后用新密钥取代旧的 / the partner has a new key: replace the old one (check the fingerprint first)',
    )
    .action(async (token: string, flags: { encrypt?: string; url?: string; replace?: boolean }) => {
      const opts = global();
      const p = await withCenter(opts, (center) =>
        addPeer(center, token, {
          ...(flags.encrypt !== undefined ? { encryption: flags.encrypt } : {}),
          ...(flags.url ? { url: flags.url } : {}),
          ...(flags.replace === true ? { replace: true } : {}),
        }),
      );
      if (opts.json) return printJson(p);
      say(opts, {
        zh: `已添加伙伴中心 ${p.id}（${p.name}，${p.location}），副本加密：${p.encryption}\n密钥指纹：${p.fingerprint} —— 请与对方核对`,
        en: `added partner center ${p.id} (${p.name}, ${p.location}), copies encrypted: ${p.encryption}\nkey fingerprint: ${p.fingerprint} — confirm it with the partner`,
      });
    });

  peer
    .command('list')
    .description('列出伙伴中心 / list partner centers')
    .option('--check', '逐个连接并验证签名应答 / connect to each and check its signed answer')
    .action(async (flags: { check?: boolean }) => {
      const opts = global();
      const peers = await withCenter(opts, async (center) => {
        const rows = await center.db.replicaTargets.list({ kind: 'peer' });
        return Promise.all(
          rows.map(async (p) => {
            let reachable: boolean | string | undefined;
            if (flags.check === true) {
              reachable = await peerClient(center, p)
                .json('GET', '/hello')
                .then(() => true)
                .catch((e: unknown) => (e as Error).message);
            }
            return { ...p, fingerprint: keyFingerprint(p.peerKey!), ...(reachable !== undefined ? { reachable } : {}) };
          }),
        );
      });
      if (opts.json) return printJson(peers);
      if (peers.length === 0) say(opts, { zh: '尚无伙伴中心', en: 'no partner centers yet' });
      for (const p of peers) {
        const state =
          p.reachable === undefined
            ? ''
            : p.reachable === true
              ? '\tOK'
              : `\t${opts.lang === 'zh' ? '不可达' : 'unreachable'}: ${p.reachable}`;
        process.stdout.write(`${p.id}\t${p.name}\t${p.location}\t${p.encryption}\t${p.fingerprint}${state}\n`);
      }
    });

  peer
    .command('remove <id>')
    .description('移除伙伴中心（已有副本记录保留）/ remove a partner center (the record of copies stays)')
    .action(async (id: string) => {
      const opts = global();
      await withCenter(opts, (center) => removeTarget(center, id));
      say(opts, { zh: `已移除 ${id}`, en: `removed ${id}` });
    });

  peer
    .command('witness')
    .description('请伙伴中心见证（副署）本中心日志的最新检查点 / ask partners to cosign the latest checkpoint')
    .action(async () => {
      const opts = global();
      const r = await withCenter(opts, (center) => requestCosignatures(center));
      if (opts.json) return printJson(r);
      say(opts, {
        zh: `检查点（${r.size} 条）已由 ${r.cosigned.length} 个伙伴副署${r.failed.length ? `；未成功：${r.failed.map((f) => `${f.peer} (${f.error})`).join('，')}` : ''}`,
        en: `checkpoint (size ${r.size}) cosigned by ${r.cosigned.length} partners${r.failed.length ? `; failed: ${r.failed.map((f) => `${f.peer} (${f.error})`).join(', ')}` : ''}`,
      });
      if (r.failed.length > 0) process.exitCode = EXIT.integrity;
    });

  const target = program.command('target').description('备份目标：伙伴中心与第二存储（异质备份）/ replica targets');
  target
    .command('add <id> <location>')
    .description('添加第二存储（目录或 s3://桶/前缀）/ add a second storage root (a directory or s3://bucket/prefix)')
    .option('--encrypt <alg>', '加密：none（默认）、aes-256-gcm、sm4 / encryption', 'none')
    .action(async (id: string, location: string, flags: { encrypt: string }) => {
      const opts = global();
      const t = await withCenter(opts, (center) =>
        addStorageTarget(center, id, location, { encryption: flags.encrypt }),
      );
      if (opts.json) return printJson(t);
      say(opts, { zh: `已添加存储目标 ${t.id}：${t.location}`, en: `added storage target ${t.id}: ${t.location}` });
    });
  target
    .command('list')
    .description('列出所有备份目标及其副本数 / list replica targets and their copies')
    .action(async () => {
      const opts = global();
      const o = await withCenter(opts, (center) => replicationOverview(center));
      if (opts.json) return printJson(o);
      for (const t of o.targets) {
        process.stdout.write(
          `${t.id}\t${t.kind}\t${t.location}\t${t.encryption}\t${opts.lang === 'zh' ? '副本' : 'copies'} ${t.copies}\t${opts.lang === 'zh' ? '损坏' : 'damaged'} ${t.damaged}\t${formatBytes(t.bytes)}\n`,
        );
      }
    });
  target
    .command('remove <id>')
    .description('移除备份目标 / remove a replica target')
    .action(async (id: string) => {
      const opts = global();
      await withCenter(opts, (center) => removeTarget(center, id));
      say(opts, { zh: `已移除 ${id}`, en: `removed ${id}` });
    });

  program
    .command('replication')
    .description('复制策略：副本存放在哪些目标 / the replication policy: which targets hold copies')
    .option('--unit <code>', '设置该单位的策略 / set this unit’s own list')
    .option('--targets <ids>', '目标列表，逗号分隔 / targets, comma-separated', list)
    .option('--clear', '删除该单位的策略，改用默认 / drop the unit’s own list (use the default)')
    .action(async (flags: { unit?: string; targets?: string[]; clear?: boolean }) => {
      const opts = global();
      const r = await withCenter(opts, async (center) => {
        if (flags.targets === undefined && flags.clear !== true) return { policy: await readPolicy(center.db) };
        const policy = await setPolicy(center, {
          ...(flags.unit !== undefined ? { unit: flags.unit } : {}),
          targets: flags.clear === true ? null : (flags.targets ?? []),
        });
        return { policy, queued: await enqueueDueReplication(center) };
      });
      if (opts.json) return printJson(r);
      const zh = opts.lang === 'zh';
      process.stdout.write(`${zh ? '默认' : 'default'}: ${r.policy.default.join(', ') || '-'}\n`);
      for (const [unit, ids] of Object.entries(r.policy.units))
        process.stdout.write(`${unit}: ${ids.join(', ') || '-'}\n`);
      if (r.queued !== undefined) say(opts, { zh: `已排队复制 ${r.queued} 项`, en: `${r.queued} copies queued` });
    });

  program
    .command('replicas [regno]')
    .description('某登记在各目标的副本状态 / the copies of a registration and their state')
    .option('--sync', '把所有落后的副本加入复制队列 / queue every copy that is behind')
    .action(async (regno: string | undefined, flags: { sync?: boolean }) => {
      const opts = global();
      const r = await withCenter(opts, async (center) => ({
        queued: flags.sync === true ? await enqueueDueReplication(center) : undefined,
        view: regno !== undefined ? await replicasOf(center, regno) : undefined,
      }));
      if (opts.json) return printJson(r.view ?? { queued: r.queued });
      if (r.queued !== undefined) say(opts, { zh: `已排队复制 ${r.queued} 项`, en: `${r.queued} copies queued` });
      if (r.view === undefined) return;
      for (const c of r.view.replicas) {
        const job = c.job ? `\t${c.job.state} ×${c.job.attempts}${c.job.lastError ? ` ${c.job.lastError}` : ''}` : '';
        process.stdout.write(
          `${c.targetId}\t${c.status}\tv${c.version ?? '-'}\t${c.encryption ?? '-'}\t${c.auditedAt ?? '-'} ${c.auditOutcome ?? ''}${job}\n`,
        );
      }
    });

  program
    .command('rebuild')
    .description(
      '从伙伴中心重建本中心（新的空中心，沿用原密钥与配置）/ rebuild this center from a partner (a new, empty center with the old keys and config)',
    )
    .requiredOption('--from <peer>', '伙伴中心 / the partner center')
    .action(async (flags: { from: string }) => {
      const opts = global();
      const bar = progressBar(
        opts,
        {
          log: { zh: '取回日志', en: 'Fetching the log' },
          objects: { zh: '取回对象', en: 'Fetching objects' },
          database: { zh: '写入数据库', en: 'Writing the database' },
        },
        { zh: '项', en: 'items' },
      );
      const r = await withCenter(opts, (center) =>
        rebuildFromPeer(center, flags.from, (p) =>
          bar.update({ phase: p.phase, bytes: 0, files: p.done, totalFiles: p.total }),
        ),
      );
      bar.stop();
      if (opts.json) return printJson(r);
      say(opts, {
        zh: `已从 ${r.from} 重建：日志 ${r.leaves} 条${r.witnessed ? `（与伙伴见证的前 ${r.witnessed.size} 条一致）` : '（伙伴未见证过检查点，未能核对）'}，登记 ${r.registrations} 项 ${r.versions} 个版本，${r.files} 个文件 ${formatBytes(r.bytes)}。请运行 yinji audit --all`,
        en: `rebuilt from ${r.from}: ${r.leaves} log leaves${r.witnessed ? ` (the first ${r.witnessed.size} match what the partner witnessed)` : ' (the partner had witnessed no checkpoint: not checked)'}, ${r.registrations} registrations in ${r.versions} versions, ${r.files} files, ${formatBytes(r.bytes)}. Now run yinji audit --all`,
      });
    });

  program
    .command('audit')
    .description(
      '立即巡检所有副本（本地与各目标），发现问题即从完好副本修复 / audit every copy now and repair what fails',
    )
    .option('--regno <regno...>', '这些登记 / these registrations')
    .option('--unit <code>', '该单位的所有登记 / every registration of a unit')
    .option('--all', '所有登记 / every registration')
    .option('--no-repair', '只检查，不修复 / check only, repair nothing')
    .action(async (flags: { regno?: string[]; unit?: string; all?: boolean; repair: boolean }, command: Command) => {
      const opts = global();
      const select = selection({ ...flags, all: flags.all === true }, command);
      const bar = progressBar(opts, { default: { zh: '巡检', en: 'Auditing' } }, { zh: '项登记', en: 'registrations' });
      const run = await withCenter(opts, (center) =>
        auditNow(center, select, {
          repair: flags.repair,
          onProgress: (p) =>
            bar.update({ bytes: p.bytes, totalBytes: p.totalBytes, files: p.done, totalFiles: p.total }),
        }),
      );
      bar.stop();
      process.exitCode = run.failing > 0 ? EXIT.integrity : EXIT.ok;
      if (opts.json) return printJson(run);
      printAudit(opts, run);
    });
}

function printAudit(opts: GlobalOptions, run: AuditRun): void {
  const zh = opts.lang === 'zh';
  for (const r of run.registrations) {
    for (const c of r.copies) {
      if (c.ok) continue;
      const what = c.findings.map((f) => `${f.path} (${f.problem})`).join(', ');
      process.stdout.write(`${r.regno}\t${c.copy}\t${what}${c.error ? `\t${c.error}` : ''}\n`);
      if (c.repaired.length > 0) process.stdout.write(`\t${zh ? '已修复' : 'repaired'}: ${c.repaired.join(', ')}\n`);
    }
  }
  say(opts, {
    zh: `巡检副本 ${run.copies} 份：发现问题 ${run.withFindings} 份，修复后仍不合格 ${run.failing} 份`,
    en: `${run.copies} copies audited: ${run.withFindings} with findings, ${run.failing} still failing after repair`,
  });
}
