import { detectPackageKind } from './detect.js';
import { stageFolder } from './folder-source.js';
import { stageTar } from './tar-source.js';
import type { StageOptions, StagedDeposit } from './types.js';
import { stageZip } from './zip-source.js';

/**
 * One entry point for every deposit source. Archives are extracted into
 * `stagingDir` (created; must be new or empty; removed again on any error) and
 * hashed while written; a folder is scanned in place and `stagingDir` is not
 * touched.
 */
export async function stageDeposit(
  input: string,
  stagingDir: string,
  options: StageOptions = {},
): Promise<StagedDeposit> {
  const kind = await detectPackageKind(input);
  switch (kind) {
    case 'folder':
      return stageFolder(input, options);
    case 'zip':
      return stageZip(input, stagingDir, options);
    case 'tar':
      return stageTar(input, stagingDir, { ...options, gzip: false });
    case 'tar.gz':
      return stageTar(input, stagingDir, { ...options, gzip: true });
  }
}
