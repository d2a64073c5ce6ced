import { ConflictError } from '../core/index.js';
import { Center } from './center.js';
import { configExists, loadConfig, saveConfig, type CenterConfig } from './config.js';

/**
 * `yinji init`: choose the center's identity once. The center id and the
 * registration number pattern appear in every registration number and object
 * id, so an initialised data directory refuses to change them.
 */
export interface InitResult {
  readonly config: CenterConfig;
  /**
   * The log's public key (signed-note verifier key). Publish it (website,
   * notice board, gazette): verifiers pin it with `yinji verify --trust-key`.
   */
  readonly logVerifierKey: string;
}

export async function initCenter(dataDir: string, choices: Partial<CenterConfig>): Promise<InitResult> {
  if (configExists(dataDir)) {
    const current = loadConfig(dataDir);
    const changed = (Object.keys(choices) as (keyof CenterConfig)[]).filter((k) => choices[k] !== current[k]);
    if (changed.length > 0) {
      throw new ConflictError(
        {
          zh: `数据目录 ${dataDir} 已初始化，不能再更改 ${changed.join('、')}`,
          en: `${dataDir} is already initialised; ${changed.join(', ')} cannot be changed`,
        },
        { details: { changed } },
      );
    }
    return { config: current, logVerifierKey: await openForKey(dataDir) };
  }
  const config = loadConfig(dataDir, choices);
  await saveConfig(dataDir, config);
  return { config, logVerifierKey: await openForKey(dataDir) };
}

/** Open once (creating the database, the storage root and the keys), read the public log key. */
async function openForKey(dataDir: string): Promise<string> {
  const center = await Center.open({ dataDir });
  try {
    return center.evidence.keys.log.verifierKey;
  } finally {
    await center.close();
  }
}
