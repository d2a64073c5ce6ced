import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  buildReceipt,
  renderRegistrationCertificate,
  verifyHeld,
  verifyRegistration,
  centerTrust,
} from '../../center/index.js';
import { verifyLogGrowth, type Receipt, type VerifyReport } from '../../certificate/index.js';
import { InvalidInputError, YinjiError } from '../../core/index.js';
import { requireToken } from '../credentials.js';
import { serverError } from '../../core/index.js';
import { EXIT, printJson, say, type GlobalOptions } from '../output.js';
import { parseIntOption, withCenter } from './with-center.js';

interface VerifyFlags {
  receipt?: string;
  regno?: string;
  version?: number;
  server?: string;
  trustKey?: string;
  trustTsa?: string;
}

export function registerEvidence(program: Command, global: () => GlobalOptions): void {
  program
    .command('receipt <regno>')
    .description('生成登记回执（JSON，可离线核验）/ write the registration receipt (JSON, verifiable offline)')
    .option('--version <n>', '版本号，默认最新 / version, default the latest', parseIntOption)
    .option('--file <path>', '只含此文件及其默克尔路径 / only this file, with its Merkle path')
    .option('--out <file>', '写入文件，默认输出到屏幕 / write to a file instead of stdout')
    .action(async (regno: string, flags: { version?: number; file?: string; out?: string }) => {
      const opts = global();
      const receipt = await withCenter(opts, (center) =>
        buildReceipt(center, { regno, version: flags.version, file: flags.file }),
      );
      const text = JSON.stringify(receipt, null, 2) + '\n';
      if (flags.out === undefined) return void process.stdout.write(text);
      await writeFile(flags.out, text);
      say(opts, { zh: `已写出回执：${flags.out}`, en: `receipt written to ${flags.out}` });
    });

  program
    .command('certificate <regno>')
    .description('出具档案登记证明（PDF，含二维码）/ issue the registration certificate (PDF with QR code)')
    .requiredOption('--out <file>', 'PDF 文件 / PDF file')
    .option('--version <n>', '版本号，默认最新 / version, default the latest', parseIntOption)
    .action(async (regno: string, flags: { out: string; version?: number }) => {
      const opts = global();
      const cert = await withCenter(opts, (center) =>
        renderRegistrationCertificate(center, { regno, version: flags.version }),
      );
      await writeFile(flags.out, cert.pdf);
      if (opts.json)
        return printJson({ regno: cert.regno, version: cert.version, out: flags.out, bytes: cert.pdf.length });
      say(opts, { zh: `已出具登记证明：${flags.out}`, en: `certificate written to ${flags.out}` });
    });

  program
    .command('verify [path]')
    .description(
      '核验文件或目录是否与登记一致：--receipt 离线核验；--regno 核验本中心保存的登记；--server 向中心索取一致性证明 / verify files against a receipt (offline), a registration held here (--regno), or ask a center for a consistency proof (--server)',
    )
    .option('--receipt <file>', '登记回执 / receipt JSON')
    .option('--regno <regno>', '登记号 / registration number')
    .option('--version <n>', '版本号 / version', parseIntOption)
    .option(
      '--server <url>',
      '中心地址，用于取最新检查点和一致性证明 / center URL for the latest checkpoint and a consistency proof',
    )
    .option(
      '--trust-key <key>',
      '信任的日志公钥（中心公布的）/ the log key the center publishes, instead of the receipt’s copy',
    )
    .option(
      '--trust-tsa <pem>',
      '信任的时间戳服务根证书文件 / PEM file of the TSA root to trust, instead of the receipt’s copy',
    )
    .action(async (path: string | undefined, flags: VerifyFlags) => {
      const opts = global();
      let report: VerifyReport;
      const trust = {
        ...(flags.trustKey !== undefined ? { trustedLogKey: flags.trustKey } : {}),
        ...(flags.trustTsa !== undefined ? { trustedTsaCa: await readFile(flags.trustTsa, 'utf8') } : {}),
      };
      if (flags.receipt === undefined && flags.regno !== undefined && flags.server === undefined) {
        // At the center: its own copy (no path), or what the user holds against this center's evidence.
        report = await withCenter(opts, async (center) => {
          if (path === undefined) return verifyRegistration(center, flags.regno!, flags.version);
          const receipt = await buildReceipt(center, { regno: flags.regno!, version: flags.version });
          return verifyHeld(receipt, path, { ...centerTrust(center, receipt), ...trust });
        });
      } else {
        const receipt = flags.receipt !== undefined ? await readReceipt(flags.receipt) : await fetchReceipt(flags);
        report = await verifyHeld(receipt, path, trust);
        if (flags.server !== undefined && report.checks.some((c) => c.id === 'checkpoint' && c.ok)) {
          const r = receipt as Receipt;
          const growth = await checkGrowth(flags.server, r, flags.trustKey ?? r.keys.log);
          report = { ...report, ok: report.ok && growth.ok, checks: [...report.checks, growth] };
        }
      }
      printReport(opts, report);
      process.exitCode = report.ok ? EXIT.ok : EXIT.invalid;
    });
}

