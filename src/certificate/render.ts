import { basename } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import {
  PDFDocument,
  PageSizes,
  StandardFonts,
  TextRenderingMode,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  setLineWidth,
  setStrokingColor,
  setTextRenderingMode,
} from 'pdf-lib';
import type { PDFPage } from 'pdf-lib';
import { validateCertificateData } from './certificate-data.js';
import type { CertificateData } from './certificate-data.js';
import { loadCjkFont, resolveCjkFontPath } from './font.js';
import { drawQrCode } from './draw-qr.js';
import { certificateRows, FOOTNOTES, PREAMBLE, VERIFY_HEADING, verifyLines } from './content.js';
import { formatBeijingDate } from './format.js';
import { drawMixed, makeFontSet, textWidth, trackedWidth, wrapText } from './text-layout.js';
import type { FontSet } from './text-layout.js';

export interface RenderOptions {
  /** CJK TrueType font to embed. Default: YINJI_CJK_FONT, then DEFAULT_CJK_FONT_PATHS. */
  readonly fontPath?: string;
}

const [PAGE_W, PAGE_H] = PageSizes.A4;
/** Table rows: minimum height and line spacing (pt); 14 rows must leave room for the QR block above the notes. */
const ROW_MIN = 26;
const LEADING = 14;
const SEAL_RED = rgb(0.66, 0.09, 0.09);
const INK = rgb(0.08, 0.08, 0.08);
const GREY = rgb(0.4, 0.4, 0.4);
const RULE = rgb(0.72, 0.72, 0.72);
const LABEL_BG = rgb(0.975, 0.96, 0.94);
const LEFT = 60;
const RIGHT = PAGE_W - 60;
const LABEL_W = 118;

/**
 * Render the archive registration certificate (档案登记证明) as a one-page
 * A4 PDF. The title follows the term the bureaus use when they issue proof
 * from a registration in a dispute (DOMAIN.md §1); the body says it covers
 * electronic records and digital archives registered and backed up.
 *
 * Output is deterministic for the same data and font: dates come from the
 * data, the font subset gets a fixed tag, and pdf-lib adds no random IDs.
 */
export async function renderCertificate(data: CertificateData, options: RenderOptions = {}): Promise<Uint8Array> {
  validateCertificateData(data);
  const fontPath = resolveCjkFontPath(options.fontPath === undefined ? {} : { fontPath: options.fontPath });
  const fontBytes = await loadCjkFont(fontPath);

  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  // Subset: only the glyphs used (~10–40 KB) instead of the whole 4 MB font.
  const cjk = await doc.embedFont(fontBytes, { subset: true, customName: subsetName(fontPath) });
  // Standard fonts for ASCII: not every CJK TrueType font has Latin glyphs.
  const fonts = makeFontSet(
    cjk,
    doc.embedStandardFont(StandardFonts.Helvetica),
    doc.embedStandardFont(StandardFonts.Courier),
  );
  setMetadata(doc, data);

  const page = doc.addPage(PageSizes.A4);
  drawFrame(page);
  let y = drawHeading(page, data, fonts);
  y = drawParagraph(page, PREAMBLE, y, fonts);
  y = drawTable(page, data, y - 8, fonts);
  drawVerifyBlock(page, data, y - 18, fonts);
  drawFootnotes(page, fonts);
  return doc.save();
}

function drawFrame(page: PDFPage): void {
  page.drawRectangle({
    x: 24,
    y: 24,
    width: PAGE_W - 48,
    height: PAGE_H - 48,
    borderColor: SEAL_RED,
    borderWidth: 2.2,
  });
  page.drawRectangle({
    x: 30,
    y: 30,
    width: PAGE_W - 60,
    height: PAGE_H - 60,
    borderColor: SEAL_RED,
    borderWidth: 0.6,
  });
}

function drawHeading(page: PDFPage, data: CertificateData, fonts: FontSet): number {
  const title = '档案登记证明';
  const size = 26;
  const tracking = 10;
  // The tracking after the last character is not part of the visual width.
  const w = trackedWidth(title, size, fonts, tracking) - tracking;
  // No bold CJK face is installed: fill and stroke the outline for weight.
  page.pushOperators(
    pushGraphicsState(),
    setTextRenderingMode(TextRenderingMode.FillAndOutline),
    setLineWidth(0.6),
    setStrokingColor(SEAL_RED),
  );
  drawMixed(page, title, { x: (PAGE_W - w) / 2, y: 760, size, color: SEAL_RED, fonts, tracking });
  page.pushOperators(popGraphicsState());
  const sub = 'ARCHIVE REGISTRATION CERTIFICATE';
  const subW = trackedWidth(sub, 8, fonts, 1.6) - 1.6;
  drawMixed(page, sub, { x: (PAGE_W - subW) / 2, y: 742, size: 8, color: GREY, fonts, tracking: 1.6 });
  const no = `登记号 No. ${data.regno}`;
  drawMixed(page, no, { x: RIGHT - textWidth(no, 9.5, fonts), y: 716, size: 9.5, color: INK, fonts });
  return 694;
}

