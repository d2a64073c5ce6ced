/**
 * The shared test suite every Storage implementation runs (fs now, s3 later):
 * `runStorageSuite('fs', async () => ({ storage, cleanup }))`.
 */
import { createHash } from 'node:crypto';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from './storage.js';

export interface StorageFixture {
  storage: Storage;
  cleanup(): Promise<void>;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const p of it) out.push(p);
  return out;
}

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A deterministic pseudo-random stream of `size` bytes, generated on the fly (never buffered whole). */
export function patternStream(size: number, seed = 1): Readable {
  let left = size;
  let x = seed;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(left, 1 << 20);
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) {
        if ((i & 3) === 0) x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        b[i] = (x >>> ((i & 3) * 8)) & 0xff;
      }
      left -= n;
      this.push(b);
    },
  });
}

export function runStorageSuite(name: string, make: () => Promise<StorageFixture>): void {
  describe(`Storage suite: ${name}`, () => {
    let fx: StorageFixture;
    let s: Storage;
    let scratch: string;
    beforeEach(async () => {
      fx = await make();
      s = fx.storage;
      await s.init();
      scratch = await mkdtemp(join(tmpdir(), 'yinji-suite-'));
    });
    afterEach(async () => {
      await s.close();
      await fx.cleanup();
      await rm(scratch, { recursive: true, force: true });
    });

    it('round-trips text, binary and empty files', async () => {
      const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await s.writeBytes('a.txt', 'hello');
      await s.writeBytes('bin/all-bytes', bin);
      await s.put('empty', Readable.from([]));
      expect((await s.readBytes('a.txt')).toString()).toBe('hello');
      expect(await s.readBytes('bin/all-bytes')).toEqual(bin);
      expect(await readAll(await s.read('bin/all-bytes'))).toEqual(bin);
      expect(await s.stat('empty')).toEqual({ size: 0 });
      expect(await s.exists('empty')).toBe(true);
      expect(await s.exists('bin')).toBe(false); // a directory is not a file
      expect(await s.stat('missing')).toBeUndefined();
      await expect(s.readBytes('missing')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(s.read('missing')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });

    it('handles nested Chinese paths', async () => {
      const p = '档案/2026年/文书·001.pdf';
      await s.writeBytes(p, '内容');
      expect((await s.readBytes(p)).toString()).toBe('内容');
      expect(await collect(s.list('档案'))).toEqual([p]);
      expect(await s.listDirs('档案')).toEqual(['2026年']);
    });

    it('overwrites atomically and puts from a file, with and without move', async () => {
      const f = join(scratch, 'src.bin');
      await writeFile(f, 'from file');
      await s.put('x/f1', { file: f });
      await s.put('x/f2', { file: f, move: true }, { expected: { algorithm: 'sha256', digest: sha256('from file') } });
      expect((await s.readBytes('x/f1')).toString()).toBe('from file');
      expect((await s.readBytes('x/f2')).toString()).toBe('from file');
      await s.writeBytes('x/f1', 'replaced');
      expect((await s.readBytes('x/f1')).toString()).toBe('replaced');
    });

    it('streams a ~50 MB file without buffering it', async () => {
      const size = 50 * 1024 * 1024 + 3;
      const digest = createHash('sha256');
      for await (const c of patternStream(size)) digest.update(c as Buffer);
      const expected = digest.digest('hex');
      await s.put('big/file.bin', patternStream(size), { expected: { algorithm: 'sha256', digest: expected } });
      expect(await s.stat('big/file.bin')).toEqual({ size });
      const back = createHash('sha256');
      let max = 0;
      for await (const c of await s.read('big/file.bin')) {
        max = Math.max(max, (c as Buffer).length);
        back.update(c as Buffer);
      }
      expect(back.digest('hex')).toBe(expected);
      expect(max).toBeLessThanOrEqual(8 * 1024 * 1024);
    });

    it('a digest mismatch stores nothing and leaves no temporaries', async () => {
      const bad = { algorithm: 'sha256' as const, digest: sha256('other') };
      await expect(s.put('d/x', Readable.from([Buffer.from('data')]), { expected: bad })).rejects.toMatchObject({
        code: 'E_DIGEST_MISMATCH',
      });
      const f = join(scratch, 'm.bin');
      await writeFile(f, 'data');
      await expect(s.put('d/y', { file: f, move: true }, { expected: bad })).rejects.toMatchObject({
        code: 'E_DIGEST_MISMATCH',
      });
      await s.writeBytes('d/keep', 'old');
      await expect(s.put('d/keep', Readable.from([Buffer.from('new')]), { expected: bad })).rejects.toThrow();
      expect((await s.readBytes('d/keep')).toString()).toBe('old');
      expect(await s.exists('d/x')).toBe(false);
      expect(await s.exists('d/y')).toBe(false);
      expect(await collect(s.list(''))).toEqual(['d/keep']);
      expect(await s.sweepTemporaries('')).toBe(0);
    });

    it('a failing source stores nothing', async () => {
      const failing = new Readable({
        read() {
          this.destroy(new Error('source broke'));
        },
      });
      await expect(s.put('f/x', failing)).rejects.toThrow();
      expect(await collect(s.list(''))).toEqual([]);
      expect(await s.sweepTemporaries('')).toBe(0);
    });

    it('an aborted put stores nothing', async () => {
      const ac = new AbortController();
      ac.abort();
      await expect(s.put('a/x', patternStream(1024), { signal: ac.signal })).rejects.toThrow();
      expect(await s.exists('a/x')).toBe(false);
    });

    it('rejects traversal and malformed paths', async () => {
      for (const p of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a/./b', '', 'a/', 'a\\b', 'a/.yinji-tmp-1']) {
        await expect(s.writeBytes(p, 'x'), p).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
        await expect(s.readBytes(p), p).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
      }
      await expect(s.deletePrefix('')).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
      await expect(collect(s.list('..'))).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    });

    it('lists recursively and one level, and lists directories', async () => {
      for (const p of ['r/b/2', 'r/a', 'r/b/1', 'r/c/d/e', 'top']) await s.writeBytes(p, p);
      expect(await collect(s.list('r'))).toEqual(['r/a', 'r/b/1', 'r/b/2', 'r/c/d/e']);
      expect(await collect(s.list('r', { recursive: false }))).toEqual(['r/a']);
      expect(await collect(s.list(''))).toEqual(['r/a', 'r/b/1', 'r/b/2', 'r/c/d/e', 'top']);
      expect(await s.listDirs('r')).toEqual(['b', 'c']);
      expect(await s.listDirs('')).toEqual(['r']);
      expect(await s.listDirs('nope')).toEqual([]);
      expect(await collect(s.list('nope'))).toEqual([]);
    });

    it('deletes files and prefixes; emptied directories disappear', async () => {
      for (const p of ['p/q/1', 'p/q/2', 'p/r/1', 'pq/1']) await s.writeBytes(p, 'x');
      await s.delete('p/r/1');
      await s.delete('p/r/1'); // missing: not an error
      expect(await s.listDirs('p')).toEqual(['q']);
      await s.deletePrefix('p');
      expect(await collect(s.list(''))).toEqual(['pq/1']); // a prefix is a directory, not a string prefix
      expect(await s.listDirs('')).toEqual(['pq']);
    });
  });
}
