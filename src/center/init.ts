import { administratorsExist, createSetupCode } from '../auth/index.js';
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
  /**
   * While the three administrators (三员) do not exist yet: a one-time code
   * to create them with (`yinji admin bootstrap`). Running init again makes a
   * new one and the old stops working; once they exist, none is made.
   */
  readonly setupCode?: string;
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
    return { config: current, ...(await openOnce(dataDir)) };
  }
  const config = loadConfig(dataDir, choices);
  await saveConfig(dataDir, config);
  return { config, ...(await openOnce(dataDir)) };
}

/** Open once (creating the database, the storage root and the keys): the public log key, and a setup code if needed. */
async function openOnce(dataDir: string): Promise<{ logVerifierKey: string; setupCode?: string }> {
  const center = await Center.open({ dataDir });
  try {
    const ctx = { db: center.db, clock: center.clock };
    const setupCode = (await administratorsExist(ctx)) ? undefined : await createSetupCode(ctx);
    return { logVerifierKey: center.evidence.keys.log.verifierKey, ...(setupCode ? { setupCode } : {}) };
  } finally {
    await center.close();
  }
}
