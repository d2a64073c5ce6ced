import { rgb } from 'pdf-lib';
import type { PDFPage } from 'pdf-lib';
import { moduleRuns, qrMatrix, runsToSvgPath } from './qr-matrix.js';

export interface QrBox {
  /** Lower-left corner of the square, in points. */
  readonly x: number;
  readonly y: number;
  /** Side of the square including the quiet zone, in points. */
  readonly size: number;
}

// ISO/IEC 18004 asks for a light margin of four modules around the symbol.
const QUIET_ZONE = 4;

/** Draw `text` as a QR code of vector squares inside `box`. */
export function drawQrCode(page: PDFPage, text: string, box: QrBox): void {
  const matrix = qrMatrix(text);
  const module = box.size / (matrix.size + 2 * QUIET_ZONE);
  page.drawRectangle({ x: box.x, y: box.y, width: box.size, height: box.size, color: rgb(1, 1, 1) });
  // drawSvgPath puts the path origin at (x, y) with y pointing down.
  page.drawSvgPath(runsToSvgPath(moduleRuns(matrix)), {
    x: box.x + QUIET_ZONE * module,
    y: box.y + box.size - QUIET_ZONE * module,
    scale: module,
    color: rgb(0, 0, 0),
  });
}
