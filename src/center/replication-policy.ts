/**
 * The replication policy (issue 7 item 3): which targets hold a copy of
 * every registration — the center's default, and per unit where a unit
 * needs more or other copies (a unit whose records must also go to the
 * provincial center, say). Encryption is a property of the target (a
 * partner's copies are encrypted unless its row says otherwise), so one
 * target is never written two ways.
 *
 * Kept as one JSON setting: small, read at each registration, changed
 * rarely and only by the center's operators.
 */
import { InvalidInputError, NotFoundError } from '../core/index.js';
import type { Repositories } from '../db/index.js';
import type { Center } from './center.js';

export interface ReplicationPolicy {
  /** Target ids every registration goes to, unless its unit has its own list. */
  readonly default: readonly string[];
  /** Per unit code: its own list, replacing the default. */
  readonly units: Readonly<Record<string, readonly string[]>>;
}

const SETTING = 'replication-policy';
const EMPTY: ReplicationPolicy = { default: [], units: {} };

export async function readPolicy(db: Pick<Repositories, 'settings'>): Promise<ReplicationPolicy> {
  const text = await db.settings.get(SETTING);
  return text === undefined ? EMPTY : (JSON.parse(text) as ReplicationPolicy);
}

export function targetsFor(policy: ReplicationPolicy, unitCode: string): readonly string[] {
  return policy.units[unitCode] ?? policy.default;
}

/**
 * Set the default targets, or a unit's (`unit`); `targets: null` with a unit
 * drops its own list so it follows the default again. Every target must exist.
 */
export async function setPolicy(
  center: Center,
  change: { unit?: string; targets: readonly string[] | null },
): Promise<ReplicationPolicy> {
  const targets = change.targets === null ? null : [...new Set(change.targets)];
  for (const id of targets ?? []) {
    const t = await center.db.replicaTargets.get(id);
    if (t === undefined || t.removedAt !== null) {
      throw new NotFoundError({
        zh: `没有备份目标 ${id}（先用 yinji peer add 或 yinji target add 添加）`,
        en: `no replica target ${id} (add it first with yinji peer add or yinji target add)`,
      });
    }
  }
  const policy = await readPolicy(center.db);
  let next: ReplicationPolicy;
  if (change.unit === undefined) {
    if (targets === null) throw new InvalidInputError({ zh: '请给出目标列表', en: 'give a list of targets' });
    next = { ...policy, default: targets };
  } else {
    if ((await center.db.units.getByCode(change.unit)) === undefined) {
      throw new NotFoundError({ zh: `单位 ${change.unit} 不存在`, en: `unit ${change.unit} does not exist` });
    }
    const units = { ...policy.units };
    if (targets === null) delete units[change.unit];
    else units[change.unit] = targets;
    next = { ...policy, units };
  }
  await center.db.settings.put(SETTING, JSON.stringify(next));
  return next;
}

/** Every target some unit's copies go to. */
export function allPolicyTargets(policy: ReplicationPolicy): string[] {
  return [...new Set([...policy.default, ...Object.values(policy.units).flat()])].sort();
}
