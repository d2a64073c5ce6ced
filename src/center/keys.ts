import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, type Clock } from '../core/index.js';
import type { Database } from '../db/index.js';
import { generateLogKey, type LogKey } from '../ledger/index.js';
import { rawPublicKey } from '../replication/index.js';
import { createTsaIdentity, type TsaIdentity } from '../timestamp/index.js';

/**
 * The center's signing keys, created once (at `yinji init` or the first open)
 * and kept in `config.keysDir` (default `<data>/keys/`), private keys readable
 * by the owner only:
 *  - the log key (Ed25519) that signs checkpoints (C2SP signed-note);
 *  - the built-in time-stamp authority: a root CA and the TSA certificate and key;
 *  - the peer key (Ed25519) that signs requests to partner centers (RFC 9421);
 *  - the replica key (256 bits) that encrypts copies kept at partners. Without
 *    it those copies cannot be read back, so it must be backed up with the
 *    rest of this directory (docs/deploy.md).
 * The public halves go into every receipt, so anyone can check proofs with
 * no server. Losing them does not lose evidence already issued; replacing
 * them starts a new trust anchor, so they are never rewritten here.
 */
export interface CenterKeys {
  readonly log: LogKey;
  readonly tsa: TsaIdentity;
  readonly peer: KeyObject;
  readonly replica: Buffer;
}

const FILES = {
  log: 'log-key.json',
  tsaCa: 'tsa-ca.pem',
  tsaCert: 'tsa.pem',
  tsaKey: 'tsa-key.pem',
  peer: 'peer-key.pem',
  replica: 'replica-key.hex',
} as const;

export async function loadOrCreateKeys(
  dir: string,
  origin: string,
  tsaName: string,
  clock: Clock,
): Promise<CenterKeys> {
  const existing = await loadKeys(dir);
  if (existing !== undefined) return { ...existing, ...(await loadOrCreatePartnerKeys(dir)) };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = { log: generateLogKey(origin), tsa: await createTsaIdentity({ name: tsaName, clock }) };
  // The log key file is written last: its presence means the set is complete.
  await writeSecret(join(dir, FILES.tsaCa), keys.tsa.caCertPem);
  await writeSecret(join(dir, FILES.tsaCert), keys.tsa.tsaCertPem);
  await writeSecret(join(dir, FILES.tsaKey), keys.tsa.tsaKeyPem);
  await writeSecret(join(dir, FILES.log), JSON.stringify(keys.log, null, 2) + '\n');
  return { ...keys, ...(await loadOrCreatePartnerKeys(dir)) };
}

/**
 * The keys for working with partner centers (issue 7), added beside an
 * existing key set the first time a center opens after they were introduced.
 * Each is written once and never replaced: a new peer key would unpair every
 * partner, a new replica key would make existing encrypted copies unreadable.
 */
async function loadOrCreatePartnerKeys(dir: string): Promise<Pick<CenterKeys, 'peer' | 'replica'>> {
  const peerPem = await createOnce(join(dir, FILES.peer), () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const replicaHex = await createOnce(join(dir, FILES.replica), () => randomBytes(32).toString('hex') + '\n');
  const replica = Buffer.from(replicaHex.trim(), 'hex');
  if (replica.length !== 32) {
    throw new ConflictError({
      zh: `${join(dir, FILES.replica)} 不是 256 位密钥`,
      en: `${join(dir, FILES.replica)} is not a 256-bit key`,
    });
  }
  return { peer: createPrivateKey(peerPem), replica };
}

/**
 * Read a key file, creating it first only if it does not exist: written to a
 * temporary file and linked into place, which fails if another process got
 * there first (then its key is the one read). Any other read error (a
 * permission problem, say) is an error, never a reason to make a new key.
 */
async function createOnce(path: string, make: () => string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, make(), { mode: 0o600, flush: true });
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp);
  }
  return readFile(path, 'utf8');
}

async function loadKeys(dir: string): Promise<Omit<CenterKeys, 'peer' | 'replica'> | undefined> {
  let logText: string;
  try {
    logText = await readFile(join(dir, FILES.log), 'utf8');
  } catch {
    return undefined;
  }
  return {
    log: JSON.parse(logText) as LogKey,
    tsa: {
      caCertPem: await readFile(join(dir, FILES.tsaCa), 'utf8'),
      tsaCertPem: await readFile(join(dir, FILES.tsaCert), 'utf8'),
      tsaKeyPem: await readFile(join(dir, FILES.tsaKey), 'utf8'),
    },
  };
}

async function writeSecret(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600, flush: true });
  await rename(tmp, path);
}

const LOG_KEY_SETTING = 'log-verifier-key';

/**
 * Every instance of a center must sign with the same keys, or its log would
 * carry checkpoints under two identities. The first instance to open the
 * database records its log key there; an instance with other keys (say, a
 * second server whose keysDir was not copied from the first, so it made its
 * own) refuses to start instead of signing.
 */
export async function checkKeysAgree(db: Database, keys: CenterKeys, keysDir: string): Promise<void> {
  const recorded = await db.settings.putIfAbsent(LOG_KEY_SETTING, keys.log.verifierKey);
  if (recorded !== keys.log.verifierKey) {
    throw new ConflictError(
      {
        zh: `${keysDir} 中的签名密钥不是本中心的（数据库登记的日志公钥是 ${recorded}）。多实例部署时，请把第一个实例的密钥目录复制到每个实例（见 docs/deploy.md）`,
        en: `the signing keys in ${keysDir} are not this center's (the database records log key ${recorded}). With several instances, copy the first instance's keys directory to every instance (see docs/deploy.md)`,
      },
      { details: { keysDir, recorded } },
    );
  }
  // The peer and replica keys too: instances with different ones would sign for partners and encrypt
  // copies two ways. Only a digest of the replica key is recorded.
  const peerKey = rawPublicKey(createPublicKey(keys.peer));
  const replicaDigest = createHash('sha256').update(keys.replica).digest('hex');
  for (const [name, mine] of [
    ['peer-verifier-key', peerKey],
    ['replica-key-sha256', replicaDigest],
  ] as const) {
    const first = await db.settings.putIfAbsent(name, mine);
    if (first !== mine) {
      throw new ConflictError(
        {
          zh: `${keysDir} 中的伙伴密钥或副本密钥不是本中心的（${name}）。多实例部署时，请把第一个实例的密钥目录复制到每个实例`,
          en: `the peer or replica key in ${keysDir} is not this center's (${name}). With several instances, copy the first instance's keys directory to every instance`,
        },
        { details: { keysDir, setting: name } },
      );
    }
  }
}
