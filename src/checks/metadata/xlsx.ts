/**
 * Excel .xlsx catalogs (ECMA-376 / ISO/IEC 29500 SpreadsheetML), read with
 * yauzl and saxes only: the first visible worksheet, cell values as Excel
 * shows them closely enough for checking.
 *
 * Parts read (ECMA-376 Part 1 §18): _rels/.rels → the workbook, its
 * relationships → first sheet, shared strings (§18.4) and styles (§18.8,
 * to know which numbers are dates). Shared strings are kept in memory (cells
 * refer to them by index); the sheet itself is streamed and handed over row
 * by row. Dates are stored as serial day numbers in a cell whose number
 * format is a date format; they come out as ISO dates (1900 or 1904 system,
 * with Excel's fictitious 1900-02-29 kept so it is reported, not shifted).
 *
 * The workbook is attacker-controlled: entry sizes are capped before
 * inflating (yauzl also checks inflated bytes against the declared size),
 * saxes expands no external or custom entities, and rows and columns are
 * bounded by Excel's own limits.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { Message } from '../../core/index.js';
import type { RowSink } from './csv.js';
import { columnOf, formatNumber, readDateStyles, serialToIso } from './xlsx-values.js';
import { local, parsePart, readRels, readSharedStrings, unescapeXstring } from './xlsx-xml.js';

export { isDateFormat, serialToIso } from './xlsx-values.js';
export { MAX_PART_BYTES } from './xlsx-xml.js';

const MAX_ROWS = 1_048_576; // Excel's limit
const MAX_COLUMNS = 16_384; // column XFD

export interface XlsxReadResult {
  readonly sheet: string;
  readonly rows: number;
  readonly problems: readonly Message[];
}

interface Workbook {
  sheetPart: string;
  sheetName: string;
  date1904: boolean;
  sharedStrings?: string;
  styles?: string;
}

async function readWorkbook(zip: ZipFile, entries: Map<string, Entry>, signal?: AbortSignal): Promise<Workbook> {
  const root = await readRels(zip, entries, '', signal);
  const workbookPart = root.byType.get('officeDocument') ?? 'xl/workbook.xml';
  const workbook = entries.get(workbookPart.toLowerCase());
  if (workbook === undefined) throw new Error('no workbook part (xl/workbook.xml)');
  const sheets: { name: string; rid: string; hidden: boolean }[] = [];
  let date1904 = false;
  await parsePart(
    zip,
    workbook,
    {
      open(name, a) {
        if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
        if (name !== 'sheet') return;
        const rid = Object.entries(a).find(([k]) => k.includes(':') && local(k) === 'id')?.[1] ?? '';
        sheets.push({ name: a.name ?? '', rid, hidden: a.state === 'hidden' || a.state === 'veryHidden' });
      },
    },
    signal,
  );
  const rels = await readRels(zip, entries, workbookPart, signal);
  const first = sheets.find((s) => !s.hidden) ?? sheets[0];
  const sheetPart = (first && rels.byId.get(first.rid)) ?? 'xl/worksheets/sheet1.xml';
  return {
    sheetPart,
    sheetName: first?.name ?? 'Sheet1',
    date1904,
    sharedStrings: rels.byType.get('sharedStrings') ?? 'xl/sharedStrings.xml',
    styles: rels.byType.get('styles') ?? 'xl/styles.xml',
  };
}

/** Stream the worksheet's rows into `sink`. */
async function readSheet(
  zip: ZipFile,
  entry: Entry,
  ctx: { shared: string[]; dateStyles: Set<number>; date1904: boolean },
  sink: RowSink,
  signal?: AbortSignal,
): Promise<{ rows: number; problems: Message[] }> {
  const problems: Message[] = [];
  let rows = 0;
  let rowNumber = 0;
  let cells: string[] = [];
  let col = -1;
  let type = 'n';
  let style = 0;
  let value = '';
  let inline = '';
  let collect: 'v' | 't' | undefined;
  let inPhonetic = false;
  let badShared = 0;
  const cellText = (): string => {
    switch (type) {
      case 's': {
        const s = ctx.shared[Number(value)];
        if (s === undefined && value !== '') badShared += 1;
        return s ?? '';
      }
      case 'inlineStr':
        return unescapeXstring(inline);
      case 'b':
        return value === '1' ? 'TRUE' : value === '0' ? 'FALSE' : value;
      case 'str':
      case 'e':
      case 'd':
        return value;
      default:
        return ctx.dateStyles.has(style) && value !== ''
          ? serialToIso(Number(value), ctx.date1904)
          : formatNumber(value);
    }
  };
  await parsePart(
    zip,
    entry,
    {
      open(name, a) {
        if (name === 'row') {
          rowNumber = a.r === undefined ? rowNumber + 1 : Number(a.r);
          cells = [];
          col = -1;
        } else if (name === 'c') {
          col = a.r === undefined ? col + 1 : columnOf(a.r);
          type = a.t ?? 'n';
          style = Number(a.s ?? 0);
          value = '';
          inline = '';
        } else if (name === 'v') collect = 'v';
        else if (name === 'rPh') inPhonetic = true;
        else if (name === 't' && type === 'inlineStr' && !inPhonetic) collect = 't';
      },
      close(name) {
        if (name === 'v' || name === 't') collect = undefined;
        else if (name === 'rPh') inPhonetic = false;
        else if (name === 'c' && col >= 0 && col < MAX_COLUMNS) {
          const text = cellText();
          if (text !== '') {
            while (cells.length < col) cells.push('');
            cells[col] = text;
          }
        } else if (name === 'row' && rowNumber <= MAX_ROWS) {
          rows += 1;
          sink(rowNumber, cells);
        }
      },
      text(t) {
        if (collect === 'v') value += t;
        else if (collect === 't') inline += t;
      },
    },
    signal,
  );
  if (badShared > 0) {
    problems.push({
      zh: `工作表有 ${badShared} 个单元格引用了不存在的共享字符串`,
      en: `${badShared} cells of the sheet refer to shared strings that do not exist`,
    });
  }
  return { rows, problems };
}

/**
 * Read the first visible worksheet of an .xlsx file row by row into `sink`.
 * Throws on an unreadable workbook (not a zip, no workbook or sheet, broken
 * XML); the caller turns that into a finding.
 */
export async function readXlsx(path: string, sink: RowSink, signal?: AbortSignal): Promise<XlsxReadResult> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  try {
    const entries = new Map<string, Entry>();
    // OPC part names compare case-insensitively (ECMA-376 Part 2 §9.1.1.1).
    for await (const entry of zip.eachEntry()) entries.set(entry.fileName.toLowerCase(), entry);
    const wb = await readWorkbook(zip, entries, signal);
    const sheet = entries.get(wb.sheetPart.toLowerCase());
    if (sheet === undefined) throw new Error(`worksheet ${wb.sheetPart} is missing`);
    const shared = await readSharedStrings(zip, entries.get(wb.sharedStrings?.toLowerCase() ?? ''), signal);
    const dateStyles = await readDateStyles(zip, entries.get(wb.styles?.toLowerCase() ?? ''), signal);
    const { rows, problems } = await readSheet(zip, sheet, { shared, dateStyles, date1904: wb.date1904 }, sink, signal);
    return { sheet: wb.sheetName, rows, problems };
  } finally {
    zip.close();
  }
}
