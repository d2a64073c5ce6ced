import { InvalidArgumentError } from 'commander';
import { Center } from '../../center/index.js';
import type { GlobalOptions } from '../output.js';

/** Open the center in the --data directory (running crash recovery), run `fn`, always close. */
export async function withCenter<T>(opts: GlobalOptions, fn: (center: Center) => Promise<T>): Promise<T> {
  const center = await Center.open({ dataDir: opts.data });
  try {
    return await fn(center);
  } finally {
    await center.close();
  }
}

/** Commander turns InvalidArgumentError into a usage error (exit 2) with this message. */
export function parseIntOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`不是非负整数 / not a whole number: ${value}`);
  return n;
}
