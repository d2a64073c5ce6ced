import type { Message } from '../../core/index.js';
import { MAX_PROBLEMS, problem, type Findings } from './format-info.js';
import { qpdfAvailable, qpdfCheck } from './qpdf.js';
import { pdfHeaderOffset } from './sniff.js';
import type { ProbeSource } from './source.js';

/**
 * PDF (ISO 32000-1) identification and structural validation without a full
 * parser. What is checked, with or without qpdf:
 *  - the header "%PDF-x.y" (§7.5.2), within the first 1024 bytes;
 *  - "%%EOF" within the last 1024 bytes (§7.5.5; a missing one almost always
 *    means a truncated transfer);
 *  - "startxref" followed by an offset that lies in the file and points at a
 *    cross-reference table ("xref", §7.5.4) or a cross-reference stream
 *    (an object of /Type /XRef, §7.5.8);
 *  - that section's trailer dictionary names a /Root (§7.5.5), and /Encrypt
 *    there marks an encrypted document (§7.6.1);
 *  - PDF/A identification from the XMP packet's pdfaid:part and
 *    pdfaid:conformance (ISO 19005-1 §6.7, version identification). PDF/A
 *    keeps the document's metadata stream unfiltered, so the packet is plain
 *    text in the file and one streaming byte search finds it; a compressed
 *    packet (not valid PDF/A anyway) is not seen.
 * When qpdf is present (and not switched off), `qpdf --check` then parses
 * every object and stream as well.
 */
export interface PdfOptions {
  readonly qpdf: 'auto' | 'off';
}

const TAIL = 2048;
/** How far past startxref's offset a cross-reference table may run before its trailer (a million objects ≈ 20 MB). */
const MAX_XREF_SCAN = 64 * 1024 * 1024;

async function findForward(src: ProbeSource, from: number, needle: string, limit: number): Promise<number> {
  const overlap = needle.length - 1;
  for (let pos = from; pos < Math.min(src.size, from + limit);) {
    const buf = await src.read(pos, 1024 * 1024);
    if (buf.length === 0) break;
    const i = buf.indexOf(needle, 0, 'latin1');
    if (i >= 0) return pos + i;
    if (buf.length <= overlap) break;
    pos += buf.length - overlap;
  }
  return -1;
}

interface XrefResult {
  readonly problems: Message[];
  readonly trailer?: string;
}

/** The cross-reference section at `offset` and its trailer dictionary (as text). */
async function readXrefSection(src: ProbeSource, offset: number): Promise<XrefResult> {
  const at = (await src.read(offset, 4096)).toString('latin1');
  const text = at.trimStart();
  if (text.startsWith('xref')) {
    if (!/^xref\s+\d+\s+\d+\s+\d{10}\s\d{5}\s[nf]/.test(text) && !/^xref\s+0\s+0\s/.test(text)) {
      return { problems: [problem('交叉引用表格式错误', 'the cross-reference table is malformed')] };
    }
    const t = await findForward(src, offset, 'trailer', MAX_XREF_SCAN);
    if (t < 0)
      return { problems: [problem('交叉引用表之后没有 trailer 字典', 'no trailer follows the cross-reference table')] };
    const dict = (await src.read(t, 4096)).toString('latin1');
    return {
      problems: [],
      trailer: dict.slice(0, dict.indexOf('startxref') >= 0 ? dict.indexOf('startxref') : undefined),
    };
  }
  const obj = /^(\d+)\s+(\d+)\s+obj\b/.exec(text);
  if (obj) {
    const end = text.indexOf('stream');
    const dict = text.slice(obj[0].length, end >= 0 ? end : undefined);
    if (!/\/Type\s*\/XRef\b/.test(dict)) {
      return {
        problems: [
          problem(
            `startxref 指向的对象 ${obj[1]} ${obj[2]} 不是交叉引用流`,
            `startxref points at object ${obj[1]} ${obj[2]}, which is not a cross-reference stream`,
          ),
        ],
      };
    }
    return { problems: [], trailer: dict };
  }
  return {
    problems: [
      problem(
        `startxref 指向的偏移 ${offset} 处既不是交叉引用表也不是交叉引用流`,
        `startxref points at offset ${offset}, where there is no cross-reference table or stream`,
      ),
    ],
  };
}

