import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forEachLimited } from './concurrency.js';

describe('forEachLimited', () => {
  it('runs at most `limit` at once and visits every item with its index', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimited([10, 11, 12, 13, 14, 15, 16], 3, async (item, i) => {
      running++;
      most = Math.max(most, running);
      await sleep(5);
      seen[i] = item;
      running--;
    });
    expect(most).toBe(3);
    expect(seen).toEqual([10, 11, 12, 13, 14, 15, 16]);
  });

  it('starts nothing after a failure, lets running items finish, then throws the first error', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = forEachLimited([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 0) throw new Error('first');
      await sleep(20);
      finished++;
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([0, 1]);
    expect(finished).toBe(1); // item 1 ran to its end before the throw
  });
});
