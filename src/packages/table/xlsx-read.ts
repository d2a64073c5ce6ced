/**
 * Excel .xlsx catalogs (ECMA-376 Part 1 SpreadsheetML, packaged per Part 2
 * OPC), read with yauzl and saxes only.
 *
 * Parts: _rels/.rels → the workbook (§18.2.27 workbook), its relationships →
 * the chosen sheet (§18.2.19 sheet), shared strings (§18.4) and styles
 * (§18.8, only to know which numbers are dates). Shared strings are held in
 * memory (cells refer to them by index); the worksheet itself is streamed
 * through saxes and handed over row by row.
 *
 * The file comes from outside: entries are size-checked before inflating and
 * the inflated bytes are counted against the declared size (zip bombs); saxes
 * expands no external or custom entities; a cell stops growing at Excel's own
 * 32,767-character limit and a row at 16,384 columns.
 */
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { InvalidInputError, type Message } from '../../core/errors.js';
import { MAX_CELL_CHARS, MAX_COLUMNS, type RowFailure, type TableRow } from './csv.js';

/** Largest zip entry inflated at all. */
export const MAX_ENTRY_BYTES = 1024 * 1024 * 1024;
/** Largest part read whole into memory (shared strings, styles, workbook, relationships). */
export const MAX_HELD_PART_BYTES = 256 * 1024 * 1024;
/** More entries than any real workbook has (each is held in a map while reading). */
const MAX_ENTRIES = 100_000;

type Attributes = Readonly<Record<string, string>>;

interface XmlHandlers {
  open?(name: string, attrs: Attributes): void;
  close?(name: string): void;
  text?(text: string): void;
}

/** Part names compare case-insensitively (ECMA-376 Part 2 §9.1.1.1.2). */
type Entries = ReadonlyMap<string, Entry>;
const partKey = (name: string) => name.replaceAll('\\', '/').toLowerCase();

// ---------------------------------------------------------------------------
// Opening the file

const CFB_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** Say what the file is when it is not a zip: an old .xls, an encrypted .xlsx, an HTML "xls", or something else. */
async function refuseNonZip(path: string): Promise<void> {
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(512), 0, 512, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return; // "PK": a zip, look inside
  if (CFB_SIGNATURE.every((b, i) => head[i] === b)) {
    // Excel 97-2003 workbooks and password-protected .xlsx are both Compound File Binary containers.
    throw new InvalidInputError(
      {
        zh: '这是旧版 Excel 97-2003（.xls）文件，或设置了打开密码的 .xlsx，无法读取；请在 Excel/WPS 中打开（如有密码请先取消），另存为 .xlsx 后重试',
        en: 'this is an old Excel 97-2003 (.xls) file or a password-protected .xlsx, which cannot be read; open it in Excel or WPS (remove any password) and save it as .xlsx',
      },
      { details: { path, format: 'cfb' } },
    );
  }
  const text = head
    .toString('latin1')
    .replace(/^\ufeff|^\u00ef\u00bb\u00bf/u, '')
    .trimStart();
  if (text.startsWith('<')) {
    // Many record systems export an HTML table or Excel 2003 XML and name it .xls/.xlsx.
    throw new InvalidInputError(
      {
        zh: '这是网页（HTML）或 XML 格式的表格，并不是真正的 .xlsx 文件；请在 Excel/WPS 中打开，另存为 .xlsx 后重试',
        en: 'this is an HTML or XML table, not a real .xlsx file; open it in Excel or WPS and save it as .xlsx',
      },
      { details: { path, format: 'markup' } },
    );
  }
  throw notXlsx(path);
}

function notXlsx(path: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(
    {
      zh: '文件不是 Excel .xlsx 格式（或已损坏）；请在 Excel/WPS 中另存为 .xlsx 或 UTF-8 CSV 后重试',
      en: 'the file is not an Excel .xlsx workbook (or it is damaged); save it as .xlsx or UTF-8 CSV and retry',
    },
    { cause, details: { path, reason: reasonOf(cause) } },
  );
}

const reasonOf = (e: unknown): string | undefined => (e instanceof Error ? e.message : undefined);

/** Node's file-system errors (ENOENT, EACCES, …) pass through unchanged; anything else means "not a zip". */
const isSystemError = (e: unknown) => e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';

