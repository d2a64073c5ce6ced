/**
 * Storage benchmark (not a Vitest test):
 *   npx tsx bench/storage.bench.ts [small|large|all] [--scale X] [--s3]
 *
 * Issue 10 items 1–4: Yinji against the tools an archive already knows, on the
 * same generated data in the same run, through the real Center API (SQLite
 * metadata, a filesystem storage root; `--s3` adds an `s3://` root on a real
 * s3rver in its own process, bench/s3rver-process.ts).
 *
 * Data sets (deterministic: sizes from a seeded PRNG, content an AES-CTR
 * keystream, so nothing compresses or deduplicates; `--scale` multiplies the
 * file count of "small" and the file size of "large"):
 *   small — 100,000 files of 1–64 KB in 1,000 nested folders with Chinese names;
 *   large — 4 files of 1 GiB.
 *
 * Each run (RUNS of them; tables show the median, the JSON every sample):
 *   1. deposit (a new registration) vs `restic backup` into a new repository
 *      vs `sha256sum` + `cp -r` of the same tree, with and without an fsync of
 *      each copied file (a deposit fsyncs every file it stores);
 *   2. 1% of the files rewritten, then a re-deposit (a new version of the same
 *      registration) vs restic's second snapshot: time and bytes stored;
 *   3. restore of everything vs `restic restore` and `cp -r`;
 *   4. a fixity audit of the last registration (`yinji audit`'s code) vs
 *      `sha256sum -c` over the same stored files, on one core and on two.
 * Peak memory: the bench process's peak RSS after Yinji's steps (an upper
 * bound: it includes the bench itself) and restic's (GNU time) for each shape.
 *
 * The data set is in the page cache for every contender (24 GB of RAM here);
 * `sync` runs before each timed step so none pays for another's dirty pages.
 * Needs restic (apt-get install restic) and /usr/bin/time (apt-get install
 * time); rows whose tool is missing are skipped and said so. Progress and
 * Markdown tables go to stderr, one JSON line to stdout, and the results to
 * bench/results/<date>-storage.json. MB = 10^6 bytes.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Center, auditNow, deposit, restore } from '../src/center/index.js';
import { objectRootPath } from '../src/store/ocfl/layout.js';
import { saveResults } from './results.js';

interface Shape {
  readonly name: 'small' | 'large';
  /** Relative path and size of every file, in generation order. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number }>;
  readonly bytes: number;
}

/** Each step runs this many times; the tables show the median. */
const RUNS = 3;
/** Share of the files rewritten before the re-deposit (issue 10 item 2). */
const CHANGED = 0.01;

