import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { AuthenticationError } from '../auth/index.js';

/**
 * API tokens `yinji login` keeps for the CLI, one per center, in
 * `$XDG_CONFIG_HOME/yinji/credentials.json` (or `YINJI_CREDENTIALS`), mode
 * 0600 like ~/.netrc. `YINJI_TOKEN` in the environment wins over the file
 * (for scripts and CI).
 */
export interface StoredCredential {
  readonly token: string;
  readonly tokenId: number;
  readonly username: string;
  readonly expiresAt: string | null;
}

type CredentialsFile = { servers: Record<string, StoredCredential> };

export function credentialsPath(): string {
  const given = process.env.YINJI_CREDENTIALS;
  if (given !== undefined && given !== '') return given;
  const config = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  return join(config, 'yinji', 'credentials.json');
}

/** Credentials are kept per origin: https://center.example and https://center.example/ are one center. */
export function serverKey(server: string): string {
  return new URL(server).origin;
}

async function load(): Promise<CredentialsFile> {
  const text = await readFile(credentialsPath(), 'utf8').catch(() => undefined);
  if (text === undefined) return { servers: {} };
  const parsed = JSON.parse(text) as Partial<CredentialsFile>;
  return { servers: parsed.servers ?? {} };
}

async function save(file: CredentialsFile): Promise<void> {
  const path = credentialsPath();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export async function storeCredential(server: string, credential: StoredCredential): Promise<void> {
  const file = await load();
  file.servers[serverKey(server)] = credential;
  await save(file);
}

export async function forgetCredential(server: string): Promise<StoredCredential | undefined> {
  const file = await load();
  const key = serverKey(server);
  const had = file.servers[key];
  if (had === undefined) return undefined;
  delete file.servers[key];
  await save(file);
  return had;
}

/** The token to send to `server`: YINJI_TOKEN, else the one `yinji login` stored, else none. */
export async function tokenFor(server: string): Promise<string | undefined> {
  const env = process.env.YINJI_TOKEN;
  if (env !== undefined && env !== '') return env;
  return (await load()).servers[serverKey(server)]?.token;
}

/** tokenFor, but an error saying how to sign in when there is none. */
export async function requireToken(server: string): Promise<string> {
  const token = await tokenFor(server);
  if (token !== undefined) return token;
  throw new AuthenticationError({
    zh: `尚未登录 ${serverKey(server)}：请先运行 yinji login --server ${serverKey(server)} --username <账号>`,
    en: `not signed in to ${serverKey(server)}: run yinji login --server ${serverKey(server)} --username <name> first`,
  });
}
