/**
 * Table files that come in from units and go back out: CSV (UTF-8, UTF-16 or
 * GBK/GB18030, comma or tab separated) and Excel .xlsx, read and written as
 * streams so a catalog of any size needs little memory. The catalog importer
 * and exporter use them, and so does the four-properties check of the
 * catalog a deposit carries.
 */
import { extname } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { readCsv, type TableRow } from './csv.js';
import { readXlsx } from './xlsx-read.js';

export {
  detectEncoding,
  detectFileEncoding,
  readCsv,
  type Numbering,
  type RowFailure,
  type TableRow,
  type TextEncoding,
} from './csv.js';
export { writeCsv } from './csv-write.js';
export { readXlsx } from './xlsx-read.js';
export { writeXlsx } from './xlsx-write.js';

/** Read a table by its extension: .csv/.txt/.tsv → readCsv, .xlsx → readXlsx; .xls → InvalidInputError (old binary format; save as .xlsx); anything else → InvalidInputError.
 *
 * Like the readers, it reports every problem (including a wrong extension) when iterated, not when called. */
export async function* readTable(path: string, options: { signal?: AbortSignal } = {}): AsyncIterable<TableRow> {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') yield* readCsv(path, options);
  else if (ext === '.xlsx') yield* readXlsx(path, options);
  else if (ext === '.xls') {
    throw new InvalidInputError(
      {
        zh: '不支持旧版 Excel 97-2003（.xls）格式；请在 Excel/WPS 中打开，另存为 .xlsx 后重试',
        en: 'the old Excel 97-2003 (.xls) format is not supported; open the file in Excel or WPS and save it as .xlsx',
      },
      { details: { path, extension: ext } },
    );
  } else {
    throw new InvalidInputError(
      {
        zh: `不支持“${ext || '无扩展名'}”类型的文件；请提交 .xlsx、.csv 或 .tsv 格式的目录`,
        en: `"${ext || 'no extension'}" files are not supported; submit the catalog as .xlsx, .csv or .tsv`,
      },
      { details: { path, extension: ext } },
    );
  }
}
