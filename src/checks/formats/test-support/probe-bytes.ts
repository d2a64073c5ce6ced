import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FormatReport } from '../../types.js';
import { probeFormat, type ProbeOptions } from '../probe.js';

/** Write `bytes` as `name` into `dir` and probe it (qpdf off unless asked: tests of the structural checks). */
export async function probeBytes(
  dir: string,
  bytes: Buffer | string,
  name: string,
  options: ProbeOptions = { qpdf: 'off' },
): Promise<FormatReport> {
  const file = join(dir, name.replace(/[/\\]/g, '_'));
  await writeFile(file, bytes);
  return probeFormat(file, name, options);
}

/** The English problem texts, for compact assertions. */
export const problemsOf = (r: FormatReport): string[] => r.problems.map((p) => p.en);
