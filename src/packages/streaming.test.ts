import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { stageDeposit } from './stage-deposit.js';
import { tempDirs } from './test-support/temp.js';

const tmp = tempDirs();
afterEach(tmp.cleanup);

const SIZE = 256 * 1024 * 1024;

function zeros(total: number): Readable {
  let left = total;
  const chunk = Buffer.alloc(1 << 20);
  return new Readable({
    read() {
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === 0 ? null : chunk.subarray(0, n));
    },
  });
}

describe('streaming', () => {
  it('extracts a 256 MiB tar entry without holding it in memory', async () => {
    const dir = await tmp.make();
    const input = join(dir, 'big.tar');
    const pack = tar.pack();
    const done = pipeline(pack, createWriteStream(input));
    await pipeline(zeros(SIZE), pack.entry({ name: 'big.bin', size: SIZE }));
    pack.finalize();
    await done;
    const before = process.memoryUsage().rss;
    let peak = before;
    const staged = await stageDeposit(input, join(dir, 'st'), {
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    expect(staged.files[0]).toMatchObject({ path: 'big.bin', size: SIZE });
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
  });
});
