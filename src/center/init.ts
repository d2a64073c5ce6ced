import { ConflictError } from '../core/index.js';
import { Center } from './center.js';
import { configExists, loadConfig, saveConfig, type CenterConfig } from './config.js';

/**
 * `yinji init`: choose the center's identity once. The center id and the
 * registration number pattern appear in every registration number and object
 * id, so an initialised data directory refuses to change them.
 */
export async function initCenter(dataDir: string, choices: Partial<CenterConfig>): Promise<CenterConfig> {
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
    return current;
  }
  const config = loadConfig(dataDir, choices);
  await saveConfig(dataDir, config);
  const center = await Center.open({ dataDir });
  await center.close();
  return config;
}
