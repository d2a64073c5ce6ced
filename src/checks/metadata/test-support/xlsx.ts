/**
 * A tiny .xlsx writer for tests: the minimal parts Excel itself needs
 * ([Content_Types].xml, relationships, workbook, one or two sheets, shared
 * strings, styles), so catalog tests build real workbooks instead of
 * shipping binary fixtures.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export type XlsxCell =
  | string
  | number
  | null
  | undefined
  /** A date cell: the serial number with a built-in date format (numFmtId 14), or the custom Chinese one. */
  | { readonly date: string; readonly format?: 'builtin' | 'chinese' }
  /** An inline string (t="inlineStr") instead of a shared one. */
  | { readonly inline: string }
  /** A rich-text shared string made of runs, with an optional phonetic run that is not cell text. */
  | { readonly runs: readonly string[]; readonly phonetic?: string }
  | { readonly bool: boolean };

export interface XlsxOptions {
  readonly sheetName?: string;
  /** Put a hidden sheet first, as some templates do; the reader must skip it. */
  readonly hiddenFirstSheet?: boolean;
  readonly date1904?: boolean;
  /** Write elements with an "x:" prefix (some generators do). */
  readonly prefixed?: boolean;
  /** Leave out the r="A1" cell references (allowed; cells are then sequential). */
  readonly noRefs?: boolean;
}

/** XML-escape, and write control characters (not allowed in XML 1.0) as Excel does: "_x0007_". */
const esc = (s: string) =>
  s
    .replace(/&/gu, '&amp;')
    .replace(/</gu, '&lt;')
    .replace(/>/gu, '&gt;')
    .replace(/"/gu, '&quot;')
    .replace(
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/gu,
      (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
    );

function column(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Excel serial of an ISO date (1900 system, past the fictitious 1900-02-29). */
export function excelSerial(iso: string, date1904 = false): number {
  const ms = Date.parse(`${iso}T00:00:00Z`);
  return date1904 ? (ms - Date.UTC(1904, 0, 1)) / 86_400_000 : (ms - Date.UTC(1899, 11, 30)) / 86_400_000;
}

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export async function writeXlsx(
  path: string,
  rows: readonly (readonly XlsxCell[])[],
  options: XlsxOptions = {},
): Promise<void> {
  const x = options.prefixed ? 'x:' : '';
  const shared: string[] = [];
  const sharedIndex = (xml: string) => {
    shared.push(xml);
    return shared.length - 1;
  };
  const rowXml = rows.map((cells, r) => {
    const cellXml = cells.map((cell, c) => {
      const ref = options.noRefs ? '' : ` r="${column(c)}${r + 1}"`;
      if (cell === null || cell === undefined) return '';
      if (typeof cell === 'number') return `<${x}c${ref}><${x}v>${cell}</${x}v></${x}c>`;
      if (typeof cell === 'string') {
        const i = sharedIndex(`<${x}t xml:space="preserve">${esc(cell)}</${x}t>`);
        return `<${x}c${ref} t="s"><${x}v>${i}</${x}v></${x}c>`;
      }
      if ('date' in cell) {
        const style = cell.format === 'chinese' ? 2 : 1;
        return `<${x}c${ref} s="${style}"><${x}v>${excelSerial(cell.date, options.date1904)}</${x}v></${x}c>`;
      }
      if ('inline' in cell) {
        return `<${x}c${ref} t="inlineStr"><${x}is><${x}t>${esc(cell.inline)}</${x}t></${x}is></${x}c>`;
      }
      if ('bool' in cell) return `<${x}c${ref} t="b"><${x}v>${cell.bool ? 1 : 0}</${x}v></${x}c>`;
      const runs = cell.runs.map((t) => `<${x}r><${x}t>${esc(t)}</${x}t></${x}r>`).join('');
      const ph =
        cell.phonetic === undefined ? '' : `<${x}rPh sb="0" eb="1"><${x}t>${esc(cell.phonetic)}</${x}t></${x}rPh>`;
      return `<${x}c${ref} t="s"><${x}v>${sharedIndex(runs + ph)}</${x}v></${x}c>`;
    });
    return `<${x}row${options.noRefs ? '' : ` r="${r + 1}"`}>${cellXml.join('')}</${x}row>`;
  });
  const root = (name: string, body: string) =>
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${x}${name} xmlns${x === '' ? '' : ':x'}="${NS}" xmlns:r="${REL}">${body}</${x}${name}>`;
  const sheets = options.hiddenFirstSheet
    ? `<${x}sheet name="说明" sheetId="2" state="hidden" r:id="rId9"/><${x}sheet name="${esc(options.sheetName ?? '目录')}" sheetId="1" r:id="rId1"/>`
    : `<${x}sheet name="${esc(options.sheetName ?? '目录')}" sheetId="1" r:id="rId1"/>`;
  const parts: Record<string, string> = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': root(
      'workbook',
      `<${x}workbookPr${options.date1904 ? ' date1904="1"' : ''}/><${x}sheets>${sheets}</${x}sheets>`,
    ),
    'xl/_rels/workbook.xml.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId9" Type="${REL}/worksheet" Target="/xl/worksheets/sheet2.xml"/>` +
      `<Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` +
      `<Relationship Id="rId3" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': root('worksheet', `<${x}sheetData>${rowXml.join('')}</${x}sheetData>`),
    'xl/worksheets/sheet2.xml': root(
      'worksheet',
      `<${x}sheetData><${x}row r="1"><${x}c r="A1" t="inlineStr"><${x}is><${x}t>隐藏的说明页</${x}t></${x}is></${x}c></${x}row></${x}sheetData>`,
    ),
    'xl/sharedStrings.xml': root('sst', shared.map((si) => `<${x}si>${si}</${x}si>`).join('')),
    'xl/styles.xml': root(
      'styleSheet',
      `<${x}numFmts count="1"><${x}numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></${x}numFmts>` +
        `<${x}cellXfs count="3"><${x}xf numFmtId="0"/><${x}xf numFmtId="14" applyNumberFormat="1"/><${x}xf numFmtId="176" applyNumberFormat="1"/></${x}cellXfs>`,
    ),
  };
  const zip = new yazl.ZipFile();
  for (const [name, xml] of Object.entries(parts)) zip.addBuffer(Buffer.from(xml, 'utf8'), name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}
