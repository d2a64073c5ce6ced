import { statfs } from 'node:fs/promises';
import { requirePermission, type Actor } from '../auth/index.js';
import type { HoldingsFigures } from '../db/index.js';
import type { Center } from './center.js';

export interface CenterStatistics extends HoldingsFigures {
  readonly generatedAt: string;
  /** The disk of the data directory (database, staging, a filesystem store): null where it cannot be asked. */
  readonly disk: { readonly total: number; readonly free: number } | null;
}

/**
 * What the console's dashboard shows (issue 9): the holdings over time and by
 * kind of unit, replica health, disk use and progress (share of units that
 * have registered). Counts only: permission 'read-statistics' (operators and
 * the system administrator).
 */
export async function centerStatistics(center: Center, actor: Actor): Promise<CenterStatistics> {
  requirePermission(actor, 'read-statistics');
  const [holdings, disk] = await Promise.all([
    center.db.statistics.holdings(),
    statfs(center.dataDir).then(
      (s) => ({ total: s.blocks * s.bsize, free: s.bavail * s.bsize }),
      () => null,
    ),
  ]);
  return { generatedAt: center.clock.now().toISOString(), ...holdings, disk };
}
