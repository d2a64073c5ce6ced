/**
 * The console's tar builder (web/src/tar.ts) against the center's own tar
 * reader and GNU tar: long Chinese paths (pax `path` records, whose length
 * field counts itself — 99 → 101 bytes is the edge), empty files, and many
 * files, all arrive with their names and bytes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageDeposit } from '../../src/packages/index.js';
import { tarBlob } from '../../web/src/tar.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the console’s tar packages', () => {
  it('are read by the center and by GNU tar with every name and byte as chosen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-web-tar-'));
    dirs.push(dir);
    const inputs = [
      { path: 'report.txt', data: 'plain ASCII name' },
      { path: '空文件.txt', data: '' },
      { path: `${'文书档案/'.repeat(12)}二〇二五年第一次办公会议纪要.txt`, data: '会议纪要正文' },
      // pax records of 99 bytes and up: the length field grows from 2 to 3 digits around them.
      ...Array.from({ length: 12 }, (_, i) => ({ path: `p/${'x'.repeat(83 + i)}é.txt`, data: `edge ${i}` })),
      { path: 'big.bin', data: Buffer.alloc(70_000, 7) },
    ];
    const blob = tarBlob(inputs.map((f) => ({ path: f.path, file: new Blob([f.data]), mtime: 1_700_000_000 })));
    const file = join(dir, 'package.tar');
    await writeFile(file, Buffer.from(await blob.arrayBuffer()));
    expect(blob.size % 512).toBe(0);

    const staged = await stageDeposit(file, join(dir, 'staging'), { algorithms: ['sha256'] });
    expect(staged.kind).toBe('tar');
    const sha = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');
    expect(new Map(staged.files.map((f) => [f.path, f.digests.sha256]))).toEqual(
      new Map(inputs.map((f) => [f.path, sha(f.data)])),
    );

    const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(inputs.map((f) => f.path));
    execFileSync('tar', ['-xf', file, '-C', dir]);
    expect(await readFile(join(dir, inputs[2]!.path), 'utf8')).toBe('会议纪要正文');
  });
});
