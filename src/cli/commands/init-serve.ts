import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  auditConfigurationChange,
  Center,
  initCenter,
  setupCodeIfUnbootstrapped,
  startBackgroundWork,
  type CenterConfig,
} from '../../center/index.js';
import { printJson, say, type GlobalOptions } from '../output.js';
import { parseIntOption } from './with-center.js';

export function registerInitServe(program: Command, global: () => GlobalOptions): void {
  program
    .command('init')
    .description('初始化一个中心的数据目录 / initialise a center data directory')
    .option('--center-id <id>', '中心代码（用于登记号）/ center code used in registration numbers')
    .option('--name <name>', '中心名称 / center name')
    .option('--regno-pattern <pattern>', '登记号格式，默认 {center}-{year}-{seq:6} / registration number pattern')
    .option('--database <url>', '数据库：sqlite:<文件> 或 postgres://… / database URL')
    .option('--storage <root>', '保存库：目录或 s3://桶/前缀 / OCFL storage root: a directory or s3://bucket/prefix')
    .option('--s3-endpoint <url>', 'S3 兼容服务地址（MinIO、Ceph…）/ S3-compatible endpoint')
    .action(async (flags: InitFlags) => {
      const opts = global();
      const { config, logVerifierKey, setupCode } = await initCenter(opts.data, {
        ...(flags.centerId ? { centerId: flags.centerId } : {}),
        ...(flags.name ? { centerName: flags.name } : {}),
        ...(flags.regnoPattern ? { regnoPattern: flags.regnoPattern } : {}),
        ...storageChoices(flags),
      });
      if (opts.json) {
        return printJson({
          dataDir: resolve(opts.data),
          ...config,
          logVerifierKey,
          ...(setupCode ? { setupCode } : {}),
        });
      }
      say(opts, {
        zh: `已初始化中心 ${config.centerName}（${config.centerId}），数据目录 ${resolve(opts.data)}\n日志公钥（请对外公布，核验者用 --trust-key 固定）：\n  ${logVerifierKey}`,
        en: `initialised center ${config.centerName} (${config.centerId}) in ${resolve(opts.data)}\nlog public key (publish it; verifiers pin it with --trust-key):\n  ${logVerifierKey}`,
      });
      if (setupCode) {
        say(opts, {
          zh: `一次性初始化码（用 yinji admin bootstrap 建立“三员”账号，用后即失效）：\n  ${setupCode}`,
          en: `one-time setup code (create the three administrators with yinji admin bootstrap; it then stops working):\n  ${setupCode}`,
        });
      }
    });

  program
    .command('serve')
    .description('启动中心服务（HTTP API）/ start the center server (HTTP API)')
    .option('--host <host>', '监听地址 / listen address', '127.0.0.1')
    .option('--port <port>', '端口 / port (0 = any free port)', parseIntOption, 8420)
    .option('--database <url>', '数据库（覆盖 config.json）/ database URL (overrides config.json)')
    .option('--storage <root>', '保存库（覆盖 config.json）/ storage root (overrides config.json)')
    .option('--s3-endpoint <url>', 'S3 兼容服务地址 / S3-compatible endpoint')
    .action(async (flags: { host: string; port: number } & StorageFlags) => {
      const opts = global();
      // Loaded here so other commands do not pay for Fastify's start-up.
      const [{ startServer }, { pino }] = await Promise.all([import('../../server/index.js'), import('pino')]);
      // One JSON log for requests and background work (jobs, recovery), on stderr (journald under
      // systemd) so that stdout carries only the command's own output, parseable with --json.
      const logger = pino({ level: process.env.YINJI_LOG_LEVEL ?? 'info' }, pino.destination(2));
      const center = await Center.open({ dataDir: opts.data, config: storageChoices(flags), logger });
      const listen = { host: flags.host, port: flags.port };
      const server = await startServer(center, listen, { loggerInstance: logger }).catch(async (e: unknown) => {
        await center.close();
        throw e;
      });
      await auditConfigurationChange(center);
      const setupCode = await setupCodeIfUnbootstrapped(center);
      const background = startBackgroundWork(center);
      if (opts.json) printJson({ url: server.url, dataDir: resolve(opts.data), ...(setupCode ? { setupCode } : {}) });
      else {
        say(opts, {
          zh: `印记中心已启动：${server.url}  （数据目录 ${resolve(opts.data)}，Ctrl+C 停止）`,
          en: `Yinji center listening at ${server.url}  (data ${resolve(opts.data)}, Ctrl+C to stop)`,
        });
        if (setupCode) {
          say(opts, {
            zh: `尚未建立“三员”账号。一次性初始化码：${setupCode}
  用法：在浏览器打开 ${server.url}setup ，或 yinji admin bootstrap --code ${setupCode} --system … --security … --auditor …`,
            en: `The three administrators do not exist yet. One-time setup code: ${setupCode}
  use it: open ${server.url}setup in a browser, or yinji admin bootstrap --code ${setupCode} --system … --security … --auditor …`,
          });
        }
      }
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          Promise.all([server.close(), background.stop()])
            .then(() => center.close())
            .catch((e: unknown) => process.stderr.write(`${String(e)}\n`))
            .finally(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

interface StorageFlags {
  database?: string;
  storage?: string;
  s3Endpoint?: string;
}

interface InitFlags extends StorageFlags {
  centerId?: string;
  name?: string;
  regnoPattern?: string;
}

/** `--database`, `--storage`, `--s3-endpoint` as config fields (DESIGN.md: scale-out by flag or config file). */
function storageChoices(flags: StorageFlags): Partial<CenterConfig> {
  return {
    ...(flags.database ? { database: flags.database } : {}),
    ...(flags.storage
      ? { storageRoot: flags.storage.startsWith('s3://') ? flags.storage : resolve(flags.storage) }
      : {}),
    ...(flags.s3Endpoint ? { s3Endpoint: flags.s3Endpoint } : {}),
  };
}
