import { extractOfd } from './ofd.js';
import { extractOoxml, ooxmlKind } from './ooxml.js';
import { noText, ReadFailure } from './result.js';
import type { Context, ExtractResult } from './types.js';
import { ZipReader } from './zip.js';

/**
 * A zip is read as what its entries make it: OFD when OFD.xml is at the root
 * (GB/T 33190-2016 §7.3), Word/Excel/PowerPoint when [Content_Types].xml
 * names such a main part; any other zip (an EPUB, an ODF document, a plain
 * archive) is not read.
 */
export async function extractZip(path: string, ext: string, ctx: Context): Promise<ExtractResult> {
  const format = ['ofd', 'docx', 'xlsx', 'pptx'].includes(ext) ? ext : 'zip';
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(path, ctx.signal);
  } catch (e) {
    if (e instanceof ReadFailure) return noText('failed', format, e.reason);
    throw e;
  }
  let kind: string = format;
  try {
    if (zip.has('OFD.xml')) {
      kind = 'ofd';
      return await extractOfd(zip, ctx);
    }
    const office = await ooxmlKind(zip, ctx);
    if (office !== undefined) {
      kind = office;
      return await extractOoxml(zip, office, ctx);
    }
    if (format !== 'zip') {
      return noText('failed', format, {
        zh: `文件名为 .${ext}，但这个 ZIP 包不是 ${format.toUpperCase()} 文档（缺少其入口文件；文件已损坏或扩展名有误）`,
        en: `the file is named .${ext} but this zip is not a ${format.toUpperCase()} document (its entry part is missing; damaged or misnamed)`,
      });
    }
    return noText('unsupported', 'zip', {
      zh: '压缩包（或其他基于 ZIP 的格式，如 ODF、EPUB）不提取全文；文档请另存为 .docx 或 PDF，压缩包请解压后分别提交',
      en: 'text is not extracted from zip archives or other zip-based formats (ODF, EPUB); save documents as .docx or PDF, unpack archives and deposit the files',
    });
  } catch (e) {
    if (e instanceof ReadFailure && !ctx.signal?.aborted) return noText('failed', kind, e.reason);
    throw e;
  } finally {
    zip.close();
  }
}
