/**
 * CSV export that Chinese Excel opens as intended: UTF-8 with a BOM (without
 * it Excel on Chinese Windows reads the bytes as GBK), CRLF line ends, RFC
 * 4180 quoting, and cells that a spreadsheet would run as formulas defused
 * (OWASP "CSV injection": a leading = + - @ tab or CR).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Rows are collected into pieces of about this many characters before writing. */
const BATCH_CHARS = 64 * 1024;

/** A plain number ("-12", "+3.5", "1e-3") is data, not a formula, and is left alone. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/u;
const FORMULA_START = /^[=+\-@\t\r]/u;

/** Prefix a cell that Excel, WPS or LibreOffice would treat as a formula with a single quote. */
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell) ? `'${cell}` : cell;
}

/**
 * One CSV field. Quoted when it holds a delimiter, quote or line break, or
 * has leading/trailing spaces (which some readers trim). A tab is quoted too,
 * so a one-column file cannot be mistaken for tab-separated when read back.
 */
function field(cell: string): string {
  const safe = neutraliseFormula(cell);
  const needsQuotes = /[",\r\n\t]/u.test(safe) || safe.startsWith(' ') || safe.endsWith(' ');
  return needsQuotes ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function line(cells: readonly string[]): string {
  // A lone empty cell would be an empty line, which readers skip: write it as "".
  if (cells.length === 1 && cells[0] === '') return '""\r\n';
  return `${cells.map(field).join(',')}\r\n`;
}

/** Write `chunk`, waiting for 'drain' when the stream asks us to (backpressure); `failed` rejects on a stream error. */
async function write(out: NodeJS.WritableStream, chunk: string, failed: Promise<unknown>): Promise<void> {
  if (!out.write(chunk, 'utf8')) await Promise.race([once(out, 'drain'), failed]);
}

/** Write rows as CSV: UTF-8 with a BOM (so Chinese Excel opens it correctly), CRLF line ends, fields quoted when they contain a comma, quote, CR or LF, or start/end with spaces. Also neutralise spreadsheet formula injection: a cell starting with =, +, -, @ (or tab/CR) is prefixed with a single quote ' — EXCEPT when the cell is a plain number such as "-12" or "+3.5". Writes to `out` honouring backpressure.
 *
 * `out` is ended when all rows are written and the promise settles once it has finished (as
 * stream.pipeline does), so a file written through createWriteStream is complete when it resolves.
 * If `rows` throws, `out` is destroyed (no 'error' event) so a half-written export is not mistaken for a whole one. */
export async function writeCsv(
  rows: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  out: NodeJS.WritableStream,
): Promise<void> {
  // once() rejects on 'error': a stream that fails at any point stops the export instead of hanging it.
  const finished = once(out, 'finish');
  finished.catch(() => undefined); // awaited below; this only keeps an early rejection from being "unhandled"
  let batch = '\ufeff';
  try {
    for await (const cells of rows) {
      batch += line(cells);
      if (batch.length >= BATCH_CHARS) {
        await write(out, batch, finished);
        batch = '';
      }
    }
  } catch (e) {
    (out as Partial<Writable>).destroy?.();
    throw e;
  }
  out.end(batch, 'utf8');
  await finished;
}
