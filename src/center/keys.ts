import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/index.js';
import { generateLogKey, type LogKey } from '../ledger/index.js';
import { createTsaIdentity, type TsaIdentity } from '../timestamp/index.js';

/**
 * The center's signing keys, created once (at `yinji init` or the first open)
 * and kept in `<data>/keys/`, private keys readable by the owner only:
 *  - the log key (Ed25519) that signs checkpoints (C2SP signed-note);
 *  - the built-in time-stamp authority: a root CA and the TSA certificate and key.
 * The public halves go into every receipt, so anyone can check proofs with
 * no server. Losing them does not lose evidence already issued; replacing
 * them starts a new trust anchor, so they are never rewritten here.
 */
export interface CenterKeys {
  readonly log: LogKey;
  readonly tsa: TsaIdentity;
}

const FILES = {
  log: 'log-key.json',
  tsaCa: 'tsa-ca.pem',
  tsaCert: 'tsa.pem',
  tsaKey: 'tsa-key.pem',
} as const;

export async function loadOrCreateKeys(
  dataDir: string,
  origin: string,
  tsaName: string,
  clock: Clock,
): Promise<CenterKeys> {
  const dir = join(dataDir, 'keys');
  const existing = await loadKeys(dir);
  if (existing !== undefined) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys: CenterKeys = { log: generateLogKey(origin), tsa: await createTsaIdentity({ name: tsaName, clock }) };
  // The log key file is written last: its presence means the set is complete.
  await writeSecret(join(dir, FILES.tsaCa), keys.tsa.caCertPem);
  await writeSecret(join(dir, FILES.tsaCert), keys.tsa.tsaCertPem);
  await writeSecret(join(dir, FILES.tsaKey), keys.tsa.tsaKeyPem);
  await writeSecret(join(dir, FILES.log), JSON.stringify(keys.log, null, 2) + '\n');
  return keys;
}

async function loadKeys(dir: string): Promise<CenterKeys | undefined> {
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
