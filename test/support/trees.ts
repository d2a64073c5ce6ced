/** Deterministic test trees: Chinese names, nesting, empty files and empty directories. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';

const NAMES = ['文书', '会计凭证', '人事档案', '照片', '工程竣工图', '社保', '公积金', 'Report', 'data'];

/** Content of file i: deterministic bytes, sizes 0 (every 97th) to ~4 KiB. */
export function smallContent(i: number, salt = ''): Buffer {
  if (i % 97 === 0) return Buffer.alloc(0);
  const seed = createHash('sha256').update(`${salt}:${i}`).digest();
  const size = 1 + (seed.readUInt16BE(0) % 4096);
  const out = Buffer.alloc(size);
  for (let o = 0; o < size; o += seed.length) seed.copy(out, o);
  return out;
}

export function smallPath(i: number): string {
  const a = NAMES[i % NAMES.length]!;
  const b = `${2000 + (i % 25)}年`;
  return join(a, b, `第${i}号·文件 ${i}.txt`);
}

/** Write `count` small files (plus some empty directories) under `root`; returns their relative paths. */
export async function writeSmallTree(root: string, count: number): Promise<string[]> {
  const paths: string[] = [];
  const mtime = new Date('2021-03-04T05:06:07.000Z');
  for (let i = 0; i < count; i++) {
    const rel = smallPath(i);
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), smallContent(i));
    await utimes(join(root, rel), mtime, new Date(mtime.getTime() + i * 1000));
    paths.push(rel);
  }
  await mkdir(join(root, '空目录', '子目录'), { recursive: true });
  await mkdir(join(root, 'empty'), { recursive: true });
  return paths;
}

/** Write a large file of pseudo-random content, streamed (8 MiB block, varied per block). */
export async function writeLargeFile(path: string, bytes: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  const block = Buffer.alloc(8 << 20);
  for (let o = 0; o < block.length; o += 32) createHash('sha256').update(String(o)).digest().copy(block, o);
  let written = 0;
  let n = 0;
  while (written < bytes) {
    const chunk = block.subarray(0, Math.min(block.length, bytes - written));
    chunk.writeUInt32BE(n++, 0); // no two blocks identical
    if (!out.write(Buffer.from(chunk))) await once(out, 'drain');
    written += chunk.length;
  }
  out.end();
  await once(out, 'finish');
}

/** Size in bytes of everything under a directory (for storage-growth checks). */
export async function treeBytes(root: string): Promise<number> {
  const { readdir, stat } = await import('node:fs/promises');
  let total = 0;
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}
