/**
 * Storage benchmark (not a Vitest test): `npx tsx bench/storage.bench.ts [small|large|all]`.
 *
 * Deposits and restores one generated data set through the real Center API
 * (Center.open → deposit → restore, SQLite metadata in both cases) on
 *  (a) a filesystem storage root, and
 *  (b) an S3 storage root (`s3://bucket/prefix`) on a real s3rver, started
 *      in its own process (bench/s3rver-process.ts),
 * and, in the same run, the plain peers over the same data set: `cp -r`,
 * `cp -r` then an fsync of each copied file (`sync FILE…`), `sha256sum`
 * over every file, and `restic backup` / `restic restore` (issue 10).
 *
 * Shapes: "small" = 2,000 files × 32 KiB in 20 folders; "large" = 4 files ×
 * 128 MiB. Content is random, so nothing deduplicates. The data set is in the
 * page cache for every contender (written just before, 24 GB of RAM here);
 * `sync` runs before each timed step so none pays for another's dirty pages.
 * A deposit stages (copies and hashes) the source and then commits it to
 * OCFL, fsyncing every file on fs; a restore checks each file's SHA-256 as
 * it writes it and does not fsync (like `cp -r`).
 *
 * Every step runs 3 times; the table shows the median. Prints progress and
 * a Markdown table on stderr, and one JSON line with the results (every
 * sample included) on stdout. MB = 10^6 bytes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Center, deposit, restore } from '../src/center/index.js';

interface Shape {
  readonly name: 'small' | 'large';
  readonly files: number;
  readonly fileSize: number;
  readonly folders: number;
}

const SHAPES: readonly Shape[] = [
  { name: 'small', files: 2_000, fileSize: 32 * 1024, folders: 20 },
  { name: 'large', files: 4, fileSize: 128 * 1024 * 1024, folders: 1 },
];

/** Each step runs this many times; the table shows the median (the JSON keeps every sample). */
const RUNS = 3;

interface Row {
  readonly shape: Shape['name'];
  readonly what: string;
  /** Median of the runs. */
  readonly seconds: number;
  readonly samples: readonly number[];
  readonly filesPerSecond: number;
  readonly mbPerSecond: number;
  /** Throughput relative to `cp -r` of the same data set (1 = as fast as cp). */
  readonly vsCp: number;
}

interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const fmt = (samples: readonly number[]): string => samples.map((x) => x.toFixed(2)).join(' / ') + ' s';

