/**
 * Streaming .xlsx export: one worksheet of text cells that Excel, WPS and
 * LibreOffice open. Rows are turned into XML as they arrive and deflated by
 * yazl straight to disk, so a catalog of a million entries needs no more
 * memory than one batch of rows.
 *
 * Every cell is an inline string (ECMA-376 Part 1 §18.3.1.4 c with
 * t="inlineStr", §18.3.1.53 is): no shared-strings table to build up front,
 * and no number guessing — 档号 "0012" keeps its zeros, 文号 stays text.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { InvalidInputError } from '../../core/errors.js';
import { MAX_CELL_CHARS, MAX_COLUMNS } from './csv.js';

/** Excel's last row (1,048,576). */
const MAX_ROWS = 1_048_576;
/** Sheet XML is handed to the zip in pieces of about this many characters. */
const BATCH_CHARS = 64 * 1024;

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const REL_TYPE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

// ---------------------------------------------------------------------------
// Text

/**
 * Characters XML 1.0 does not allow (§2.2 Char): C0 controls other than tab, LF and CR, U+FFFE,
 * U+FFFF, and lone surrogates (with the u flag a well-formed pair is one code point and does not match).
 */
const FORBIDDEN_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

/** Drop characters XML 1.0 forbids. */
export const xmlSafe = (s: string) => s.replace(FORBIDDEN_XML_CHARS, '');

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;', // a raw CR would be turned into LF by any XML parser (XML 1.0 §2.11)
};

/**
 * Escape text already cleaned by xmlSafe for element content or attribute values. A literal
 * "_x0041_" is written "_x005F_x0041_": spreadsheet readers decode _xHHHH_ in strings (§22.9.2.19 ST_Xstring).
 */
function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r]/gu, (c) => ENTITIES[c] ?? c).replace(/_(?=x[0-9A-Fa-f]{4}_)/gu, '_x005F_');
}

const columnNames: string[] = [];

/** "A", "B", … "Z", "AA", … for a 0-based column index (§18.3.1.4 c@r). */
function columnName(index: number): string {
  let name = columnNames[index];
  if (name === undefined) {
    name = '';
    for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    columnNames[index] = name;
  }
  return name;
}

// ---------------------------------------------------------------------------
// The worksheet, streamed

/**
 * §18.3.1.99 worksheet children come in schema order: sheetViews (§18.3.1.88) before sheetData.
 * The pane (§18.3.1.66) splits below row 1 and freezes it, so the header stays in view.
 */
const SHEET_START =
  `${XML_DECL}<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
  '<sheetViews><sheetView tabSelected="1" workbookViewId="0">' +
  '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
  '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' +
  '</sheetView></sheetViews>' +
  '<sheetFormatPr defaultRowHeight="15"/><sheetData>';
const SHEET_END = '</sheetData></worksheet>';

/** cellXfs index of the bold header style in styles.xml below. */
const HEADER_STYLE = 1;

function cellXml(raw: string, row: number, col: number, header: boolean): string {
  const text = xmlSafe(raw);
  if (text === '') return '';
  if (text.length > MAX_CELL_CHARS) throw cellTooLong(row, col);
  // Leading/trailing blanks and line breaks survive only with xml:space="preserve" in some readers.
  const space = /^\s|\s$|\n/u.test(text) ? ' xml:space="preserve"' : '';
  const style = header ? ` s="${HEADER_STYLE}"` : '';
  return `<c r="${columnName(col)}${row}"${style} t="inlineStr"><is><t${space}>${escapeXml(text)}</t></is></c>`;
}

/** §18.3.1.73 row; an empty row is left out (its number is still used up). */
function rowXml(cells: readonly string[], row: number): string {
  if (cells.length > MAX_COLUMNS) throw tooWide(row, cells.length);
  let xml = '';
  cells.forEach((cell, col) => (xml += cellXml(cell, row, col, row === 1)));
  return xml === '' ? '' : `<row r="${row}">${xml}</row>`;
}

async function* sheetXml(rows: AsyncIterable<readonly string[]> | Iterable<readonly string[]>): AsyncGenerator<Buffer> {
  let xml = SHEET_START;
  let row = 0;
  for await (const cells of rows) {
    if (++row > MAX_ROWS) throw tooManyRows();
    xml += rowXml(cells, row);
    if (xml.length >= BATCH_CHARS) {
      yield Buffer.from(xml, 'utf8');
      xml = '';
    }
  }
  yield Buffer.from(xml + SHEET_END, 'utf8');
}

function cellTooLong(row: number, col: number): InvalidInputError {
  return new InvalidInputError(
    {
      zh: `第 ${row} 行 ${columnName(col)} 列的内容超过 Excel 单元格上限 ${MAX_CELL_CHARS} 个字符，无法导出为 .xlsx；请缩短该内容或改为导出 CSV`,
      en: `row ${row}, column ${columnName(col)} is longer than Excel's ${MAX_CELL_CHARS}-character cell limit; shorten it or export CSV instead`,
    },
    { details: { row, column: columnName(col), limit: MAX_CELL_CHARS } },
  );
}