async function openZip(path: string): Promise<ZipFile> {
  await refuseNonZip(path);
  try {
    // validateEntrySizes: yauzl also fails a stream that inflates to more bytes than declared.
    return await yauzl.openPromise(path, { autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (e) {
    if (isSystemError(e)) throw e;
    throw notXlsx(path, e);
  }
}

async function listEntries(zip: ZipFile, path: string): Promise<Entries> {
  const entries = new Map<string, Entry>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entries.size >= MAX_ENTRIES) throw new Error(`more than ${MAX_ENTRIES} entries`);
      entries.set(partKey(entry.fileName), entry);
    }
  } catch (e) {
    throw notXlsx(path, e);
  }
  return entries;
}

// ---------------------------------------------------------------------------
// Reading parts

/** Refuse an entry before inflating it: encrypted, an unknown compression, or larger than `limit`. */
function checkEntry(entry: Entry, limit: number): void {
  const part = entry.fileName;
  if (entry.isEncrypted() || !entry.canDecodeFileData()) {
    throw new InvalidInputError(
      {
        zh: `工作簿中的“${part}”已加密或使用了不支持的压缩方式；请在 Excel/WPS 中另存为 .xlsx 后重试`,
        en: `"${part}" in the workbook is encrypted or uses an unsupported compression; save the file as .xlsx again`,
      },
      { details: { part, method: entry.compressionMethod } },
    );
  }
  if (entry.uncompressedSize > limit) {
    throw new InvalidInputError(
      {
        zh: `工作簿中的“${part}”解压后有 ${entry.uncompressedSize} 字节，超过上限 ${limit} 字节（也可能是恶意构造的压缩包）；请把目录拆成几个较小的文件，或另存为 CSV 后重试`,
        en: `"${part}" in the workbook inflates to ${entry.uncompressedSize} bytes, over the ${limit}-byte limit (or the zip is a decompression bomb); split the catalog into smaller files or save it as CSV`,
      },
      { details: { part, size: entry.uncompressedSize, limit } },
    );
  }
}

/** Inflated bytes of an entry, counted against its declared size: a lying header stops the read. */
async function* inflate(zip: ZipFile, entry: Entry, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  let total = 0;
  for await (const chunk of stream) {
    signal?.throwIfAborted();
    const bytes = chunk as Buffer;
    total += bytes.length;
    if (total > entry.uncompressedSize) {
      throw new Error(`${entry.fileName} inflates to more than its declared ${entry.uncompressedSize} bytes`);
    }
    yield bytes;
  }
}

/** XML parts are UTF-8, or UTF-16 with a BOM (ECMA-376 Part 2 §8.1.4); TextDecoder drops the BOM. */
function xmlDecoder(): (chunk?: Uint8Array) => string {
  let decoder: TextDecoder | undefined;
  return (chunk) => {
    if (chunk === undefined) return decoder?.decode() ?? '';
    decoder ??= new TextDecoder(bomEncoding(chunk));
    return decoder.decode(chunk, { stream: true });
  };
}