/** Header, end marker, startxref and the trailer it leads to. */
async function checkStructure(src: ProbeSource, header: number): Promise<{ problems: Message[]; trailer?: string }> {
  const problems: Message[] = [];
  const tailStart = Math.max(0, src.size - TAIL);
  const tail = (await src.read(tailStart, TAIL)).toString('latin1');
  const eof = tail.lastIndexOf('%%EOF');
  if (eof < 0 || tail.length - eof > 1024 + 5) {
    problems.push(
      problem(
        '文件末尾 1024 字节内没有 %%EOF 结束标记（文件可能不完整）',
        'no %%EOF in the last 1024 bytes (file truncated?)',
      ),
    );
  }
  const sx = /startxref\s+(\d+)\s*$/.exec(tail.slice(0, eof >= 0 ? eof : undefined).trimEnd());
  if (sx === null) {
    problems.push(
      problem('文件末尾没有 startxref 及交叉引用偏移', 'no startxref with a cross-reference offset at the end'),
    );
    return { problems, trailer: lastTrailer(tail) };
  }
  const offset = Number(sx[1]);
  if (offset >= src.size) {
    problems.push(
      problem(
        `startxref 偏移 ${offset} 超出文件长度 ${src.size}`,
        `startxref offset ${offset} lies beyond the end of the file (${src.size} bytes)`,
      ),
    );
    return { problems, trailer: lastTrailer(tail) };
  }
  let section = await readXrefSection(src, offset);
  // Offsets count from the header when junk precedes it (a tolerance readers share, §7.5.2 note).
  if (section.problems.length > 0 && header > 0) {
    const shifted = await readXrefSection(src, offset + header);
    if (shifted.problems.length === 0) section = shifted;
  }
  problems.push(...section.problems);
  const trailer = section.trailer ?? lastTrailer(tail);
  if (section.trailer !== undefined && !/\/Root\s+\d+\s+\d+\s+R/.test(section.trailer)) {
    problems.push(
      problem('trailer 字典中没有 /Root（文档目录）', 'the trailer dictionary has no /Root (document catalog)'),
    );
  }
  return { problems, trailer };
}

/** The last trailer dictionary in the tail: for the /Encrypt flag when the xref offset is unusable. */
function lastTrailer(tail: string): string | undefined {
  const t = tail.lastIndexOf('trailer');
  return t < 0 ? undefined : tail.slice(t);
}

/** PDF/A part and conformance from the first XMP pdfaid declaration, e.g. "2b"; undefined when none. */
async function findPdfa(src: ProbeSource): Promise<string | undefined> {
  const needle = 'pdfaid:part';
  let offset = 0;
  let carry = Buffer.alloc(0);
  for await (const chunk of src.chunks()) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const base = offset - carry.length;
    for (let i = buf.indexOf(needle, 0, 'latin1'); i >= 0; i = buf.indexOf(needle, i + 1, 'latin1')) {
      // Attribute form (pdfaid:part="1") or element form (<pdfaid:part>1</pdfaid:part>).
      const window = (await src.read(Math.max(0, base + i - 2048), 4096)).toString('latin1');
      const part = /pdfaid:part\s*=\s*["']\s*(\d)|<pdfaid:part>\s*(\d)\s*</.exec(window);
      if (!part) continue;
      const conf = /pdfaid:conformance\s*=\s*["']\s*([A-Za-z])|<pdfaid:conformance>\s*([A-Za-z])\s*</.exec(window);
      const c = conf ? (conf[1] ?? conf[2] ?? '') : '';
      return `${part[1] ?? part[2]}${c.toLowerCase()}`;
    }
    offset += chunk.length;
    carry = Buffer.from(buf.subarray(Math.max(0, buf.length - needle.length)));
  }
  return undefined;
}

export async function probePdf(src: ProbeSource, options: PdfOptions): Promise<Findings> {
  const header = pdfHeaderOffset(src.head);
  const version = /^%PDF-(\d+\.\d+)/.exec(src.head.toString('latin1', header, header + 16))?.[1];
  const problems: Message[] = [];
  if (version === undefined) problems.push(problem('PDF 文件头缺少版本号', 'the PDF header has no version number'));
  const structure = await checkStructure(src, header);
  problems.push(...structure.problems);
  const encrypted = structure.trailer !== undefined && /\/Encrypt[\s/<\d[]/.test(structure.trailer);
  const pdfa = await findPdfa(src);
  // qpdf only when the structure looked sound: otherwise it would repeat what was found, at a process's cost.
  if (options.qpdf === 'auto' && problems.length === 0 && (await qpdfAvailable())) {
    problems.push(...(await qpdfCheck(src.path, src.signal)).problems);
  }
  const name = pdfa !== undefined ? `PDF/A-${pdfa}` : `PDF${version ? ` ${version}` : ''}`;
  return {
    format: 'pdf',
    name,
    ...(version !== undefined ? { version } : {}),
    ...(pdfa !== undefined ? { pdfa } : {}),
    valid: problems.length === 0,
    problems: problems.slice(0, MAX_PROBLEMS),
    encrypted,
  };
}
