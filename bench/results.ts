/**
 * Where every benchmark keeps its figures: `bench/results/<date>-<bench>.json`
 * (issue 10), with the machine it ran on, so a figure can always be traced to
 * the run and the hardware that produced it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
  /** 1-minute load average when the results were saved (other work on a shared machine skews figures). */
  readonly loadAverage: number;
}

export async function describeMachine(): Promise<Machine> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? process.platform;
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: pretty,
    kernel: release(),
    node: process.version,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** Write `results` (plus the machine and the date) to bench/results/<YYYY-MM-DD>-<bench>.json; returns the path. */
export async function saveResults(bench: string, results: object): Promise<string> {
  const date = new Date().toISOString().slice(0, 10);
  const path = join(import.meta.dirname, 'results', `${date}-${bench}.json`);
  const body = { bench, date: new Date().toISOString(), machine: await describeMachine(), ...results };
  await writeFile(path, JSON.stringify(body, null, 2) + '\n');
  return path;
}