function bomEncoding(head: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** The local part of a prefixed name ("x:row" → "row"): some writers prefix the SpreadsheetML namespace. */
const local = (name: string) => name.slice(name.indexOf(':') + 1);

function xmlParser(h: XmlHandlers): SaxesParser<{ xmlns: false }> {
  const parser = new SaxesParser({ xmlns: false });
  parser.on('opentag', (tag) => h.open?.(local(tag.name), tag.attributes));
  parser.on('closetag', (tag) => h.close?.(local(tag.name)));
  if (h.text !== undefined) {
    const onText = (t: string) => h.text?.(t);
    parser.on('text', onText);
    parser.on('cdata', onText);
  }
  return parser;
}

/** Parse a whole (metadata) part; any failure other than our own refusals or an abort means a damaged workbook. */
async function parsePart(zip: ZipFile, entry: Entry, h: XmlHandlers, limit: number, signal?: AbortSignal) {
  checkEntry(entry, limit);
  const parser = xmlParser(h);
  const decode = xmlDecoder();
  try {
    for await (const chunk of inflate(zip, entry, signal)) parser.write(decode(chunk));
    parser.write(decode());
    parser.close();
  } catch (e) {
    if (signal?.aborted) throw e;
    throw damagedPart(entry.fileName, e);
  }
}

function damagedPart(part: string, cause: unknown): InvalidInputError {
  return new InvalidInputError(
    {
      zh: `工作簿的“${part}”部分已损坏，无法读取；请在 Excel/WPS 中打开并另存为 .xlsx 后重试`,
      en: `the "${part}" part of the workbook is damaged; open the file in Excel or WPS and save it as .xlsx again`,
    },
    { cause, details: { part, reason: reasonOf(cause) } },
  );
}

/** Undo ST_Xstring escapes (§22.9.2.19): Excel writes e.g. a carriage return as "_x000D_" and "_x" itself as "_x005F_x". */
export const unescapeXstring = (s: string) =>
  s.includes('_x') ? s.replace(/_x([0-9A-Fa-f]{4})_/gu, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) : s;

// ---------------------------------------------------------------------------
// Workbook structure

interface Relationship {
  readonly type: string;
  readonly target: string;
}

/** Resolve a relationship target against its source part (ECMA-376 Part 2 §9.3): relative, or absolute from the root. */
function resolveTarget(sourcePart: string, target: string): string {
  let t = target;
  try {
    t = decodeURI(target); // targets are URIs: "sheet%201.xml"
  } catch {
    // not valid percent-encoding: use it as written
  }
  return t.startsWith('/') ? posix.normalize(t.slice(1)) : posix.normalize(posix.join(posix.dirname(sourcePart), t));
}

/** The relationships of `part` (Part 2 §9.3: "dir/_rels/name.rels"), by Id; the type is its last URI segment. */
async function readRels(zip: ZipFile, entries: Entries, part: string, signal?: AbortSignal) {
  const rels = new Map<string, Relationship>();
  const relsPart = posix.join(posix.dirname(part), '_rels', `${posix.basename(part)}.rels`);
  const entry = entries.get(partKey(relsPart));
  if (entry === undefined) return rels;
  const handlers: XmlHandlers = {
    open(name, a) {
      if (name !== 'Relationship' || a.Id === undefined || a.Target === undefined) return;
      if (a.TargetMode === 'External') return;
      // Transitional and Strict (purl.oclc.org) types differ only before the last segment.
      const type = (a.Type ?? '').slice((a.Type ?? '').lastIndexOf('/') + 1);
      rels.set(a.Id, { type, target: resolveTarget(part, a.Target) });
    },
  };
  await parsePart(zip, entry, handlers, MAX_HELD_PART_BYTES, signal);
  return rels;
}

const relOfType = (rels: ReadonlyMap<string, Relationship>, type: string) =>
  [...rels.values()].find((r) => r.type === type)?.target;

interface SheetInfo {
  readonly name: string;
  readonly hidden: boolean;
  /** The part, when the relationship resolves; undefined means "fall back to xl/worksheets/sheetN.xml". */
  readonly part: string | undefined;
  /** Relationship type: "worksheet", or "chartsheet" etc. which hold no cells. */
  readonly kind: string;
}

interface Workbook {
  readonly sheets: readonly SheetInfo[];
  /** workbookPr date1904 (§18.2.28): serials count from 1904-01-01. */
  readonly date1904: boolean;
  readonly sharedStrings: string;
  readonly styles: string;
}

async function readWorkbook(zip: ZipFile, entries: Entries, path: string, signal?: AbortSignal): Promise<Workbook> {
  const root = await readRels(zip, entries, '', signal);
  const workbookPart = relOfType(root, 'officeDocument') ?? 'xl/workbook.xml';
  const entry = entries.get(partKey(workbookPart));
  if (entry === undefined) throw noWorkbook(path, `no workbook part (${workbookPart})`);
  let rootName: string | undefined;
  let date1904 = false;
  const listed: { name: string; hidden: boolean; relId: string }[] = [];
  const handlers: XmlHandlers = {
    open(name, a) {
      rootName ??= name;
      if (name === 'workbookPr') date1904 = a.date1904 === '1' || a.date1904 === 'true';
      if (name !== 'sheet') return;
      // §18.2.19: r:id names the relationship; the prefix is whatever the file binds to the relationships namespace.
      const relId = Object.entries(a).find(([k]) => k.includes(':') && local(k) === 'id')?.[1] ?? '';
      listed.push({ name: a.name ?? '', hidden: a.state === 'hidden' || a.state === 'veryHidden', relId });
    },
  };
  await parsePart(zip, entry, handlers, MAX_HELD_PART_BYTES, signal);
  // e.g. a .docx renamed to .xlsx
  if (rootName !== 'workbook') throw noWorkbook(path, `${workbookPart} is not a workbook (<${rootName ?? ''}>)`);
  const rels = await readRels(zip, entries, workbookPart, signal);
  const sheets = listed.map((s) => {
    const rel = rels.get(s.relId);
    return { name: s.name, hidden: s.hidden, part: rel?.target, kind: rel?.type ?? 'worksheet' };
  });
  const dir = posix.dirname(workbookPart);
  return {
    sheets,
    date1904,
    sharedStrings: relOfType(rels, 'sharedStrings') ?? posix.join(dir, 'sharedStrings.xml'),
    styles: relOfType(rels, 'styles') ?? posix.join(dir, 'styles.xml'),
  };
}

/** `reason`: the technical fact ("no workbook part (xl/workbook.xml)"), as `details.reason` is for the other refusals. */
function noWorkbook(path: string, reason: string): InvalidInputError {
  return new InvalidInputError(
    {
      zh: '压缩包里没有 Excel 工作簿（缺少 xl/workbook.xml），不是有效的 .xlsx 文件；请在 Excel/WPS 中另存为 .xlsx 后重试',
      en: 'the zip holds no Excel workbook (no xl/workbook.xml), so it is not a valid .xlsx; save the file as .xlsx from Excel or WPS',
    },
    { details: { path, reason } },
  );
}

/** The sheet to read: by index or name, else the first visible worksheet (a person reads the tabs they see). */
function chooseSheet(book: Workbook, wanted: number | string | undefined): { index: number; sheet?: SheetInfo } {
  const { sheets } = book;
  if (wanted === undefined) {
    const isData = (s: SheetInfo) => s.kind === 'worksheet';
    const visible = sheets.findIndex((s) => isData(s) && !s.hidden);
    const index = visible >= 0 ? visible : Math.max(sheets.findIndex(isData), 0);
    return { index, sheet: sheets[index] };
  }
  const index = typeof wanted === 'number' ? wanted : sheetNamed(sheets, wanted);
  if (index === 0 && sheets.length === 0) return { index }; // no sheet list: fall back to sheet1.xml
  const sheet = sheets[index];
  if (sheet === undefined) throw noSuchSheet(wanted, sheets);
  if (sheet.kind !== 'worksheet') throw notAWorksheet(sheet.name);
  return { index, sheet };
}

/** Excel sheet names are unique regardless of case; an exact match still wins. */
function sheetNamed(sheets: readonly SheetInfo[], name: string): number {
  const exact = sheets.findIndex((s) => s.name === name);
  const fold = (n: string) => n.trim().toLowerCase();
  return exact >= 0 ? exact : sheets.findIndex((s) => fold(s.name) === fold(name));
}

function noSuchSheet(wanted: number | string, sheets: readonly SheetInfo[]): InvalidInputError {
  const names = sheets.map((s) => s.name);
  const which = typeof wanted === 'number' ? `第 ${wanted + 1} 个工作表` : `名为“${wanted}”的工作表`;
  const whichEn = typeof wanted === 'number' ? `sheet number ${wanted + 1}` : `a sheet named "${wanted}"`;
  return new InvalidInputError(
    {
      zh: `工作簿中没有${which}（现有：${names.join('、') || '无'}）；请确认工作表名称或序号后重试`,
      en: `the workbook has no ${whichEn} (it has: ${names.join(', ') || 'none'}); check the sheet name or number`,
    },
    { details: { wanted, sheets: names } },
  );
}

function notAWorksheet(name: string): InvalidInputError {
  return new InvalidInputError(
    {
      zh: `工作表“${name}”是图表或宏表，没有表格数据；请选择存放目录数据的工作表`,
      en: `sheet "${name}" is a chart or macro sheet with no cells; choose the sheet that holds the catalog`,
    },
    { details: { sheet: name } },
  );
}

// ---------------------------------------------------------------------------
// Shared strings and styles

/** §18.4.8 si: the text of all <t> runs (plain or rich-text <r>), without phonetic <rPh> runs (§18.4.6). */
function sharedStringsHandlers(strings: string[]): XmlHandlers {
  let current = '';
  let inText = false;
  let inPhonetic = false;
  return {
    open(name) {
      if (name === 'si') current = '';
      else if (name === 'rPh') inPhonetic = true;
      else if (name === 't') inText = !inPhonetic;
    },
    close(name) {
      if (name === 'si') strings.push(unescapeXstring(current));
      else if (name === 'rPh') inPhonetic = false;
      else if (name === 't') inText = false;
    },
    text(t) {
      if (inText) current += t;
    },
  };
}

async function readSharedStrings(zip: ZipFile, entry: Entry | undefined, signal?: AbortSignal): Promise<string[]> {
  const strings: string[] = [];
  if (entry !== undefined) {
    await parsePart(zip, entry, sharedStringsHandlers(strings), MAX_HELD_PART_BYTES, signal);
  }
  return strings;
}

/**
 * Built-in number formats that show dates (§18.8.30 numFmt lists 14–22 and 45–47; 27–36 and 50–58
 * are the East Asian built-ins that Chinese Excel uses for 年月日 formats).
 */
const BUILTIN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56,
  57, 58,
]);

