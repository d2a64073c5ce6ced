/**
 * Issue 5 §4, Must show: an interrupted 1 GB upload (connection cut at 50%)
 * resumes and completes; the registration is byte-identical.
 *
 * A real `yinji serve` and the real CLI: `yinji deposit big.tar --server …`
 * is killed with SIGKILL once the server holds half the package (the size of
 * the upload file in `<staging>/tus/`, which is the tus offset — polling HEAD
 * instead would make the server release the upload lock and stop the PATCH).
 * The same command run again must resume from the server's offset, send only
 * the rest, and register a package whose declared SHA-256 (of the whole tar)
 * the server checks; the stored file read back over HTTP hashes the same as
 * the generated one.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAccount, type ProvisionedAccount } from '../support/accounts.js';
import { collect, serveYinji, startYinji } from '../support/cli.js';

const CONTENT = 1024 ** 3;
const ENTRY = '影像/大文件.bin';

/** Writes a tar of one generated CONTENT-byte entry to `file`; returns the SHA-256 of the entry and of the tar. */
async function writeTar(file: string): Promise<{ entry: string; tar: string; size: number }> {
  const entryHash = createHash('sha256');
  const tarHash = createHash('sha256');
  const tar = pack();
  const block = Buffer.alloc(1 << 20);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= CONTENT) return void this.push(null);
      const n = Math.min(block.length, CONTENT - sent);
      // Every block differs (its index repeated through it), so a misplaced resume cannot hash the same.
      block.fill(sent / block.length);
      for (let i = 0; i < n; i += 4096) block.writeUInt32BE(sent / block.length, i);
      sent += n;
      const chunk = Buffer.from(block.subarray(0, n));
      entryHash.update(chunk);
      this.push(chunk);
    },
  });
  const entry = tar.entry({ name: ENTRY, size: CONTENT }, (err) => (err ? tar.destroy(err) : tar.finalize()));
  body.pipe(entry);
  const hashing = new Transform({
    transform(chunk: Buffer, _e, next) {
      tarHash.update(chunk);
      next(null, chunk);
    },
  });
  await pipeline(tar as unknown as Readable, hashing, createWriteStream(file));
  return { entry: entryHash.digest('hex'), tar: tarHash.digest('hex'), size: (await stat(file)).size };
}

describe('resumable upload through the CLI', () => {
  let tmp: string;
  let server: Awaited<ReturnType<typeof serveYinji>>;
  let operator: ProvisionedAccount;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-resume-'));
    // A center operator uploads a large package for unit BIG (as when it arrives on a carrier).
    operator = await provisionAccount(join(tmp, 'data'), { username: 'op', roles: ['operator'], units: ['BIG'] });
    server = await serveYinji(join(tmp, 'data'));
  }, 60_000);

  afterAll(async () => {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('resumes a 1 GiB upload cut at 50% and registers it byte-identical', async () => {
    const tarFile = join(tmp, 'big.tar');
    const digests = await writeTar(tarFile);
    const client = join(tmp, 'client');
    const tusDir = join(tmp, 'data', 'staging', 'tus');
    const args = [
      ...['--data', client, '--lang', 'en', 'deposit', tarFile, '--server', server.url],
      ...['--unit', 'BIG', '--title', '断点续传', '--digest', `sha256:${digests.tar}`, '--json'],
    ];

    // First run: kill -9 once the server holds half the package.
    const first = startYinji(args, operator.env);
    const firstDone = collect(first);
    let id: string | undefined;
    let held = 0;
    while (held < digests.size / 2) {
      await new Promise((r) => setTimeout(r, 10));
      const state = (await readdir(join(client, 'uploads')).catch(() => [])).find((n) => n.endsWith('.json'));
      if (id === undefined && state !== undefined) {
        const { url } = JSON.parse(await readFile(join(client, 'uploads', state), 'utf8')) as { url: string };
        id = url.split('/').at(-1);
      }
      if (id !== undefined)
        held = await stat(join(tusDir, id)).then(
          (s) => s.size,
          () => 0,
        );
      if (first.exitCode !== null) throw new Error(`the upload ended before the cut: ${(await firstDone).stderr}`);
    }
    first.kill('SIGKILL');
    expect((await firstDone).signal).toBe('SIGKILL');

    // What the server kept: more than nothing, less than everything.
    await new Promise((r) => setTimeout(r, 200));
    const head = await fetch(new URL(`api/v1/uploads/${id}`, server.url), {
      method: 'HEAD',
      headers: { ...operator.headers, 'tus-resumable': '1.0.0' },
    });
    const offsetAtRestart = Number(head.headers.get('upload-offset'));
    expect(offsetAtRestart).toBeGreaterThanOrEqual(digests.size / 2);
    expect(offsetAtRestart).toBeLessThan(digests.size);

    // Second run: the same command.
    const second = await collect(startYinji(args, operator.env));
    expect(second.code, second.stderr).toBe(0);
    const resumedAt = Number(/resuming at byte (\d+)/.exec(second.stderr)?.[1]);
    const sent = Number(/sent (\d+) bytes this run/.exec(second.stderr)?.[1]);
    console.info(
      `tar ${digests.size} B; server held ${offsetAtRestart} B after the cut (${((100 * offsetAtRestart) / digests.size).toFixed(1)}%); ` +
        `second run resumed at ${resumedAt} B and sent ${sent} B`,
    );
    expect(resumedAt).toBe(offsetAtRestart);
    expect(sent).toBe(digests.size - offsetAtRestart);
    expect(sent).toBeLessThan(digests.size * 0.55);

    const result = JSON.parse(second.stdout) as { regno: string; fileCount: number; byteCount: number };
    expect(result).toMatchObject({ fileCount: 1, byteCount: CONTENT });
    // The state file is gone, and so is the server's copy of the upload.
    expect(await readdir(join(client, 'uploads'))).toEqual([]);
    expect((await readdir(tusDir)).filter((n) => n !== 'registered')).toEqual([]);

    // Read the registered file back and hash it as it streams.
    const res = await fetch(
      new URL(
        `api/v1/registrations/${result.regno}/files/${ENTRY.split('/').map(encodeURIComponent).join('/')}`,
        server.url,
      ),
      { headers: operator.headers },
    );
    expect(res.status).toBe(200);
    const hash = createHash('sha256');
    for await (const chunk of Readable.fromWeb(res.body! as never)) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(digests.entry);
  }, 600_000);
});