function tooWide(row: number, columns: number): InvalidInputError {
  return new InvalidInputError(
    {
      zh: `第 ${row} 行有 ${columns} 列，超过 Excel 的上限 ${MAX_COLUMNS} 列；请减少导出的字段`,
      en: `row ${row} has ${columns} columns, more than Excel's ${MAX_COLUMNS}; export fewer fields`,
    },
    { details: { row, columns, limit: MAX_COLUMNS } },
  );
}

function tooManyRows(): InvalidInputError {
  return new InvalidInputError(
    {
      zh: `行数超过 Excel 的上限 ${MAX_ROWS} 行，无法导出为 .xlsx；请分批导出或改为导出 CSV`,
      en: `more than Excel's ${MAX_ROWS} rows; export in parts or export CSV instead`,
    },
    { details: { limit: MAX_ROWS } },
  );
}

// ---------------------------------------------------------------------------
// The fixed parts of the package

/** Excel's rules for a sheet name (the schema, §18.2.19, only says ST_Xstring; Excel refuses the rest). */
function checkSheetName(name: string): string {
  const clean = xmlSafe(name);
  if (clean.length >= 1 && clean.length <= 31 && !/[\\/?*[\]:]/u.test(clean) && !/^'|'$/u.test(clean)) return clean;
  throw new InvalidInputError(
    {
      zh: `工作表名称“${clean}”不可用：须为 1–31 个字符，不能含有 \\ / ? * [ ] :，也不能以单引号开头或结尾；请换一个名称`,
      en: `sheet name "${clean}" cannot be used: it must be 1–31 characters, without \\ / ? * [ ] : and not starting or ending with an apostrophe`,
    },
    { details: { sheetName: name } },
  );
}

/**
 * §18.8.39 styleSheet: font 0 regular, font 1 bold (§18.8.2 b); fills 0 and 1 are the two Excel
 * requires (none, gray125); cellXfs (§18.8.10) 0 is the default and 1 (HEADER_STYLE) the bold header.
 * 宋体 with charset 134 (GB2312) is the font every Chinese Windows and WPS has.
 */
const FONT = '<sz val="11"/><name val="宋体"/><family val="2"/><charset val="134"/>';
const STYLES =
  `${XML_DECL}<styleSheet xmlns="${NS_MAIN}">` +
  `<fonts count="2"><font>${FONT}</font><font><b/>${FONT}</font></fonts>` +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

/** W3CDTF without fractions, as docProps/core.xml expects (ECMA-376 Part 2 §11). */
const w3cdtf = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/u, 'Z');