/** Whether a custom format code (§18.8.31 numFmts) shows a date: y, m (month) or d outside "quoted text", [brackets] and \escapes. */
export function isDateFormat(code: string): boolean {
  const bare = code
    .replace(/"[^"]*"/gu, '')
    .replace(/\[[^\]]*\]/gu, '')
    .replace(/\\./gu, '')
    .replace(/[_*]./gu, ''); // _x pads by the width of x, *x repeats x: neither is shown as a date part
  // m right after h or right before s is minutes ("h:mm", "mm:ss", "[h]:mm:ss"), not months.
  const withoutMinutes = bare.replace(/h+[^a-z]*m+/giu, 'h').replace(/m+(?=[^a-z]*s)/giu, '');
  return /[ymd]/iu.test(withoutMinutes);
}

/**
 * Whether a custom format code shows a time of day: h or s outside "quoted text", [brackets] and \escapes
 * ("h:mm:ss", "hh"时"mm"分"", "mm:ss.0"). Elapsed time ([h]:mm:ss, which runs past 24 hours) is not one.
 */
export function isTimeFormat(code: string): boolean {
  const withoutText = code
    .replace(/"[^"]*"/gu, '')
    .replace(/\\./gu, '')
    .replace(/[_*]./gu, '');
  if (/\[(?:h+|m+|s+)\]/iu.test(withoutText)) return false;
  return /[hs]/iu.test(withoutText.replace(/\[[^\]]*\]/gu, ''));
}