/** Run a command to completion; rejects on a non-zero exit. */
async function run(cmd: string, args: readonly string[]): Promise<void> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}`);
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  await run('sync', []); // start clean: no dirty pages left by the previous step
  const t0 = performance.now();
  await action();
  return (performance.now() - t0) / 1000;
}

/** Random content written in 8 MiB chunks (memory stays flat for the 128 MiB files). */
async function generate(dir: string, shape: Shape): Promise<void> {
  const perFolder = Math.ceil(shape.files / shape.folders);
  for (let i = 0; i < shape.files; i++) {
    const folder = join(dir, `卷${String(Math.floor(i / perFolder)).padStart(2, '0')}`);
    await mkdir(folder, { recursive: true });
    const file = join(folder, `文件${String(i).padStart(5, '0')}.bin`);
    const chunk = 8 * 1024 * 1024;
    if (shape.fileSize <= chunk) {
      await writeFile(file, randomBytes(shape.fileSize));
      continue;
    }
    await writeFile(file, '');
    for (let done = 0; done < shape.fileSize; done += chunk) {
      await writeFile(file, randomBytes(Math.min(chunk, shape.fileSize - done)), { flag: 'a' });
    }
  }
}

/** s3rver in a child process (same tsx loader as this process), answering on loopback. */
async function startS3Server(): Promise<S3Server> {
  const script = join(import.meta.dirname, 's3rver-process.ts');
  const child = spawn(process.execPath, [...process.execArgv, script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`s3rver process exited with ${String(code)}`);
    }),
  ])) as [string];
  const info = JSON.parse(first) as { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  // Credentials come from the environment, as in production.
  process.env.AWS_ACCESS_KEY_ID = info.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = info.secretAccessKey;
  return {
    endpoint: info.endpoint,
    bucket: info.bucket,
    async stop() {
      const exited = once(child, 'exit');
      child.stdin.end(); // the child stops and removes its directory when stdin closes
      await exited;
    },
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Run `step` RUNS times (cleaning up after each) and return the times. */
async function repeat(step: (run: number) => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await step(i));
  return samples;
}

function row(shape: Shape, what: string, samples: readonly number[], cpSamples: readonly number[]): Row {
  const bytes = shape.files * shape.fileSize;
  const seconds = median(samples);
  const cpSeconds = median(cpSamples);
  return {
    shape: shape.name,
    what,
    seconds: round(seconds, 2),
    samples: samples.map((x) => round(x, 3)),
    filesPerSecond: round(shape.files / seconds, shape.files / seconds < 10 ? 1 : 0),
    mbPerSecond: round(bytes / 1e6 / seconds, 1),
    vsCp: round(cpSeconds / seconds, 2),
  };
}

async function benchShape(
  work: string,
  shape: Shape,
  centers: ReadonlyArray<{ label: string; center: Center }>,
): Promise<Row[]> {
  const dir = join(work, shape.name);
  const data = join(dir, 'data');
  log(`[${shape.name}] generating ${shape.files} × ${shape.fileSize} bytes`);
  await generate(data, shape);

  const copy = join(dir, 'cp');
  const cp = await repeat(async () => {
    const t = await timed(() => run('cp', ['-r', data, copy]));
    await rm(copy, { recursive: true });
    return t;
  });
  const cpSync = await repeat(async () => {
    const t = await timed(async () => {
      await run('cp', ['-r', data, copy]);
      // fsync each copied file (coreutils `sync FILE…`), as a deposit does: a bare `sync` would
      // also wait for every other process's dirty pages on this shared machine.
      await run('sh', ['-c', `find "${copy}" -type f -print0 | xargs -0 sync --`]);
    });
    await rm(copy, { recursive: true });
    return t;
  });
  // One sha256sum over all files (xargs batches them), as a script would check a tree.
  const sha = await repeat(() =>
    timed(() => run('sh', ['-c', `find "${data}" -type f -print0 | xargs -0 sha256sum >/dev/null`])),
  );
  const rows = [
    row(shape, 'cp -r', cp, cp),
    row(shape, 'cp -r + fsync each file', cpSync, cp),
    row(shape, 'sha256sum', sha, cp),
  ];
  log(`[${shape.name}] cp -r ${fmt(cp)}; cp -r + fsync ${fmt(cpSync)}; sha256sum ${fmt(sha)}`);
  rows.push(...(await benchRestic(dir, data, shape, cp)));

  for (const { label, center } of centers) {
    const regnos: string[] = [];
    // Each run is a new registration (a new OCFL object), so nothing deduplicates against an earlier run.
    const dep = await repeat((i) =>
      timed(async () => {
        const r = await deposit(center, { source: data, unit: 'BENCH', title: `${shape.name} ${label} ${i}` });
        if (r.storedFiles !== shape.files) throw new Error(`deposit stored ${r.storedFiles} of ${shape.files} files`);
        regnos.push(r.regno);
      }),
    );
    const res = await repeat(async (i) => {
      const out = join(dir, `restored-${i}`);
      const t = await timed(async () => {
        const r = await restore(center, { regno: regnos[i]!, to: out });
        if (r.fileCount !== shape.files || r.byteCount !== shape.files * shape.fileSize)
          throw new Error('short restore');
      });
      await rm(out, { recursive: true });
      return t;
    });
    rows.push(row(shape, `Yinji deposit, ${label}`, dep, cp), row(shape, `Yinji restore, ${label}`, res, cp));
    log(`[${shape.name}] ${label}: deposit ${fmt(dep)}; restore ${fmt(res)}`);
  }
  await rm(dir, { recursive: true, force: true });
  return rows;
}

/**
 * restic (Debian package restic) on the same data set: `restic backup` into a
 * new local repository each run (so, like a new registration, nothing
 * deduplicates against an earlier run), then `restic restore latest`.
 * Skipped, and said so, when restic is not installed.
 */
async function benchRestic(dir: string, data: string, shape: Shape, cp: readonly number[]): Promise<Row[]> {
  const found = await run('sh', ['-c', 'command -v restic >/dev/null']).then(
    () => true,
    () => false,
  );
  if (!found) {
    log(`[${shape.name}] restic not installed (apt-get install restic): not compared`);
    return [];
  }
  process.env.RESTIC_PASSWORD = 'bench';
  const repos: string[] = [];
  const backup = await repeat(async (i) => {
    const repo = join(dir, `restic-${i}`);
    repos.push(repo);
    await run('restic', ['--quiet', '-r', repo, 'init']);
    return timed(() => run('restic', ['--quiet', '--no-cache', '-r', repo, 'backup', data]));
  });
  const restoreTimes = await repeat(async (i) => {
    const out = join(dir, `restic-out-${i}`);
    const t = await timed(() =>
      run('restic', ['--quiet', '--no-cache', '-r', repos[i]!, 'restore', 'latest', '--target', out]),
    );
    await rm(out, { recursive: true });
    return t;
  });
  for (const repo of repos) await rm(repo, { recursive: true, force: true });
  log(`[${shape.name}] restic backup ${fmt(backup)}; restic restore ${fmt(restoreTimes)}`);
  return [row(shape, 'restic backup', backup, cp), row(shape, 'restic restore', restoreTimes, cp)];
}

function table(rows: readonly Row[]): string {
  const shapeText = (s: Shape['name']): string => {
    const shape = SHAPES.find((x) => x.name === s)!;
    const size = shape.fileSize >= 1024 * 1024 ? `${shape.fileSize / 2 ** 20} MiB` : `${shape.fileSize / 1024} KiB`;
    return `${shape.files.toLocaleString('en')} × ${size}`;
  };
  const lines = [
    '| data set | what | seconds | files/s | MB/s | vs `cp -r` |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${shapeText(r.shape)} | ${r.what} | ${r.seconds.toFixed(2)} | ${r.filesPerSecond.toLocaleString('en', { maximumFractionDigits: 1 })} | ${r.mbPerSecond.toFixed(1)} | ${r.vsCp.toFixed(2)}× |`,
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  const shapes = SHAPES.filter((s) => which === 'all' || s.name === which);
  if (shapes.length === 0) throw new Error(`usage: storage.bench.ts [small|large|all], not "${which}"`);
  const work = await mkdtemp(join(tmpdir(), 'yinji-storage-bench-'));
  const s3 = await startS3Server();
  const load0 = loadavg()[0]!;
  const started = performance.now();
  const centers: Array<{ label: string; center: Center }> = [];
  try {
    centers.push({
      label: 'fs',
      center: await Center.open({
        dataDir: join(work, 'center-fs'),
        config: { database: `sqlite:${join(work, 'center-fs', 'yinji.db')}` },
      }),
    });
    centers.push({
      label: 'S3 (s3rver)',
      center: await Center.open({
        dataDir: join(work, 'center-s3'),
        config: {
          database: `sqlite:${join(work, 'center-s3', 'yinji.db')}`,
          storageRoot: `s3://${s3.bucket}/bench/ocfl`,
          s3Endpoint: s3.endpoint,
        },
      }),
    });
    const rows: Row[] = [];
    for (const shape of shapes) rows.push(...(await benchShape(work, shape, centers)));
    log(table(rows));
    console.log(
      JSON.stringify({
        bench: 'storage',
        shapes: shapes.map((s) => ({ name: s.name, files: s.files, fileSize: s.fileSize })),
        rows,
        totalSeconds: round((performance.now() - started) / 1000, 1),
        cpus: cpus().length,
        // Other work on a shared machine skews the figures: the 1-minute load before and after.
        loadAverage: [round(load0, 2), round(loadavg()[0]!, 2)],
        node: process.version,
      }),
    );
  } finally {
    for (const { center } of centers) await center.close();
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
