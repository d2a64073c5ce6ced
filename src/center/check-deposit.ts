import { open as openFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECK_CATALOG,
  DEFAULT_PROFILE,
  parseProfile,
  readEep,
  runChecks,
  type CheckProfile,
  type CheckReport,
} from '../checks/index.js';
import type { StagedDeposit } from '../packages/index.js';
import type { Center } from './center.js';
import type { CenterConfig } from './config.js';
import { buildDepositView, type DeclaredForm, type UnpackedEep } from './check-view.js';

export type { DeclaredForm };

const EEP_NAMESPACE = 'http://www.saac.gov.cn/standards/ERM/encapsulation';

/** A center's check profile: its config's `checkProfile` over the default (checks/profile.ts). */
export function profileFromConfig(config: Pick<CenterConfig, 'checkProfile'>): CheckProfile {
  const given = config.checkProfile;
  return given === null
    ? DEFAULT_PROFILE
    : parseProfile(
        given,
        CHECK_CATALOG.map((i) => i.key),
      );
}

/**
 * An EEP package (DA/T 48) is unpacked first — its Base64 content decoded into
 * files, its metadata and signatures read — and the unpacked folder is then
 * staged like any other deposit. Other sources pass through unchanged.
 */
export async function prepareSource(
  source: string,
  stagingDir: string,
  signal?: AbortSignal,
): Promise<{ source: string; eep?: UnpackedEep }> {
  if (!(await looksLikeEep(source))) return { source };
  const out = join(stagingDir, 'eep');
  await mkdir(out, { recursive: true });
  const eep = await readEep(source, out, { signal });
  return {
    source: out,
    eep: {
      // Problems reading the package itself are findings of item 3-1, not thrown: the unit gets a report.
      catalog: { ...eep.catalog, problems: [...eep.catalog.problems, ...eep.problems] },
      signatures: eep.signatures,
      declared: eep.declared,
    },
  };
}

/** Run the four-properties check at the transfer and receipt stage (YJ) over a staged deposit. */
export async function checkStaged(
  center: Center,
  input: { source: string; staged: StagedDeposit; declared?: DeclaredForm; eep?: UnpackedEep; signal?: AbortSignal },
): Promise<CheckReport> {
  const profile = center.checkProfile;
  const now = center.clock.now();
  const view = await buildDepositView({
    ...input,
    profile,
    clamd: center.config.clamd,
    qpdf: center.config.qpdfCheck,
    now,
  });
  return runChecks(view, CHECK_CATALOG, { stage: 'YJ', profile, now });
}

/** A file whose first 4 KiB is XML naming the EEP namespace. */
async function looksLikeEep(source: string): Promise<boolean> {
  let handle;
  try {
    handle = await openFile(source, 'r');
  } catch {
    return false;
  }
  try {
    if (!(await handle.stat()).isFile()) return false;
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const text = head.subarray(0, bytesRead).toString('utf8');
    return text.trimStart().startsWith('<') && text.includes(EEP_NAMESPACE);
  } finally {
    await handle.close();
  }
}