/** Indexes into cellXfs (§18.8.10; a cell's s attribute) whose number format is a date or a time of day (both shown by serialToDate). */
async function readDateStyles(zip: ZipFile, entry: Entry | undefined, signal?: AbortSignal): Promise<Set<number>> {
  const custom = new Map<number, string>();
  const formats: number[] = [];
  let inCellXfs = false;
  const handlers: XmlHandlers = {
    open(name, a) {
      if (name === 'numFmt') custom.set(Number(a.numFmtId), a.formatCode ?? '');
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) formats.push(Number(a.numFmtId ?? 0));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  };
  if (entry !== undefined) await parsePart(zip, entry, handlers, MAX_HELD_PART_BYTES, signal);
  const dates = new Set<number>();
  formats.forEach((id, index) => {
    const code = custom.get(id);
    if (code !== undefined ? isDateFormat(code) || isTimeFormat(code) : BUILTIN_DATE_FORMATS.has(id)) dates.add(index);
  });
  return dates;
}

// ---------------------------------------------------------------------------
// Cell values

/** Serial 2958465 is 9999-12-31, the last day Excel shows. */
const MAX_DATE_SERIAL = 2_958_466;
const DAY_MS = 86_400_000;

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A date serial as "YYYY-MM-DD" (or "YYYY-MM-DD HH:MM:SS" with a time part); undefined when it is
 * no date. 1900 system (§18.17.4.1): day 1 is 1900-01-01 and day 60 the fictitious 1900-02-29 that
 * Excel keeps from Lotus 1-2-3, so later serials are one day ahead of a plain count. A serial below 1
 * there has no date at all (a time alone): "HH:MM:SS". 1904 system: day 0 is 1904-01-01.
 */
