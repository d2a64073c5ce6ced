/**
 * Four-properties check benchmark (not a Vitest test): `npx tsx bench/checks.bench.ts [files]`.
 *
 * Generates a deposit of 10,000 files (default) in the shape a unit sends:
 * PDF/A, JPEG, PNG, XML and text records of 4–64 KiB under 文书/<year>/, and
 * a 目录.csv catalog with one row per file (档号, 题名, 责任者, 日期, 保管期限,
 * 计算机文件名, MD5). Then, in the same run and over the same files:
 *  - `sha256sum` of every file (the plain-hashing peer),
 *  - the self-check (`selfCheck`: stage + hash every file, identify and
 *    validate every format, read the catalog, compare the declared MD5s,
 *    run every item) with no virus engine,
 *  - the same with a real clamd scanning every file, when clamd is installed.
 * Each step runs 3 times; the table shows the median. Prints a Markdown
 * table on stderr and one JSON line on stdout, and keeps the results in
 * bench/results/<date>-checks.json. MB = 10^6 bytes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Center, selfCheck } from '../src/center/index.js';
import { saveResults } from './results.js';
import { jpegBytes, pdfBytes, pdfaXmp, pngBytes } from '../src/checks/formats/test-support/format-fixtures.js';
import { startTestClamd } from '../src/checks/virus/test-support/clamd.js';

const FILES = Number(process.argv[2] ?? 10_000);
const RUNS = 3;
const YEARS = [2021, 2022, 2023, 2024, 2025];

interface Row {
  readonly what: string;
  readonly seconds: number;
  readonly samples: readonly number[];
  readonly filesPerSecond: number;
  readonly mbPerSecond: number;
  /** Throughput relative to sha256sum of the same files. */
  readonly vsHashing: number;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function generate(root: string): Promise<{ files: string[]; bytes: number }> {
  const pdf = await pdfBytes({ xmp: pdfaXmp(2, 'B') });
  const kinds: { ext: string; bytes: (i: number) => Buffer }[] = [
    { ext: 'pdf', bytes: () => pdf },
    { ext: 'jpg', bytes: () => jpegBytes() },
    { ext: 'png', bytes: () => pngBytes(64, 64) },
    {
      ext: 'xml',
      bytes: (i) =>
        Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?>\n<记录 编号="${i}">${'<段落>档案内容。</段落>'.repeat(100 + (i % 1500))}</记录>\n`,
        ),
    },
    { ext: 'txt', bytes: (i) => Buffer.from(`第 ${i} 号文件正文。\n`.repeat(200 + (i % 2000))) },
  ];
  const rows = ['档号,题名,责任者,日期,保管期限,计算机文件名,MD5'];
  const files: string[] = [];
  let bytes = 0;
  const perYear = Math.ceil(FILES / YEARS.length);
  for (let i = 0; i < FILES; i++) {
    const year = YEARS[Math.floor(i / perYear)]!;
    const item = String((i % perYear) + 1).padStart(4, '0');
    const kind = kinds[i % kinds.length]!;
    const path = `文书/${year}/Z109-WS·${year}·Y-${item}.${kind.ext}`;
    const content = kind.bytes(i);
    await mkdir(join(root, '文书', String(year)), { recursive: true });
    await writeFile(join(root, path), content);
    files.push(path);
    bytes += content.length;
    const md5 = createHash('md5').update(content).digest('hex');
    rows.push(`Z109-WS·${year}·Y-${item},第${i}号文件,杭州市档案局,${year}0301,永久,${path},${md5}`);
  }
  await writeFile(join(root, '目录.csv'), rows.join('\r\n') + '\r\n');
  return { files, bytes };
}

async function timeIt(fn: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
  }
  return samples;
}

async function sha256sum(root: string, files: readonly string[]): Promise<void> {
  // xargs keeps the argument list within limits, as a script over 10,000 files would.
  const child = spawn('xargs', ['-0', 'sha256sum'], { cwd: root, stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin.end(files.join('\0'));
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`sha256sum exited ${code}`);
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'yinji-bench-checks-'));
  try {
    const source = join(tmp, '登记包');
    process.stderr.write(`generating ${FILES} files …\n`);
    const { files, bytes } = await generate(source);
    const rows: Row[] = [];
    const add = (what: string, samples: number[], base?: number): void => {
      const seconds = median(samples);
      const mbPerSecond = bytes / 1e6 / seconds;
      rows.push({
        what,
        seconds,
        samples,
        filesPerSecond: files.length / seconds,
        mbPerSecond,
        vsHashing: base === undefined ? 1 : base / seconds,
      });
      process.stderr.write(`${what}: ${seconds.toFixed(2)} s\n`);
    };
    const hashing = await timeIt(() => sha256sum(source, files));
    add('sha256sum (every file)', hashing);
    const base = median(hashing);

    const check = async (config: Record<string, unknown>, what: string): Promise<void> => {
      const dataDir = join(tmp, `data-${rows.length}`);
      await mkdir(dataDir, { recursive: true });
      await writeFile(join(dataDir, 'config.json'), JSON.stringify(config));
      const center = await Center.open({ dataDir });
      try {
        let failed: string[] = [];
        add(
          what,
          await timeIt(async () => {
            const report = await selfCheck(center, { source });
            failed = report.items.filter((i) => i.outcome === 'fail').map((i) => i.id);
          }),
          base,
        );
        if (failed.length > 0) process.stderr.write(`  (items failing on the generated data: ${failed.join(', ')})\n`);
      } finally {
        await center.close();
      }
    };
    await check({ checkProfile: 'strict' }, 'self-check, all items, no virus engine');
    const clamd = await startTestClamd({ streamMaxLength: '100M' });
    if (clamd.ok) {
      try {
        await check({ checkProfile: 'strict', clamd: clamd.clamd.socket }, 'self-check, all items, clamd scanning');
      } finally {
        await clamd.clamd.stop();
      }
    } else {
      process.stderr.write(`clamd not available (${clamd.reason}): virus-scan row skipped\n`);
    }

    const table = [
      `| ${FILES.toLocaleString('en')} files, ${(bytes / 1e6).toFixed(0)} MB | seconds | files/s | MB/s | vs sha256sum |`,
      '| --- | --: | --: | --: | --: |',
      ...rows.map(
        (r) =>
          `| ${r.what} | ${r.seconds.toFixed(2)} | ${Math.round(r.filesPerSecond).toLocaleString('en')} | ${r.mbPerSecond.toFixed(1)} | ${r.vsHashing.toFixed(2)}× |`,
      ),
    ];
    process.stderr.write(
      `\n${table.join('\n')}\n\nload average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    process.stdout.write(JSON.stringify({ bench: 'checks', files: FILES, bytes, rows }) + '\n');
    process.stderr.write(`saved ${await saveResults('checks', { files: FILES, bytes, rows })}\n`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
