import { describe, expect, it } from 'vitest';
import { DirectorySyncs } from './directory-syncs.js';

/** A fake fsync that records when each call starts and lets the test finish it. */
function recorder() {
  const started: Array<{ dir: string; finish: (error?: Error) => void }> = [];
  const fsync = (dir: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      started.push({ dir, finish: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  return { started, fsync };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('DirectorySyncs (group commit of directory fsyncs)', () => {
  it('lets callers that arrive during an fsync share the next one, never the running one', async () => {
    const { started, fsync } = recorder();
    const syncs = new DirectorySyncs(fsync);
    let firstDone = false;
    const first = syncs.sync('/d').then(() => (firstDone = true));
    const late = [syncs.sync('/d'), syncs.sync('/d'), syncs.sync('/d')];
    let lateDone = 0;
    for (const p of late) void p.then(() => lateDone++);
    await tick();
    expect(started).toHaveLength(1); // the late callers wait; they do not start fsyncs of their own
    started[0]!.finish();
    await tick();
    expect(firstDone).toBe(true);
    expect(lateDone).toBe(0); // the running fsync may have missed their renames
    expect(started).toHaveLength(2);
    started[1]!.finish();
    await Promise.all(late);
    expect(lateDone).toBe(3);
    // Idle again: the next caller starts a fresh fsync at once.
    const again = syncs.sync('/d');
    await tick();
    expect(started).toHaveLength(3);
    started[2]!.finish();
    await again;
    await first;
  });

  it('keeps directories apart and passes an fsync failure to the callers that waited for it', async () => {
    const { started, fsync } = recorder();
    const syncs = new DirectorySyncs(fsync);
    const a = syncs.sync('/a');
    const b = syncs.sync('/b');
    await tick();
    expect(started.map((s) => s.dir)).toEqual(['/a', '/b']);
    const aLater = syncs.sync('/a');
    started[0]!.finish(new Error('EIO'));
    await expect(a).rejects.toThrow('EIO');
    await tick();
    // The failure of the first fsync does not stop the queued one, which alone decides its callers' outcome.
    expect(started).toHaveLength(3);
    started[2]!.finish();
    await expect(aLater).resolves.toBeUndefined();
    started[1]!.finish();
    await b;
  });
});