export function serialToDate(serial: number, date1904 = false): string | undefined {
  if (!Number.isFinite(serial) || serial < 0 || serial >= MAX_DATE_SERIAL) return undefined;
  let days = Math.floor(serial);
  let seconds = Math.round((serial - days) * 86_400);
  if (seconds === 86_400) [days, seconds] = [days + 1, 0];
  const time = `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
  if (!date1904 && days === 0) return time;
  let date: string;
  if (date1904) date = new Date(Date.UTC(1904, 0, 1) + days * DAY_MS).toISOString().slice(0, 10);
  else if (days === 60) date = '1900-02-29';
  else date = new Date(Date.UTC(1899, 11, days < 60 ? 31 : 30) + days * DAY_MS).toISOString().slice(0, 10);
  return seconds === 0 ? date : `${date} ${time}`;
}

/**
 * A number as Excel's General format shows it, to 15 significant digits (all Excel keeps), printed
 * as JavaScript would: "12.000000" → "12", "1.5E-3" → "0.0015", "0.30000000000000004" → "0.3".
 */
export function formatNumber(raw: string): string {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) return raw.trim();
  return Number.isSafeInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
}

/** t="d" (§18.18.11 ST_CellType) holds an ISO 8601 date: shown in the same form as serial dates. */
function formatIsoDate(raw: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}))?/u.exec(raw.trim());
  if (m === null) return raw;
  return m[2] === undefined || m[2] === '00:00:00' ? (m[1] ?? raw) : `${m[1]} ${m[2]}`;
}

/** 0-based column of a cell reference (§18.3.1.4 c@r, "C5" → 2); undefined when there are no letters. */
export function columnOf(ref: string): number | undefined {
  let col = 0;
  let letters = 0;
  for (const ch of ref.toUpperCase()) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) break;
    if (++letters > 4) return MAX_COLUMNS; // past XFD: reported as too wide
    col = col * 26 + (code - 64);
  }
  return letters === 0 ? undefined : col - 1;
}

interface SheetContext {
  readonly shared: readonly string[];
  readonly dateStyles: ReadonlySet<number>;
  readonly date1904: boolean;
}

interface CellState {
  readonly col: number;
  readonly type: string;
  readonly style: number;
  text: string;
  overlong: boolean;
}

interface RowState {
  readonly line: number;
  readonly cells: string[];
  /** The first thing wrong with the row; its other cells are still read (RowFailure.cells). */
  failure?: { readonly kind: RowFailure['kind']; readonly message: Message };
}

/**
 * Turns saxes events of a worksheet (§18.3.1.99 sheetData, §18.3.1.73 row, §18.3.1.4 c) into rows.
 * Completed rows collect in `rows`; `lastComplete` is the line of the last row read to its end.
 */
class SheetRows implements XmlHandlers {
  readonly rows: TableRow[] = [];
  lastComplete = 0;
  private row: RowState | undefined;
  private cell: CellState | undefined;
  private lastCol = -1;
  private collecting = false;
  private inInline = false;
  private inPhonetic = false;

  constructor(private readonly ctx: SheetContext) {}

  open(name: string, a: Attributes): void {
    switch (name) {
      case 'row': {
        // §18.3.1.73: r is optional; without it the row follows the previous one.
        const r = Number(a.r);
        this.row = { line: Number.isInteger(r) && r > 0 ? r : this.lastComplete + 1, cells: [] };
        this.lastCol = -1;
        break;
      }
      case 'c': {
        const col = (a.r === undefined ? undefined : columnOf(a.r)) ?? this.lastCol + 1;
        this.lastCol = col;
        this.cell = { col, type: a.t ?? 'n', style: Number(a.s ?? 0), text: '', overlong: false };
        break;
      }
      case 'v':
        this.collecting = this.cell !== undefined;
        break;
      case 'is':
        this.inInline = true;
        break;
      case 'rPh':
        this.inPhonetic = true;
        break;
      case 't':
        this.collecting = this.cell !== undefined && this.inInline && !this.inPhonetic;
        break;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'v':
      case 't':
        this.collecting = false;
        break;
      case 'is':
        this.inInline = false;
        break;
      case 'rPh':
        this.inPhonetic = false;
        break;
      case 'c':
        this.finishCell();
        break;
      case 'row':
        this.finishRow();
        break;
    }
  }

  text(t: string): void {
    const cell = this.cell;
    if (!this.collecting || cell === undefined) return;
    // Stop growing past Excel's limit: memory stays bounded whatever the file says.
    const room = MAX_CELL_CHARS - cell.text.length;
    if (t.length <= room) cell.text += t;
    else {
      cell.text += t.slice(0, Math.max(room, 0));
      cell.overlong = true;
    }
  }

  /** The row after the last good one, reporting why the sheet (`part`) could not be read to its end. */
  broken(cause: unknown, part: string): TableRow {
    const line = this.lastComplete + 1;
    const reason = reasonOf(cause) ?? 'unknown error';
    return {
      line,
      error: {
        zh: `工作表从第 ${line} 行起已损坏或不完整，之后的行未能读取；请在 Excel/WPS 中打开并另存为 .xlsx 后重试`,
        en: `the sheet is damaged or cut short from row ${line} on; later rows could not be read — open the file in Excel or WPS and save it as .xlsx again (${reason})`,
      },
      failure: { kind: 'damaged', reason: `${part}: ${reason}` },
    };
  }

  private finishCell(): void {
    const { cell, row } = this;
    this.cell = undefined;
    if (cell === undefined || row === undefined) return;
    const value = this.valueOf(cell);
    if (typeof value !== 'string') {
      row.failure ??= { kind: 'missing-shared-string', message: value.error };
      return;
    }
    if (value === '') return;
    if (cell.col >= MAX_COLUMNS) {
      row.failure ??= { kind: 'too-many-columns', message: tooWide(row.line) };
      return;
    }
    // Cut in the text, or a long shared string.
    if (cell.overlong || value.length > MAX_CELL_CHARS) {
      row.failure ??= { kind: 'cell-too-long', message: tooLong(row.line, cell.col) };
    }
    while (row.cells.length < cell.col) row.cells.push('');
    row.cells[cell.col] = value.slice(0, MAX_CELL_CHARS);
  }

  private finishRow(): void {
    const row = this.row;
    this.row = undefined;
    if (row === undefined) return;
    this.lastComplete = row.line;
    const { line, cells, failure } = row;
    if (failure !== undefined) {
      this.rows.push({ line, error: failure.message, failure: { kind: failure.kind, cells } });
    }
    // A row with no text (only formatting) is skipped, as an empty line of a CSV file is.
    else if (cells.length > 0) this.rows.push({ line, cells });
  }

  /** The cell's text by its type (§18.18.11 ST_CellType); formula cells (§18.3.1.40 f) give their cached <v>. */
  private valueOf(cell: CellState): string | { error: Message } {
    const raw = cell.text;
    switch (cell.type) {
      case 's': {
        const s = raw.trim() === '' ? undefined : this.ctx.shared[Number(raw)];
        return s ?? { error: badSharedString(this.row?.line ?? 0, cell.col) };
      }
      case 'inlineStr':
      case 'str':
        return unescapeXstring(raw);
      case 'b':
        return raw === '1' ? 'TRUE' : raw === '0' ? 'FALSE' : raw;
      case 'd':
        return formatIsoDate(raw);
      case 'e':
        return raw; // an error value such as #N/A, as Excel shows it
      default: {
        const date = this.ctx.dateStyles.has(cell.style) && raw.trim() !== '';
        return (date ? serialToDate(Number(raw), this.ctx.date1904) : undefined) ?? formatNumber(raw);
      }
    }
  }
}

function tooLong(line: number, col: number): Message {
  return {
    zh: `第 ${line} 行第 ${col + 1} 列的内容超过 Excel 单元格上限 ${MAX_CELL_CHARS} 个字符；请缩短后重试`,
    en: `row ${line}, column ${col + 1} is longer than Excel's ${MAX_CELL_CHARS}-character cell limit; shorten it and retry`,
  };
}

