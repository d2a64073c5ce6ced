import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import {
  clamdVersion,
  NOT_SCANNED,
  parseScanAnswer,
  scanFilesWithClamd,
  scanWithClamd,
  type ClamdError,
} from './clamd.js';
import { CLAM_EXE, EICAR_SIGNATURE, eicarBytes, startTestClamd, type ClamdAvailability } from './test-support/clamd.js';

const temp = tempDirs();
let started: ClamdAvailability;
let dir: string;

beforeAll(async () => {
  dir = await temp.make();
  await writeFile(join(dir, 'clean.txt'), '印记：一个干净的文件。\n'.repeat(1000));
  await writeFile(join(dir, 'eicar.com'), eicarBytes());
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 7)); // over StreamMaxLength 1M
  started = await startTestClamd({ streamMaxLength: '1M' });
});
afterAll(async () => {
  if (started?.ok) await started.clamd.stop();
  await temp.cleanup();
});

/** The running test clamd, or skip with the reason it is not there. */
function clamd(ctx: { skip: (note?: string) => never }): Extract<ClamdAvailability, { ok: true }>['clamd'] {
  if (!started.ok) ctx.skip(started.reason);
  return started.clamd;
}

describe('scanWithClamd against a real clamd', () => {
  it('passes a clean file and names the engine from VERSION', async (ctx) => {
    const c = clamd(ctx);
    const view = await scanWithClamd({ socket: c.socket }, [{ path: 'clean.txt', file: join(dir, 'clean.txt') }]);
    expect(view).toEqual({ ran: true, engine: expect.stringMatching(/^ClamAV \d+\.\d+/), infected: [] });
  });

  it('finds EICAR, sent in chunks smaller than the signature, beside a clean file', async (ctx) => {
    const c = clamd(ctx);
    const view = await scanWithClamd(
      { socket: c.socket },
      [
        { path: 'a/clean.txt', file: join(dir, 'clean.txt') },
        { path: 'b/eicar.com', file: join(dir, 'eicar.com') },
      ],
      { chunkSize: 7 },
    );
    expect(view).toEqual({
      ran: true,
      engine: expect.any(String),
      infected: [{ path: 'b/eicar.com', signature: `${EICAR_SIGNATURE}.UNOFFICIAL` }],
    });
  });

  it('finds clam.exe from clamav-testfiles by its sigtool MD5 signature, over TCP', async (ctx) => {
    const c = clamd(ctx);
    if (!c.hasClamExe) ctx.skip(`${CLAM_EXE} is missing (apt-get install clamav-testfiles)`);
    const results = await scanFilesWithClamd({ host: '127.0.0.1', port: c.port }, [
      { path: 'clam.exe', file: CLAM_EXE },
    ]);
    expect(results).toEqual([{ path: 'clam.exe', status: 'infected', signature: 'clam.exe.UNOFFICIAL' }]);
  });

  it('never passes a file over clamd’s size limit: it is listed as not scanned', async (ctx) => {
    const c = clamd(ctx);
    const results = await scanFilesWithClamd({ socket: c.socket }, [
      { path: 'big.bin', file: join(dir, 'big.bin') },
      { path: 'clean.txt', file: join(dir, 'clean.txt') },
    ]);
    expect(results[0]).toMatchObject({ path: 'big.bin', status: 'not-scanned', reason: 'size-limit' });
    expect(results[1]).toEqual({ path: 'clean.txt', status: 'clean' });
    const view = await scanWithClamd({ socket: c.socket }, [{ path: 'big.bin', file: join(dir, 'big.bin') }]);
    expect(view).toMatchObject({ ran: true, infected: [{ path: 'big.bin', signature: `${NOT_SCANNED}size-limit` }] });
  });

  it('reports a file it cannot read as not scanned, and goes on', async (ctx) => {
    const c = clamd(ctx);
    const results = await scanFilesWithClamd({ socket: c.socket }, [
      { path: 'gone', file: join(dir, 'does-not-exist') },
      { path: 'eicar.com', file: join(dir, 'eicar.com') },
    ]);
    expect(results.map((r) => [r.path, r.status, r.reason ?? r.signature])).toEqual([
      ['gone', 'not-scanned', 'read-error'],
      ['eicar.com', 'infected', `${EICAR_SIGNATURE}.UNOFFICIAL`],
    ]);
  });
});