function drawParagraph(page: PDFPage, text: string, top: number, fonts: FontSet): number {
  const size = 11;
  const lines = wrapText(text, RIGHT - LEFT, size, fonts);
  lines.forEach((line, i) => drawMixed(page, line, { x: LEFT, y: top - i * 19, size, color: INK, fonts }));
  return top - (lines.length - 1) * 19 - 12;
}

function drawTable(page: PDFPage, data: CertificateData, top: number, fonts: FontSet): number {
  const valueX = LEFT + LABEL_W + 12;
  const valueW = RIGHT - valueX - 10;
  let y = top;
  for (const row of certificateRows(data)) {
    const size = row.mono === true ? 10 : 11;
    const latin = row.mono === true ? fonts.mono : undefined;
    const lines = row.mono === true ? row.lines : row.lines.flatMap((l) => wrapText(l, valueW, size, fonts));
    const height = Math.max(ROW_MIN, lines.length * LEADING + 12);
    page.drawRectangle({ x: LEFT, y: y - height, width: LABEL_W, height, color: LABEL_BG });
    drawMixed(page, row.zh, { x: LEFT + 10, y: y - 13, size: 11, color: INK, fonts });
    drawMixed(page, row.en, { x: LEFT + 10, y: y - 21.5, size: 6.5, color: GREY, fonts });
    // Centre the block of lines in the row: the first baseline sits above the middle by half the extra lines.
    const firstBaseline = y - height / 2 + ((lines.length - 1) * LEADING) / 2 - size * 0.35;
    lines.forEach((line, i) => {
      drawMixed(page, line, {
        x: valueX,
        y: firstBaseline - i * LEADING,
        size,
        color: INK,
        fonts,
        ...(latin ? { latin } : {}),
      });
    });
    y -= height;
    page.drawLine({ start: { x: LEFT, y }, end: { x: RIGHT, y }, thickness: 0.4, color: RULE });
  }
  page.drawRectangle({ x: LEFT, y, width: RIGHT - LEFT, height: top - y, borderColor: INK, borderWidth: 0.9 });
  page.drawLine({ start: { x: LEFT + LABEL_W, y }, end: { x: LEFT + LABEL_W, y: top }, thickness: 0.4, color: RULE });
  return y;
}

function drawVerifyBlock(page: PDFPage, data: CertificateData, top: number, fonts: FontSet): void {
  const qrSize = 104;
  drawQrCode(page, data.verifyUrl, { x: LEFT, y: top - qrSize, size: qrSize });
  const caption = '扫码核验 Scan to verify';
  const capW = textWidth(caption, 7.5, fonts);
  drawMixed(page, caption, { x: LEFT + (qrSize - capW) / 2, y: top - qrSize - 11, size: 7.5, color: GREY, fonts });

  const x = LEFT + qrSize + 20;
  const width = RIGHT - x;
  drawMixed(page, VERIFY_HEADING, { x, y: top - 12, size: 10.5, color: INK, fonts });
  let y = top - 30;
  for (const { text, size, mono } of verifyLines(data)) {
    const latin = mono ? fonts.mono : undefined;
    for (const line of wrapText(text, width, size, fonts, latin)) {
      drawMixed(page, line, { x, y, size, color: INK, fonts, ...(latin ? { latin } : {}) });
      y -= size + 5;
    }
    y -= 3;
  }

  const issuer = [`签发机构：${data.centerName}`, `签发日期：${formatBeijingDate(data.issuedAt)}`];
  let iy = Math.min(y - 8, top - qrSize + 8);
  for (const line of issuer) {
    drawMixed(page, line, { x: RIGHT - textWidth(line, 11, fonts), y: iy, size: 11, color: INK, fonts });
    iy -= 19;
  }
}

function drawFootnotes(page: PDFPage, fonts: FontSet): void {
  let y = 44 + (FOOTNOTES.length - 1) * 11;
  page.drawLine({ start: { x: LEFT, y: y + 13 }, end: { x: RIGHT, y: y + 13 }, thickness: 0.4, color: RULE });
  for (const line of FOOTNOTES) {
    drawMixed(page, line, { x: LEFT, y, size: 7.5, color: GREY, fonts });
    y -= 11;
  }
}

function setMetadata(doc: PDFDocument, data: CertificateData): void {
  doc.setTitle(`档案登记证明 ${data.regno}`);
  doc.setSubject(`${data.unitName}：${data.title}`);
  doc.setAuthor(data.centerName);
  doc.setKeywords([data.regno, `${data.digestAlgorithm}:${data.rootDigest}`]);
  doc.setCreator('Yinji');
  doc.setProducer('Yinji (pdf-lib)');
  doc.setLanguage('zh-CN');
  doc.setCreationDate(data.issuedAt);
  doc.setModificationDate(data.issuedAt);
}

/** A fixed six-letter subset tag (PDF 32000-1 §9.6.4) keeps the output reproducible. */
function subsetName(fontPath: string): string {
  const base = basename(fontPath)
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9-]/g, '');
  return `YJCERT+${base === '' ? 'CJK' : base}`;
}