function tooWide(line: number): Message {
  return {
    zh: `第 ${line} 行超出 Excel 的最大列数 ${MAX_COLUMNS}（XFD 列）；请检查该行后重试`,
    en: `row ${line} goes past Excel's last column (${MAX_COLUMNS}, XFD); check the row`,
  };
}

function badSharedString(line: number, col: number): Message {
  return {
    zh: `第 ${line} 行第 ${col + 1} 列引用了不存在的共享字符串，文件可能已损坏；请在 Excel/WPS 中另存为 .xlsx 后重试`,
    en: `row ${line}, column ${col + 1} refers to a shared string that does not exist; the file may be damaged — save it as .xlsx again`,
  };
}

/**
 * Stream the worksheet's rows. A part that breaks off partway (truncated or corrupt deflate data,
 * XML cut short, more bytes than declared) ends with one `error` row after the rows read so far.
 */
async function* sheetRows(zip: ZipFile, entry: Entry, ctx: SheetContext, signal?: AbortSignal) {
  checkEntry(entry, MAX_ENTRY_BYTES);
  const rows = new SheetRows(ctx);
  const parser = xmlParser(rows);
  const decode = xmlDecoder();
  try {
    for await (const chunk of inflate(zip, entry, signal)) {
      parser.write(decode(chunk));
      yield* rows.rows.splice(0);
    }
    parser.write(decode());
    parser.close();
  } catch (e) {
    if (signal?.aborted) throw e;
    yield* rows.rows.splice(0);
    yield rows.broken(e, entry.fileName);
    return;
  }
  yield* rows.rows.splice(0);
}