describe('when clamd is missing or misbehaves', () => {
  it('says clearly, in Chinese and English, that the engine did not run', async () => {
    const socket = join(dir, 'no-clamd.sock');
    const view = await scanWithClamd({ socket }, [{ path: 'clean.txt', file: join(dir, 'clean.txt') }]);
    expect(view.ran).toBe(false);
    if (view.ran) return;
    expect(view.reason.zh).toContain(`无法连接杀毒引擎 clamd（${socket}）`);
    expect(view.reason.en).toContain(`cannot reach the anti-virus engine clamd at ${socket}: ENOENT`);
    const error = (await clamdVersion({ socket }).catch((e: unknown) => e)) as ClamdError;
    expect(error.code).toBe('E_CLAMD_UNAVAILABLE');
    const tcp = await scanWithClamd({ host: '127.0.0.1', port: 1 }, []);
    expect(tcp).toMatchObject({ ran: false, reason: { en: expect.stringContaining('127.0.0.1:1: ECONNREFUSED') } });
  });

  it('times out on a socket that accepts and never answers', async () => {
    const socket = join(dir, 'silent.sock');
    const server: Server = createServer((s) => s.resume()); // reads, never answers
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      const view = await scanWithClamd({ socket }, [], { timeoutMs: 200 });
      expect(view).toMatchObject({
        ran: false,
        reason: { en: expect.stringContaining('did not answer within 200 ms') },
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('lists a file as not scanned when clamd answers VERSION but never finishes the scan', async () => {
    const socket = join(dir, 'stuck.sock');
    const server: Server = createServer((s) =>
      s.on('data', (d: Buffer) => {
        if (d.toString().startsWith('zVERSION')) s.end('ClamAV 9.9.9/1/Thu Jan  1 00:00:00 2026\0');
      }),
    );
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      const view = await scanWithClamd({ socket }, [{ path: 'clean.txt', file: join(dir, 'clean.txt') }], {
        timeoutMs: 300,
      });
      expect(view).toEqual({
        ran: true,
        engine: 'ClamAV 9.9.9/1',
        infected: [{ path: 'clean.txt', signature: `${NOT_SCANNED}timeout` }],
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('says so when what answers is not clamd', async () => {
    const socket = join(dir, 'liar.sock');
    const server: Server = createServer((s) => s.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      const view = await scanWithClamd({ socket }, []);
      expect(view).toMatchObject({ ran: false, reason: { en: expect.stringContaining('does not look like clamd') } });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('stops cleanly: after stop() the same socket is unreachable', async (ctx) => {
    const other = await startTestClamd();
    if (!other.ok) return ctx.skip(other.reason);
    await other.clamd.stop();
    expect(existsSync(other.clamd.dir)).toBe(false);
    expect((await scanWithClamd({ socket: other.clamd.socket }, [])).ran).toBe(false);
  });
});

describe('parseScanAnswer', () => {
  it('reads clamd’s answers', () => {
    expect(parseScanAnswer('stream: OK')).toEqual({ status: 'clean' });
    expect(parseScanAnswer('stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({
      status: 'infected',
      signature: 'Win.Test.EICAR_HDB-1',
    });
    expect(parseScanAnswer('INSTREAM size limit exceeded. ERROR')).toMatchObject({
      status: 'not-scanned',
      reason: 'size-limit',
    });
    expect(parseScanAnswer("stream: Can't allocate memory ERROR")).toMatchObject({
      status: 'not-scanned',
      reason: 'engine-error',
    });
  });
});
