import QRCode from 'qrcode';

/** A horizontal run of dark modules: `width` modules starting at (row, col). */
export interface ModuleRun {
  readonly row: number;
  readonly col: number;
  readonly width: number;
}

export interface QrMatrix {
  readonly size: number;
  /** Row-major, true = dark module. */
  readonly dark: readonly (readonly boolean[])[];
}

/**
 * The module matrix of `text` as the `qrcode` package encodes it. Level M
 * (15 % recovery) keeps a ~130-character verify URL at version 7 or below,
 * large enough modules at 2.3 pt to scan off a laser print.
 */
export function qrMatrix(text: string): QrMatrix {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const dark: boolean[][] = [];
  for (let r = 0; r < modules.size; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < modules.size; c++) row.push(modules.get(r, c) !== 0);
    dark.push(row);
  }
  return { size: modules.size, dark };
}

/**
 * Dark modules merged into horizontal runs: a third of the rectangles one
 * per module would need, and no hairline seams between neighbours in a row.
 */
export function moduleRuns(matrix: QrMatrix): ModuleRun[] {
  const runs: ModuleRun[] = [];
  matrix.dark.forEach((row, r) => {
    let start = -1;
    for (let c = 0; c <= row.length; c++) {
      const isDark = c < row.length && row[c] === true;
      if (isDark && start < 0) start = c;
      if (!isDark && start >= 0) {
        runs.push({ row: r, col: start, width: c - start });
        start = -1;
      }
    }
  });
  return runs;
}

/**
 * One SVG path (y down, one unit per module) for all runs, so pdf-lib draws
 * the symbol as a single filled vector path: one fill means no anti-aliasing
 * gaps between rows and a few hundred bytes in the PDF.
 */
export function runsToSvgPath(runs: readonly ModuleRun[]): string {
  return runs.map((r) => `M${r.col} ${r.row}h${r.width}v1h${-r.width}z`).join('');
}