/** Rows of the first worksheet (or the one named/indexed by `sheet`, 0-based) of an .xlsx file (Office Open XML SpreadsheetML). `line` = the row's `r` attribute. Cells placed by their `r` reference (e.g. "C5" → index 2; missing cells are ''). Handles shared strings (including rich-text runs <r><t>…</t></r> and phonetic <rPh> which must be ignored), inline strings (t="inlineStr"), booleans, numbers (written as JavaScript would print them, e.g. "12", "3.5", not "12.000000"), formula cells (use the cached <v> value), and dates: a numeric cell whose style (xl/styles.xml cellXfs → numFmtId) is a built-in date format (14–22, 27–36, 45–47, 50–58) or a custom numFmt whose code contains y/m/d (outside quotes and brackets) becomes "YYYY-MM-DD" (or "YYYY-MM-DD HH:MM:SS" when the serial has a time part), using the 1900 date system (serial 60 is the fake 1900-02-29; honour workbookPr date1904="1" too). The sheet XML is streamed through saxes; sharedStrings.xml may be read fully (cap it: refuse with a clear error above 256 MiB uncompressed). Not a zip / not an xlsx (e.g. an old .xls, which is a CFB file starting D0 CF 11 E0) → throw InvalidInputError saying so and suggesting to save as .xlsx. A zip entry that is truncated or corrupt partway through the sheet: yield the rows read so far, then one row with `error` (line = the row after the last good one) and stop. A cell whose text is longer than 32,767 characters (Excel's own limit) → that row gets `error`. Follow the relationships properly: find the sheet's part via xl/workbook.xml + xl/_rels/workbook.xml.rels rather than assuming xl/worksheets/sheet1.xml (but fall back to it). Guard against zip bombs: refuse entries whose uncompressed size exceeds 1 GiB, and stop reading if the decompressed bytes exceed the declared size.
 *
 * Also: the default sheet is the first visible worksheet (hidden sheets and chart sheets are passed
 * over); rows with no text are skipped like empty CSV lines; booleans read "TRUE"/"FALSE". */
export async function* readXlsx(
  path: string,
  options: { sheet?: number | string; signal?: AbortSignal } = {},
): AsyncIterable<TableRow> {
  const { signal } = options;
  signal?.throwIfAborted();
  const zip = await openZip(path);
  try {
    const entries = await listEntries(zip, path);
    const book = await readWorkbook(zip, entries, path, signal);
    const { index, sheet } = chooseSheet(book, options.sheet);
    const part = sheet?.part ?? `xl/worksheets/sheet${index + 1}.xml`;
    const entry = entries.get(partKey(part)) ?? entries.get(partKey(`xl/worksheets/sheet${index + 1}.xml`));
    if (entry === undefined) throw damagedPart(part, new Error('the worksheet part is missing'));
    const shared = await readSharedStrings(zip, entries.get(partKey(book.sharedStrings)), signal);
    const dateStyles = await readDateStyles(zip, entries.get(partKey(book.styles)), signal);
    yield* sheetRows(zip, entry, { shared, dateStyles, date1904: book.date1904 }, signal);
  } finally {
    zip.close();
  }
}
