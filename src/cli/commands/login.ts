import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { InvalidInputError, isYinjiError, YinjiError } from '../../core/index.js';
import { forgetCredential, serverKey, storeCredential } from '../credentials.js';
import { serverError } from '../../core/index.js';
import { printJson, say, type GlobalOptions } from '../output.js';

interface LoginAnswer {
  id: number;
  token: string;
  scopes: string[];
  expiresAt: string | null;
  account: { username: string; unitId: number | null; roles: string[] };
}

/** A request to the center's API, its JSON error turned into the error it names. */
async function api(url: URL, init: RequestInit, lang: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      // A JSON content type only with a body: Fastify answers an empty JSON body 400 (the logout DELETE).
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        'accept-language': lang,
        ...init.headers,
      },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new YinjiError(
      'E_SERVER_UNAVAILABLE',
      { zh: `无法连接中心 ${url.origin}`, en: `cannot reach the center at ${url.origin}` },
      { cause: e },
    );
  }
  if (res.ok) return res;
  throw serverError(res.status, await res.text(), url.pathname);
}

/**
 * The password: from YINJI_PASSWORD (scripts), else typed at the terminal
 * without echo, else the first line of standard input. Never an argument:
 * the command line is visible to every user of the machine.
 */
async function readPassword(lang: 'zh' | 'en'): Promise<string> {
  const env = process.env.YINJI_PASSWORD;
  if (env !== undefined && env !== '') return env;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY) {
    process.stderr.write(lang === 'zh' ? '口令 / password: ' : 'password: ');
    // Mute the echo: readline writes what is typed through _writeToOutput.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  }
  const line = await new Promise<string>((done) => {
    rl.once('line', done);
    rl.once('close', () => done(''));
  });
  rl.close();
  if (process.stdin.isTTY) process.stderr.write('\n');
  if (line === '') throw new InvalidInputError({ zh: '未输入口令', en: 'no password given' });
  return line;
}

export function registerLogin(program: Command, global: () => GlobalOptions): void {
  program
    .command('login')
    .description('登录中心，为命令行保存访问令牌 / sign in to a center and keep an API token for the CLI')
    .requiredOption('--server <url>', '中心地址 / the center')
    .requiredOption('--username <name>', '账号 / account')
    .option('--days <n>', '令牌有效天数 / token lifetime in days', (v) => Number(v), 90)
    .action(async (flags: { server: string; username: string; days: number }) => {
      const opts = global();
      const password = await readPassword(opts.lang);
      const res = await api(
        new URL('/api/v1/tokens', flags.server),
        {
          method: 'POST',
          body: JSON.stringify({
            username: flags.username,
            password,
            name: `yinji login on ${hostname()}`,
            expiresInDays: flags.days,
          }),
        },
        opts.lang,
      );
      const answer = (await res.json()) as LoginAnswer;
      await storeCredential(flags.server, {
        token: answer.token,
        tokenId: answer.id,
        username: answer.account.username,
        expiresAt: answer.expiresAt,
      });
      if (opts.json) return printJson({ server: serverKey(flags.server), ...answer, token: undefined });
      say(opts, {
        zh: `已登录 ${serverKey(flags.server)}：${answer.account.username}（${answer.account.roles.join('、')}），令牌有效至 ${answer.expiresAt ?? '长期'}`,
        en: `signed in to ${serverKey(flags.server)} as ${answer.account.username} (${answer.account.roles.join(', ')}); the token expires ${answer.expiresAt ?? 'never'}`,
      });
    });

  program
    .command('logout')
    .description('吊销并删除保存的访问令牌 / revoke and forget the kept API token')
    .requiredOption('--server <url>', '中心地址 / the center')
    .action(async (flags: { server: string }) => {
      const opts = global();
      const kept = await forgetCredential(flags.server);
      if (kept !== undefined) {
        // Revoked with itself (not YINJI_TOKEN, which may be another account's).
        await api(
          new URL(`/api/v1/tokens/${kept.tokenId}`, flags.server),
          { method: 'DELETE', headers: { authorization: `Bearer ${kept.token}` } },
          opts.lang,
        ).catch((e: unknown) => {
          // An expired or already revoked token is as good as revoked; anything else is worth saying.
          const code = isYinjiError(e) ? e.code : '';
          if (code === 'E_UNAUTHENTICATED' || code === 'E_NOT_FOUND') return;
          process.stderr.write(
            opts.lang === 'zh'
              ? `警告：未能在中心吊销令牌 ${kept.tokenId}（${e instanceof Error ? e.message : String(e)}），本机已删除；它在到期前仍可用，请在中心吊销\n`
              : `warning: could not revoke token ${kept.tokenId} at the center (${e instanceof Error ? e.message : String(e)}); it is forgotten here but works until it expires: revoke it at the center\n`,
          );
        });
      }
      if (opts.json) return printJson({ server: serverKey(flags.server), loggedOut: kept !== undefined });
      say(
        opts,
        kept === undefined
          ? { zh: `未登录 ${serverKey(flags.server)}`, en: `not signed in to ${serverKey(flags.server)}` }
          : { zh: `已退出 ${serverKey(flags.server)}`, en: `signed out of ${serverKey(flags.server)}` },
      );
    });
}