interface Row {
  readonly shape: Shape['name'];
  readonly what: string;
  /** Median of the runs. */
  readonly seconds: number;
  readonly samples: readonly number[];
  readonly filesPerSecond: number;
  readonly mbPerSecond: number;
  /** The peer this row is compared with, and this row's throughput relative to it (2 = twice as fast). */
  readonly peer?: string;
  readonly vsPeer?: number;
  /** Bytes the step added to the store or repository (re-deposit rows). */
  readonly storedBytes?: number;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const fmt = (samples: readonly number[]): string => samples.map((x) => x.toFixed(2)).join(' / ') + ' s';

/** mulberry32: a tiny seeded PRNG, so every run generates the same data set. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shapes(scale: number): Shape[] {
  const random = prng(20261207);
  const small: Array<{ path: string; size: number }> = [];
  const count = Math.max(100, Math.round(100_000 * scale));
  for (let i = 0; i < count; i++) {
    // 全宗 / 年度 / 卷 / 件: ten fonds, ten years, ten volumes each, 100 files per volume at scale 1.
    const folder = i % 1000;
    const path = [
      `全宗${String(folder % 10).padStart(2, '0')}`,
      `${2015 + (Math.floor(folder / 10) % 10)}年度`,
      `第${String(Math.floor(folder / 100)).padStart(3, '0')}卷`,
      `文件${String(i).padStart(6, '0')}.bin`,
    ].join('/');
    small.push({ path, size: 1000 + Math.floor(random() * 63_001) });
  }
  const largeSize = Math.round(2 ** 30 * scale);
  const large = Array.from({ length: 4 }, (_, i) => ({ path: `大文件${i + 1}.bin`, size: largeSize }));
  return [
    { name: 'small', files: small, bytes: small.reduce((n, f) => n + f.size, 0) },
    { name: 'large', files: large, bytes: large.reduce((n, f) => n + f.size, 0) },
  ];
}

/** Deterministic incompressible content for file `index` in `generation` (AES-CTR keystream). */
async function writeContent(path: string, size: number, index: number, generation: number): Promise<void> {
  const key = createHash('sha256').update('yinji storage bench').digest();
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(index, 0);
  iv.writeUInt32BE(generation, 4);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const chunk = 8 * 1024 * 1024; // memory stays flat for the 1 GiB files
  const zeros = Buffer.alloc(Math.min(chunk, size));
  await writeFile(path, '');
  for (let done = 0; done < size; done += chunk) {
    await writeFile(path, cipher.update(zeros.subarray(0, Math.min(chunk, size - done))), { flag: 'a' });
  }
}

async function generate(dir: string, shape: Shape): Promise<void> {
  const made = new Set<string>();
  for (const [i, f] of shape.files.entries()) {
    const folder = join(dir, f.path, '..');
    if (!made.has(folder)) await mkdir(folder, { recursive: true });
    made.add(folder);
    await writeContent(join(dir, f.path), f.size, i, 0);
  }
}

/** Rewrite CHANGED of the files (at least one), a different selection each run; returns the bytes rewritten. */
async function changeSome(dir: string, shape: Shape, run: number): Promise<number> {
  const step = Math.max(1, Math.round(1 / CHANGED));
  let bytes = 0;
  for (let i = run % step; i < shape.files.length; i += step) {
    await writeContent(join(dir, shape.files[i]!.path), shape.files[i]!.size, i, run + 1);
    bytes += shape.files[i]!.size;
  }
  return bytes;
}

/** Run a command to completion; rejects on a non-zero exit. */
async function run(cmd: string, args: readonly string[]): Promise<void> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}`);
}

const sh = (script: string): Promise<void> => run('sh', ['-c', script]);
const installed = (tool: string): Promise<boolean> =>
  sh(`command -v ${tool} >/dev/null`).then(
    () => true,
    () => false,
  );

async function timed(action: () => Promise<unknown>): Promise<number> {
  await run('sync', []); // start clean: no dirty pages left by the previous step
  const t0 = performance.now();
  await action();
  return (performance.now() - t0) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function repeat(step: (run: number) => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await step(i));
  return samples;
}

function row(
  shape: Shape,
  what: string,
  samples: readonly number[],
  peer?: { name: string; samples: readonly number[] },
  storedBytes?: number,
): Row {
  const seconds = median(samples);
  const files = shape.files.length;
  const bytes = shape.bytes;
  return {
    shape: shape.name,
    what,
    seconds: round(seconds, 2),
    samples: samples.map((x) => round(x, 3)),
    filesPerSecond: round(files / seconds, files / seconds < 10 ? 1 : 0),
    mbPerSecond: round(bytes / 1e6 / seconds, 1),
    ...(peer === undefined ? {} : { peer: peer.name, vsPeer: round(median(peer.samples) / seconds, 2) }),
    ...(storedBytes === undefined ? {} : { storedBytes }),
  };
}

/** Bytes under a directory (`du -sb`). */
async function diskBytes(dir: string): Promise<number> {
  const child = spawn('du', ['-sb', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  return Number(out.split('\t')[0]);
}

interface Restic {
  readonly backup: number[];
  readonly second: number[];
  readonly secondBytes: number[];
  readonly restore: number[];
  peakRssKiB: number;
}

/**
 * One restic run alongside one Yinji run: restic's steps run just before
 * Yinji's on the very same tree. GNU time records restic's peak memory.
 */
class ResticRunner {
  readonly results: Restic = { backup: [], second: [], secondBytes: [], restore: [], peakRssKiB: 0 };
  private repo = '';

  constructor(private readonly dir: string) {
    process.env.RESTIC_PASSWORD = 'bench';
  }

  private async restic(args: readonly string[]): Promise<void> {
    const rss = join(this.dir, 'restic-rss');
    await run('/usr/bin/time', ['-f', '%M', '-o', rss, 'restic', '--quiet', '--no-cache', '-r', this.repo, ...args]);
    this.results.peakRssKiB = Math.max(this.results.peakRssKiB, Number((await readFile(rss, 'utf8')).trim()));
  }

  async backup(data: string, i: number): Promise<void> {
    this.repo = join(this.dir, `restic-${i}`);
    await run('restic', ['--quiet', '-r', this.repo, 'init']);
    this.results.backup.push(await timed(() => this.restic(['backup', data])));
  }

  async secondSnapshot(data: string): Promise<void> {
    const before = await diskBytes(this.repo);
    this.results.second.push(await timed(() => this.restic(['backup', data])));
    this.results.secondBytes.push((await diskBytes(this.repo)) - before);
  }

  async restore(): Promise<void> {
    const out = join(this.dir, 'restic-out');
    this.results.restore.push(await timed(() => this.restic(['restore', 'latest', '--target', out])));
    await rm(out, { recursive: true });
    await rm(this.repo, { recursive: true, force: true });
  }
}

/** cp -r and sha256sum + cp -r, with and without an fsync of each copied file. */
async function benchPeers(shape: Shape, dir: string, data: string): Promise<Record<string, number[]>> {
  const copy = join(dir, 'cp');
  const manifest = join(dir, 'SHA256SUMS');
  // fsync each copied file with coreutils `sync FILE…`: a bare `sync` would also wait for every other
  // process's dirty pages on this shared machine.
  const fsyncCopy = `find "${copy}" -type f -print0 | xargs -0 sync --`;
  const sha = `(cd "${data}" && find . -type f -print0 | xargs -0 sha256sum) > "${manifest}"`;
  const peers: Record<string, string> = {
    'cp -r': `cp -r "${data}" "${copy}"`,
    'sha256sum + cp -r': `${sha} && cp -r "${data}" "${copy}"`,
    'sha256sum + cp -r + fsync each file': `${sha} && cp -r "${data}" "${copy}" && ${fsyncCopy}`,
  };
  const out: Record<string, number[]> = {};
  for (const [name, script] of Object.entries(peers)) {
    out[name] = await repeat(async () => {
      const t = await timed(() => sh(script));
      await rm(copy, { recursive: true });
      return t;
    });
    log(`[${shape.name}] ${name}: ${fmt(out[name])}`);
  }
  return out;
}

interface YinjiRuns {
  readonly deposit: number[];
  readonly redeposit: number[];
  readonly redepositBytes: number[];
  readonly restore: number[];
  readonly regnos: string[];
  /** Bytes rewritten before each re-deposit. */
  readonly changedBytes: number[];
}

/** One full run of Yinji (and restic beside it) on the shape: deposit, change 1%, re-deposit, restore. */
async function benchRuns(
  shape: Shape,
  dir: string,
  data: string,
  center: Center,
  label: string,
  restic: ResticRunner | undefined,
): Promise<YinjiRuns> {
  const r: YinjiRuns = { deposit: [], redeposit: [], redepositBytes: [], restore: [], regnos: [], changedBytes: [] };
  for (let i = 0; i < RUNS; i++) {
    await restic?.backup(data, i);
    let regno = '';
    r.deposit.push(
      await timed(async () => {
        const d = await deposit(center, { source: data, unit: 'BENCH', title: `${shape.name} ${label} ${i}` });
        if (d.storedFiles !== shape.files.length) throw new Error(`stored ${d.storedFiles} of ${shape.files.length}`);
        regno = d.regno;
      }),
    );
    r.regnos.push(regno);
    r.changedBytes.push(await changeSome(data, shape, i));
    await restic?.secondSnapshot(data);
    r.redeposit.push(
      await timed(async () => {
        const d = await deposit(center, { source: data, to: regno });
        r.redepositBytes.push(d.storedBytes);
      }),
    );
    await restic?.restore();
    const out = join(dir, 'restored');
    r.restore.push(
      await timed(async () => {
        const x = await restore(center, { regno, to: out });
        if (x.fileCount !== shape.files.length || x.byteCount !== shape.bytes) throw new Error('short restore');
      }),
    );
    await rm(out, { recursive: true });
    log(
      `[${shape.name}] ${label} run ${i + 1}: deposit ${r.deposit[i]!.toFixed(2)} s, re-deposit ` +
        `${r.redeposit[i]!.toFixed(2)} s, restore ${r.restore[i]!.toFixed(2)} s`,
    );
  }
  return r;
}

/**
 * `sha256sum -c` over the files of the registration's head version as they
 * lie in the OCFL store (paths taken from its inventory, as any OCFL reader
 * would), one list for one core and two halves run at once for two cores;
 * against Yinji's audit of the same registration.
 */
async function benchAudit(shape: Shape, dir: string, center: Center, storeRoot: string, regno: string): Promise<Row[]> {
  const reg = (await center.db.registrations.getByRegno(regno))!;
  const objectDir = join(storeRoot, objectRootPath(reg.objectId));
  const inventory = JSON.parse(await readFile(join(objectDir, 'inventory.json'), 'utf8')) as {
    head: string;
    manifest: Record<string, string[]>;
    versions: Record<string, { state: Record<string, string[]> }>;
  };
  const lines = Object.keys(inventory.versions[inventory.head]!.state).map(
    (digest) => `${digest}  ${inventory.manifest[digest]![0]}`,
  );
  const halves = [lines.filter((_, i) => i % 2 === 0), lines.filter((_, i) => i % 2 === 1)];
  await writeFile(join(dir, 'all.sums'), lines.join('\n') + '\n');
  for (const [i, half] of halves.entries()) await writeFile(join(dir, `half${i}.sums`), half.join('\n') + '\n');
  const check = (list: string): string => `cd "${objectDir}" && sha256sum --quiet -c "${join(dir, list)}"`;
  const one = await repeat(() => timed(() => sh(check('all.sums'))));
  const two = await repeat(() => timed(() => sh(`${check('half0.sums')} & ${check('half1.sums')} & wait`)));
  const yinji = await repeat(() =>
    timed(async () => {
      const a = await auditNow(center, { regnos: [regno] }, { repair: false });
      if (a.failing !== 0) throw new Error('audit found problems in a fresh store');
    }),
  );
  log(`[${shape.name}] sha256sum -c ${fmt(one)}; two at once ${fmt(two)}; Yinji audit ${fmt(yinji)}`);
  return [
    row(shape, 'sha256sum -c, one core', one),
    row(shape, 'sha256sum -c, two cores', two),
    row(shape, 'Yinji audit', yinji, { name: 'sha256sum -c, one core', samples: one }),
  ];
}

async function benchShape(
  work: string,
  shape: Shape,
  centers: ReadonlyArray<{ label: string; center: Center; storeRoot?: string }>,
  tools: { restic: boolean },
): Promise<{ rows: Row[]; peakRssMiB: number; resticPeakRssMiB?: number }> {
  const dir = join(work, shape.name);
  const data = join(dir, 'data');
  log(
    `[${shape.name}] generating ${shape.files.length.toLocaleString('en')} files, ${(shape.bytes / 1e9).toFixed(2)} GB`,
  );
  await generate(data, shape);
  const peers = await benchPeers(shape, dir, data);
  const cp = { name: 'cp -r', samples: peers['cp -r']! };
  const shaCp = { name: 'sha256sum + cp -r', samples: peers['sha256sum + cp -r']! };
  const rows = Object.entries(peers).map(([name, samples]) => row(shape, name, samples, cp));
  const restic = tools.restic ? new ResticRunner(dir) : undefined;
  for (const [n, { label, center, storeRoot }] of centers.entries()) {
    // restic runs beside the first center only: once is enough, and the data set changes with each run.
    const r = await benchRuns(shape, dir, data, center, label, n === 0 ? restic : undefined);
    log(
      `[${shape.name}] rewritten before each re-deposit: ${r.changedBytes.map((b) => `${(b / 1e6).toFixed(1)} MB`).join(' / ')}`,
    );
    rows.push(
      row(shape, `Yinji deposit, ${label}`, r.deposit, shaCp),
      row(shape, `Yinji re-deposit, 1% changed, ${label}`, r.redeposit, undefined, median(r.redepositBytes)),
      row(shape, `Yinji restore, ${label}`, r.restore, cp),
    );
    if (storeRoot !== undefined) rows.push(...(await benchAudit(shape, dir, center, storeRoot, r.regnos.at(-1)!)));
  }
  if (restic !== undefined) {
    const x = restic.results;
    rows.push(
      row(shape, 'restic backup', x.backup, shaCp),
      row(shape, 'restic second snapshot, 1% changed', x.second, undefined, median(x.secondBytes)),
      row(shape, 'restic restore', x.restore, cp),
    );
  }
  await rm(dir, { recursive: true, force: true });
  return {
    rows,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(restic === undefined ? {} : { resticPeakRssMiB: Math.round(restic.results.peakRssKiB / 1024) }),
  };
}

/** s3rver in a child process (same tsx loader as this process), answering on loopback. */
async function startS3Server(): Promise<{ endpoint: string; bucket: string; stop(): Promise<void> }> {
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

function table(rows: readonly Row[]): string {
  const lines = [
    '| data set | what | seconds | files/s | MB/s | compared with | ratio | stored |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.shape} | ${r.what} | ${r.seconds.toFixed(2)} | ${r.filesPerSecond.toLocaleString('en')} | ` +
        `${r.mbPerSecond.toFixed(1)} | ${r.peer ?? ''} | ${r.vsPeer === undefined ? '' : `${r.vsPeer.toFixed(2)}×`} | ` +
        `${r.storedBytes === undefined ? '' : `${(r.storedBytes / 1e6).toFixed(1)} MB`} |`,
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { scale: { type: 'string', default: '1' }, s3: { type: 'boolean', default: false } },
  });
  const which = positionals[0] ?? 'all';
  const scale = Number(values.scale);
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, not "${values.scale}"`);
  const chosen = shapes(scale).filter((s) => which === 'all' || s.name === which);
  if (chosen.length === 0)
    throw new Error(`usage: storage.bench.ts [small|large|all] [--scale X] [--s3], not "${which}"`);
  const restic = (await installed('restic')) && (await installed('/usr/bin/time'));
  if (!restic) log('restic or GNU time not installed (apt-get install restic time): restic not compared');
  const work = await mkdtemp(join(tmpdir(), 'yinji-storage-bench-'));
  const s3 = values.s3 ? await startS3Server() : undefined;
  const started = performance.now();
  const results: Array<Awaited<ReturnType<typeof benchShape>> & { shape: string; files: number; bytes: number }> = [];
  try {
    for (const shape of chosen) {
      // A center per data set, so the audit and the store hold only this data set.
      const centers: Array<{ label: string; center: Center; storeRoot?: string }> = [];
      try {
        const fsDir = join(work, `center-fs-${shape.name}`);
        centers.push({
          label: 'fs',
          center: await Center.open({ dataDir: fsDir, config: { database: `sqlite:${join(fsDir, 'yinji.db')}` } }),
          storeRoot: join(fsDir, 'store'),
        });
        if (s3 !== undefined) {
          const s3Dir = join(work, `center-s3-${shape.name}`);
          centers.push({
            label: 'S3 (s3rver)',
            center: await Center.open({
              dataDir: s3Dir,
              config: {
                database: `sqlite:${join(s3Dir, 'yinji.db')}`,
                storageRoot: `s3://${s3.bucket}/bench-${shape.name}/ocfl`,
                s3Endpoint: s3.endpoint,
              },
            }),
          });
        }
        const r = await benchShape(work, shape, centers, { restic });
        results.push({ shape: shape.name, files: shape.files.length, bytes: shape.bytes, ...r });
        log(table(r.rows));
      } finally {
        for (const { center } of centers) await center.close();
        await rm(join(work, `center-fs-${shape.name}`), { recursive: true, force: true });
        await rm(join(work, `center-s3-${shape.name}`), { recursive: true, force: true });
      }
    }
    const summary = {
      scale,
      runs: RUNS,
      changedShare: CHANGED,
      results,
      totalSeconds: round((performance.now() - started) / 1000, 1),
    };
    console.log(JSON.stringify(summary));
    log(`saved ${await saveResults('storage', summary)}`);
  } finally {
    await s3?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