function printReport(opts: GlobalOptions, report: VerifyReport): void {
  if (opts.json) return printJson(report);
  for (const c of report.checks) process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.message[opts.lang]}\n`);
  if (report.pinned !== undefined && !(report.pinned.logKey && report.pinned.tsaRoot)) {
    say(opts, {
      zh: '注意：未用 --trust-key / --trust-tsa 固定中心公布的公钥，以上只证明回执自身一致；请核对公钥来源',
      en: 'note: keys not pinned with --trust-key / --trust-tsa: this shows the receipt is self-consistent only; check where its keys come from',
    });
  }
  const what = report.regno === undefined ? '' : `${report.regno} v${report.version ?? '?'}`;
  say(
    opts,
    report.ok
      ? {
          zh: `核验通过：${what}${report.timestampTime ? `，可信时间 ${report.timestampTime}` : ''}`,
          en: `verified: ${what}${report.timestampTime ? `, trusted time ${report.timestampTime}` : ''}`,
        }
      : { zh: `核验未通过：${what}（见上方 ✗ 项）`, en: `NOT verified: ${what} (see ✗ above)` },
  );
}

async function readReceipt(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (e) {
    throw new InvalidInputError(
      { zh: `无法读取回执 ${file}（须为 JSON）`, en: `cannot read receipt ${file} (must be JSON)` },
      { cause: e },
    );
  }
}

async function fetchReceipt(flags: VerifyFlags): Promise<unknown> {
  if (flags.regno === undefined || flags.server === undefined) {
    throw new InvalidInputError({
      zh: '请给出 --receipt <回执>，或 --regno <登记号>（可加 --server <中心地址>）',
      en: 'give --receipt <file>, or --regno <regno> (optionally with --server <url>)',
    });
  }
  const query = flags.version !== undefined ? `?version=${flags.version}` : '';
  // A receipt is the unit's own: the center hands it to a signed-in account of that unit (or its staff).
  const token = await requireToken(flags.server);
  return getJson(
    new URL(`api/v1/registrations/${encodeURIComponent(flags.regno)}/receipt${query}`, withSlash(flags.server)),
    { authorization: `Bearer ${token}` },
  );
}

async function checkGrowth(server: string, receipt: Receipt, logKey: string) {
  const base = withSlash(server);
  const latest = await getText(new URL('log/checkpoint', base));
  const size = Number(latest.split('\n')[1]);
  const proof =
    Number.isSafeInteger(size) && size >= receipt.log.treeSize
      ? (
          (await getJson(new URL(`log/proof/consistency?from=${receipt.log.treeSize}&to=${size}`, base))) as {
            proof: string[];
          }
        ).proof
      : [];
  return verifyLogGrowth({
    oldCheckpoint: receipt.log.checkpoint,
    newCheckpoint: latest,
    proof,
    logKey,
    alg: receipt.log.alg,
  });
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

async function getText(url: URL, headers: Record<string, string> = {}): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new YinjiError(
      'E_SERVER_UNAVAILABLE',
      { zh: `无法连接中心 ${url.origin}`, en: `cannot reach the center at ${url.origin}` },
      { cause: e },
    );
  }
  if (!res.ok) throw serverError(res.status, await res.text(), url.pathname);
  return res.text();
}

async function getJson(url: URL, headers: Record<string, string> = {}): Promise<unknown> {
  return JSON.parse(await getText(url, headers)) as unknown;
}