/** Every part except the worksheet, in the order they go into the zip ([Content_Types].xml first). */
function fixedParts(sheetName: string, now: Date): [string, string][] {
  const ct = 'application/vnd.openxmlformats-officedocument';
  return [
    [
      '[Content_Types].xml',
      `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        `<Override PartName="/xl/workbook.xml" ContentType="${ct}.spreadsheetml.sheet.main+xml"/>` +
        `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${ct}.spreadsheetml.worksheet+xml"/>` +
        `<Override PartName="/xl/styles.xml" ContentType="${ct}.spreadsheetml.styles+xml"/>` +
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
        `<Override PartName="/docProps/app.xml" ContentType="${ct}.extended-properties+xml"/>` +
        '</Types>',
    ],
    [
      '_rels/.rels',
      `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${REL_TYPE}/officeDocument" Target="xl/workbook.xml"/>` +
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
        `<Relationship Id="rId3" Type="${REL_TYPE}/extended-properties" Target="docProps/app.xml"/>` +
        '</Relationships>',
    ],
    [
      'docProps/app.xml',
      `${XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">` +
        '<Application>Yinji</Application></Properties>',
    ],
    [
      'docProps/core.xml',
      `${XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"' +
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
        '<dc:creator>印记 Yinji</dc:creator>' +
        `<dcterms:created xsi:type="dcterms:W3CDTF">${w3cdtf(now)}</dcterms:created>` +
        `<dcterms:modified xsi:type="dcterms:W3CDTF">${w3cdtf(now)}</dcterms:modified>` +
        '</cp:coreProperties>',
    ],
    [
      'xl/workbook.xml',
      `${XML_DECL}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
        '<bookViews><workbookView/></bookViews>' +
        `<sheets><sheet name="${escapeXml(sheetName)}" sheetId="1" r:id="rId1"/></sheets>` +
        '</workbook>',
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${REL_TYPE}/worksheet" Target="worksheets/sheet1.xml"/>` +
        `<Relationship Id="rId2" Type="${REL_TYPE}/styles" Target="styles.xml"/>` +
        '</Relationships>',
    ],
    ['xl/styles.xml', STYLES],
  ];
}

/** Write rows (the first is the header, shown bold and frozen) as an .xlsx with one sheet named `sheetName` (default "目录"), streaming: rows are written as they come (inline strings, t="inlineStr", so no shared-strings table has to be held in memory), through yazl to `path` (written to `path + '.tmp'` and renamed when complete; removed on failure). Valid SpreadsheetML that Excel, WPS and LibreOffice open: [Content_Types].xml, _rels/.rels, docProps/app.xml and core.xml, xl/workbook.xml, xl/_rels/workbook.xml.rels, xl/styles.xml (with a bold font for the header), xl/worksheets/sheet1.xml (with <sheetViews> freezing row 1). XML-escape text properly and drop characters XML 1.0 forbids (control characters other than tab, LF, CR; lone surrogates). Cells are always text (no number guessing: 档号 like "0012" must keep the leading zeros).
 *
 * What Excel cannot hold is refused with InvalidInputError rather than cut: a cell over 32,767
 * characters, more than 16,384 columns or 1,048,576 rows. */
export async function writeXlsx(
  rows: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  path: string,
  options: { sheetName?: string } = {},
): Promise<void> {
  const sheetName = checkSheetName(options.sheetName ?? '目录');
  const now = new Date();
  const zip = new yazl.ZipFile();
  for (const [name, xml] of fixedParts(sheetName, now)) zip.addBuffer(Buffer.from(xml, 'utf8'), name, { mtime: now });
  const sheet = Readable.from(sheetXml(rows), { objectMode: false });
  zip.addReadStream(sheet, 'xl/worksheets/sheet1.xml', { mtime: now });
  zip.end();
  const output = zip.outputStream as Readable;
  // yazl neither passes on an error of the stream it reads nor ends its output after one: stop the pipeline here.
  const fail = (e: unknown) => output.destroy(e instanceof Error ? e : new Error(String(e)));
  sheet.once('error', fail);
  zip.once('error', fail);
  const tmp = `${path}.tmp`;
  try {
    await pipeline(output, createWriteStream(tmp));
    await rename(tmp, path);
  } catch (e) {
    sheet.destroy(); // stops pulling rows (their iterator's return() runs) if the file side failed first
    await rm(tmp, { force: true });
    throw e;
  }
}
