/**
 * Cell values as Excel shows them: which styles are dates (ECMA-376 Part 1
 * §18.8), date serials as ISO dates, numbers in General format.
 */
import type { Entry, ZipFile } from 'yauzl';
import { parsePart } from './xlsx-xml.js';

/** Built-in number formats that are dates (ECMA-376 §18.8.30, plus the zh-CN ids 27–36 and 50–58). */
const BUILTIN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56,
  57, 58,
]);

/** Whether a custom format code shows a date or time: y/m/d/h/s outside quotes, escapes and [..] blocks. */
export function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/"[^"]*"/gu, '')
    .replace(/\\./gu, '')
    .replace(/[_*]./gu, '')
    .replace(/\[[^\]]*\]/gu, '');
  return /[ymdhs]/iu.test(bare) && !/^general$/iu.test(bare.trim());
}

/** Style indexes (cellXfs) whose number format is a date. */
export async function readDateStyles(
  zip: ZipFile,
  entry: Entry | undefined,
  signal?: AbortSignal,
): Promise<Set<number>> {
  const dateStyles = new Set<number>();
  if (entry === undefined) return dateStyles;
  const custom = new Map<number, string>();
  const xfFormats: number[] = [];
  let inCellXfs = false;
  await parsePart(
    zip,
    entry,
    {
      open(name, a) {
        if (name === 'numFmt' && a.numFmtId !== undefined) custom.set(Number(a.numFmtId), a.formatCode ?? '');
        else if (name === 'cellXfs') inCellXfs = true;
        else if (name === 'xf' && inCellXfs) xfFormats.push(Number(a.numFmtId ?? 0));
      },
      close(name) {
        if (name === 'cellXfs') inCellXfs = false;
      },
    },
    signal,
  );
  xfFormats.forEach((id, index) => {
    const code = custom.get(id);
    if (code !== undefined ? isDateFormat(code) : BUILTIN_DATE_FORMATS.has(id)) dateStyles.add(index);
  });
  return dateStyles;
}

/** A date serial as ISO 8601 ("2011-03-15", "2011-03-15 08:30:00", or "08:30:00" for a time alone). */
export function serialToIso(serial: number, date1904 = false): string {
  if (!Number.isFinite(serial) || serial < 0) return String(serial);
  let days = Math.floor(serial);
  let seconds = Math.round((serial - days) * 86_400);
  if (seconds === 86_400) [days, seconds] = [days + 1, 0];
  const time = [seconds / 3600, (seconds / 60) % 60, seconds % 60]
    .map((n) => String(Math.floor(n)).padStart(2, '0'))
    .join(':');
  if (days === 0 && seconds > 0 && !date1904) return time;
  let date: string;
  if (!date1904 && days === 60) {
    date = '1900-02-29'; // Lotus 1-2-3's leap-year bug, kept by Excel
  } else {
    const base = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, days < 60 ? 31 : 30);
    date = new Date(base + days * 86_400_000).toISOString().slice(0, 10);
  }
  return seconds === 0 ? date : `${date} ${time}`;
}

/** A number cell as Excel shows it in General format: 15 significant digits. */
export function formatNumber(v: string): string {
  const n = Number(v);
  if (v === '' || !Number.isFinite(n)) return v;
  return Number.isSafeInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
}

/** 0-based column of a cell reference ("AB12" → 27). */
export function columnOf(ref: string): number {
  let col = 0;
  for (const ch of ref) {
    const c = ch.charCodeAt(0);
    if (c < 65 || c > 90) break;
    col = col * 26 + (c - 64);
  }
  return col - 1;
}
