/**
 * Full-text extraction against the real tools (poppler-utils, qpdf,
 * Tesseract with chi_sim): every fixture is built here — PDFs with pdf-lib and
 * the AR PL SungtiL GB font the certificate uses, packages with yazl or the
 * raw zip writer, scans by rasterising a PDF with pdftoppm.
 *
 * OCR tests skip when Tesseract or its chi_sim data is missing, unless
 * CI_REQUIRE_OCR is set, where they fail instead (as CI_REQUIRE_CLAMAV does
 * for the virus scanner).
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import iconv from 'iconv-lite';
import { PageSizes, PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { buildZip } from '../../packages/test-support/raw-zip.js';
import { tempDirs } from '../../packages/test-support/temp.js';
import { extractText, ocrAvailability, type ExtractResult } from './index.js';
import { TextSink } from './text-sink.js';

const FONT = '/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf';
const TITLE = '关于开展档案执法检查的通知';
const LINES = [TITLE, '浙江省档案局办公室印发', '各市档案局：为贯彻落实档案法，', '现将有关事项通知如下。'];

const temp = tempDirs();
let dir: string;
let ocr: Awaited<ReturnType<typeof ocrAvailability>>;
let textPdf: string;
let scanPdf: string;
let scanPng: string;

let fileNo = 0;
async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, `${++fileNo}-${name}`);
  await writeFile(path, content);
  return path;
}

/** Extract a fixture, named as in a package. */
async function run(name: string, content: string | Uint8Array, options = {}): Promise<ExtractResult> {
  return extractText(await file(name, content), name, options);
}

/**
 * A4 page(s) of Chinese text. 20 pt, not larger: at the 200 dpi the extractor renders scans at,
 * 20 pt glyphs are ~55 px high, which Tesseract reads cleanly; 36–48 pt glyphs (100–130 px) came
 * out with a third of the characters wrong, and whole lines read as English with chi_sim+eng.
 */
async function chinesePdf(lines: readonly string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(await readFile(FONT), { subset: true });
  const page = doc.addPage(PageSizes.A4);
  lines.forEach((line, i) => page.drawText(line, { x: 60, y: 760 - i * 40, size: 20, font }));
  return doc.save();
}

async function zipOf(entries: Readonly<Record<string, string | Buffer>>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of Object.entries(entries)) zip.addBuffer(Buffer.from(data), name);
  zip.end();
  const parts: Buffer[] = [];
  for await (const chunk of zip.outputStream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Share of the Han characters of `expected` found in `text` (OCR is not exact). */
function hanRecall(text: string, expected: readonly string[]): number {
  const want = [...expected.join('')].filter((c) => /\p{Script=Han}/u.test(c));
  return want.filter((c) => text.includes(c)).length / want.length;
}

/** Skip an OCR test when Tesseract cannot run here — or fail, when CI_REQUIRE_OCR is set. */
function needOcr(ctx: { skip: (note?: string) => never }): void {
  if (ocr.available) return;
  const reason = `OCR is not available (${ocr.reason?.en ?? 'unknown'})`;
  if (process.env['CI_REQUIRE_OCR']) throw new Error(`CI_REQUIRE_OCR is set but ${reason}`);
  ctx.skip(`${reason} — set CI_REQUIRE_OCR=1 to make this a failure`);
}

beforeAll(async () => {
  dir = await temp.make();
  ocr = await ocrAvailability();
  textPdf = await file('text.pdf', await chinesePdf(LINES));
  // A scan: the page rasterised, then that image as the only content of a new PDF.
  execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', textPdf, join(dir, 'scan')]);
  scanPng = join(dir, 'scan.png');
  const doc = await PDFDocument.create();
  const png = await doc.embedPng(await readFile(scanPng));
  const [w, h] = PageSizes.A4;
  doc.addPage([w, h]).drawImage(png, { x: 0, y: 0, width: w, height: h });
  scanPdf = await file('scan.pdf', await doc.save());
});
afterAll(() => temp.cleanup());

describe('PDF', () => {
  it('reads the text layer, Chinese intact', async () => {
    const r = await extractText(textPdf, '通知.pdf');
    expect(r).toMatchObject({ status: 'extracted', method: 'text', format: 'pdf' });
    expect(r.text).toBe(LINES.join('\n'));
  });

  it('stops pdftotext at maxChars and says the text was cut', async () => {
    const r = await extractText(textPdf, 'a.pdf', { maxChars: 5 });
    expect(r).toMatchObject({ status: 'extracted', text: TITLE.slice(0, 5), truncated: true });
  });

  it('OCRs a scanned PDF page by page and removes the page images', async (ctx) => {
    needOcr(ctx);
    const tmpDir = await temp.make();
    const r = await extractText(scanPdf, 'scan.pdf', { tmpDir });
    expect(r).toMatchObject({ status: 'extracted', method: 'ocr', format: 'pdf', pages: { total: 1, read: 1 } });
    expect(hanRecall(r.text, LINES)).toBeGreaterThanOrEqual(0.8);
    expect(r.text).not.toMatch(/\p{Script=Han} \p{Script=Han}/u); // no spaces left between Chinese characters
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it('says OCR was not run, and which packages to install, when tesseract is missing or OCR is off', async () => {
    const missing = await extractText(scanPdf, 'scan.pdf', { ocr: { command: '/nonexistent/tesseract' } });
    expect(missing).toMatchObject({ status: 'ocr-not-run', text: '', format: 'pdf' });
    expect(missing.reason?.en).toContain('apt-get install tesseract-ocr tesseract-ocr-chi-sim');
    expect(missing.reason?.zh).toContain('tesseract-ocr tesseract-ocr-chi-sim');
    const off = await extractText(scanPdf, 'scan.pdf', { ocr: { enabled: false } });
    expect(off).toMatchObject({ status: 'ocr-not-run', format: 'pdf' });
    expect(off.reason?.en).toContain('tesseract-ocr tesseract-ocr-chi-sim');
  });

  it('fails a truncated PDF with poppler’s reason', async () => {
    const bytes = await readFile(textPdf);
    const r = await run('cut.pdf', bytes.subarray(0, 3000));
    expect(r).toMatchObject({ status: 'failed', format: 'pdf', text: '' });
    expect(r.reason?.en).toMatch(/cannot be read .*xref|trailer/i);
  });

  it('fails a PDF with an open (user) password, reads one with only an owner password', async () => {
    const locked = join(dir, 'locked.pdf');
    const ownerOnly = join(dir, 'owner-only.pdf');
    execFileSync('qpdf', ['--encrypt', 'u', 'o', '256', '--', textPdf, locked]);
    execFileSync('qpdf', ['--encrypt', '', 'o', '256', '--', textPdf, ownerOnly]);
    const r = await extractText(locked, 'locked.pdf');
    expect(r).toMatchObject({ status: 'failed', format: 'pdf' });
    expect(r.reason?.en).toContain('encrypted with an open password');
    expect((await extractText(ownerOnly, 'o.pdf')).text).toContain(TITLE);
  });

  it('kills a tool that passes its deadline', async () => {
    const r = await extractText(textPdf, 'a.pdf', { timeoutMs: 1 });
    expect(r).toMatchObject({ status: 'failed', format: 'pdf' });
    expect(r.reason?.en).toContain('did not finish');
  });
});

describe('images', () => {
  it('OCRs a PNG', async (ctx) => {
    needOcr(ctx);
    const r = await extractText(scanPng, 'scan.png');
    expect(r).toMatchObject({ status: 'extracted', method: 'ocr', format: 'image' });
    expect(hanRecall(r.text, LINES)).toBeGreaterThanOrEqual(0.8);
  });

  it('reads a .docx that is really a PNG as an image', async () => {
    const r = await run('report.docx', await readFile(scanPng), { ocr: { enabled: false } });
    expect(r).toMatchObject({ status: 'ocr-not-run', format: 'image' });
  });

  it('refuses to OCR an image whose header claims 100,000 × 100,000 pixels', async (ctx) => {
    const png = Buffer.from(await readFile(scanPng));
    png.writeUInt32BE(100_000, 16);
    png.writeUInt32BE(100_000, 20);
    needOcr(ctx); // without OCR the size is never looked at
    const r = await run('bomb.png', png);
    expect(r).toMatchObject({ status: 'failed', format: 'image' });
    expect(r.reason?.en).toContain('100000×100000');
  });
});

describe('ocrAvailability', () => {
  it('says why a missing program cannot run', async () => {
    const a = await ocrAvailability({ command: '/nonexistent/tesseract' });
    expect(a).toMatchObject({ available: false, languages: [] });
    expect(a.reason?.en).toContain('ENOENT');
  });

  it('lists the installed languages and names the one missing', async (ctx) => {
    needOcr(ctx);
    expect(ocr.languages).toEqual(expect.arrayContaining(['chi_sim', 'eng']));
    expect(ocr.version).toMatch(/^\d+\./);
    const a = await ocrAvailability({ languages: 'chi_sim+chi_tra_vert_nope' });
    expect(a.available).toBe(false);
    expect(a.reason?.en).toContain('tesseract-ocr-chi-tra-vert-nope');
  });
});

const DOCX_TYPES = `<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>
</Types>`;
const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const DOCX_BODY = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ${W}><w:body>
<w:p><w:r><w:t>关于</w:t></w:r><w:r><w:t>档</w:t></w:r><w:r><w:t>案工作的通知</w:t></w:r></w:p>
<w:p><w:r><w:t>第一条</w:t><w:tab/><w:t xml:space="preserve">Archives Law </w:t></w:r><w:del><w:r><w:delText>删除的文字</w:delText></w:r></w:del></w:p>
<w:p><w:r><w:fldChar w:fldCharType="begin"/><w:instrText>PAGE</w:instrText><w:t>第二段</w:t></w:r>
<mc:AlternateContent xmlns:mc="mc"><mc:Choice Requires="wps"><w:t>文本框</w:t></mc:Choice><mc:Fallback><w:t>文本框</w:t></mc:Fallback></mc:AlternateContent></w:p>
</w:body></w:document>`;

describe('Office Open XML and OFD', () => {
  it('reads a .docx: paragraphs as lines, runs joined, no deleted text, field codes or fallback copies; then headers', async () => {
    const docx = await zipOf({
      '[Content_Types].xml': DOCX_TYPES,
      'word/document.xml': DOCX_BODY,
      'word/header1.xml': `<w:hdr ${W}><w:p><w:r><w:t>浙江省档案局</w:t></w:r></w:p></w:hdr>`,
    });
    const r = await run('通知.docx', docx);
    expect(r).toMatchObject({ status: 'extracted', method: 'text', format: 'docx' });
    expect(r.text).toBe('关于档案工作的通知\n第一条 Archives Law\n第二段文本框\n浙江省档案局');
  });

  it('reads an .xlsx: shared strings without phonetic runs, inline strings, string formula results', async () => {
    const S = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
    const xlsx = await zipOf({
      '[Content_Types].xml': `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Override PartName="/xl/workbook.xml" ContentType="${S}.sheet.main+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="${S}.sharedStrings+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${S}.worksheet+xml"/></Types>`,
      'xl/workbook.xml': '<workbook/>',
      'xl/sharedStrings.xml': `<sst><si><t>档号</t></si><si><r><t>题</t></r><r><t>名</t></r><rPh><t>だいめい</t></rPh></si></sst>`,
      'xl/worksheets/sheet1.xml': `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>
<c r="B1" t="inlineStr"><is><t>内联文本</t></is></c><c r="C1" t="str"><f>A1</f><v>公式结果</v></c><c r="D1"><v>2024</v></c></row></sheetData></worksheet>`,
    });
    const r = await run('目录.xlsx', xlsx);
    expect(r).toMatchObject({ status: 'extracted', format: 'xlsx' });
    expect(r.text).toBe('档号\n题名\n内联文本 公式结果');
  });

  it('reads a .pptx: slides in number order (slide2 before slide10)', async () => {
    const P = 'application/vnd.openxmlformats-officedocument.presentationml';
    const slide = (t: string) =>
      `<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>${t}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`;
    const pptx = await zipOf({
      '[Content_Types].xml': `<Types><Override PartName="/ppt/presentation.xml" ContentType="${P}.presentation.main+xml"/>
<Override PartName="/ppt/slides/slide10.xml" ContentType="${P}.slide+xml"/>
<Override PartName="/ppt/slides/slide2.xml" ContentType="${P}.slide+xml"/></Types>`,
      'ppt/presentation.xml': '<p:presentation xmlns:p="p"/>',
      'ppt/slides/slide10.xml': slide('第十页'),
      'ppt/slides/slide2.xml': slide('第二页'),
    });
    const r = await run('汇报.pptx', pptx);
    expect(r).toMatchObject({ status: 'extracted', format: 'pptx', text: '第二页\n第十页' });
  });

  it('reads an OFD: pages in Document.xml order, characters on one baseline joined, a new baseline a new line', async () => {
    const O = 'xmlns:ofd="http://www.ofdspec.org/2016"';
    const code = (y: number, x: number, t: string) => `<ofd:TextCode X="${x}" Y="${y}">${t}</ofd:TextCode>`;
    const page = (body: string) =>
      `<ofd:Page ${O}><ofd:Content><ofd:Layer ID="2">${body}</ofd:Layer></ofd:Content></ofd:Page>`;
    const ofd = await zipOf({
      'OFD.xml': `<?xml version="1.0" encoding="UTF-8"?><ofd:OFD ${O} Version="1.0" DocType="OFD"><ofd:DocBody>
<ofd:DocInfo><ofd:Title>元数据不算正文</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`,
      'Doc_0/Document.xml': `<ofd:Document ${O}><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_1/Content.xml"/>
<ofd:Page ID="2" BaseLoc="/Doc_0/Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>`,
      'Doc_0/Pages/Page_1/Content.xml': page(
        `<ofd:TextObject ID="3" Boundary="20 30 100 10" Size="5">${code(5, 0, '档')}${code(5, 5, '案')}</ofd:TextObject>` +
          `<ofd:TextObject ID="4" Boundary="25 30 100 10" Size="5">${code(5, 0, '法')}</ofd:TextObject>` +
          `<ofd:TextObject ID="5" Boundary="20 50 100 10" Size="5">${code(5, 0, '第二行')}</ofd:TextObject>`,
      ),
      'Doc_0/Pages/Page_0/Content.xml': page(
        `<ofd:TextObject ID="6" Boundary="20 30 100 10" Size="5">${code(5, 0, '第二页')}</ofd:TextObject>`,
      ),
    });
    const r = await run('公文.ofd', ofd);
    expect(r).toMatchObject({ status: 'extracted', method: 'text', format: 'ofd', text: '档案法\n第二行\n第二页' });
  });

  it('fails a zip bomb at once: an entry declared to inflate far past the cap', async () => {
    const started = Date.now();
    const bomb = buildZip([
      { name: '[Content_Types].xml', data: DOCX_TYPES, method: 8 },
      { name: 'word/document.xml', data: DOCX_BODY, method: 8, declaredSize: 0xfffffff0 },
    ]);
    const r = await run('bomb.docx', bomb);
    expect(r).toMatchObject({ status: 'failed', format: 'docx' });
    expect(r.reason?.en).toMatch(/inflates to 4294967280 bytes, over the 268435456-byte limit/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails an entry that inflates past the size it declares', async () => {
    const bomb = buildZip([
      { name: '[Content_Types].xml', data: DOCX_TYPES, method: 8 },
      { name: 'word/document.xml', data: DOCX_BODY + ' '.repeat(8 * 1024 * 1024), method: 8, declaredSize: 1000 },
    ]);
    const r = await run('lying.docx', bomb);
    expect(r).toMatchObject({ status: 'failed', format: 'docx' });
    expect(r.reason?.en).toMatch(/word\/document\.xml cannot be inflated: too many bytes/);
  });

  it('fails a damaged zip, a .docx that is a zip of something else, and malformed XML', async () => {
    const docx = await zipOf({ '[Content_Types].xml': DOCX_TYPES, 'word/document.xml': DOCX_BODY });
    expect(await run('cut.docx', docx.subarray(0, docx.length - 30))).toMatchObject({ status: 'failed' });
    const other = await run('x.docx', await zipOf({ 'a.txt': 'hello' }));
    expect(other).toMatchObject({ status: 'failed', format: 'docx' });
    expect(other.reason?.en).toContain('named .docx but this zip is not a DOCX');
    const bad = await run(
      'bad.docx',
      await zipOf({ '[Content_Types].xml': DOCX_TYPES, 'word/document.xml': '<w:document><w:body>' }),
    );
    expect(bad).toMatchObject({ status: 'failed', format: 'docx' });
    expect(bad.reason?.en).toContain('word/document.xml: the XML is not well-formed');
  });
});

describe('HTML, XML and plain text', () => {
  it('reads a GBK page by its meta charset: tags and scripts dropped, entities decoded, blocks on lines', async () => {
    const html = `<!DOCTYPE html><html><head><meta charset="gbk"><title>通知</title>
<style>p { color: red }</style><script>var s = "<p>不是正文</p>";</script></head>
<body><h1>关于&ldquo;档案&rdquo;工作</h1><p>第一段&amp;附件 &#x6863;&#26696; &lt;馆藏&gt;</p><!-- 注释 --><div>第<b>二</b>段
继续</div><table><tr><td>单元</td><td>格</td></tr></table></body></html>`;
    const r = await run('page.html', iconv.encode(html, 'gbk'));
    expect(r).toMatchObject({ status: 'extracted', method: 'text', format: 'html' });
    expect(r.text).toBe('通知\n关于“档案”工作\n第一段&附件档案 <馆藏>\n第二段继续\n单元 格');
  });

  it('detects GBK in a page that does not declare it', async () => {
    const r = await run('old.htm', iconv.encode('<html><body><p>档案馆</p></body></html>', 'gbk'));
    expect(r.text).toBe('档案馆');
  });

  it('reads every text node of XML in its declared encoding, without expanding entities or keeping Base64', async () => {
    const xml = `<?xml version="1.0" encoding="GB2312"?>
<!DOCTYPE r [<!ENTITY a "啊啊"><!ENTITY b "&a;&a;&a;&a;">]>
<电子文件><题名>档案移交清单</题名><备注>&b;</备注><编码数据>${'QUJD'.repeat(400)}</编码数据></电子文件>`;
    const r = await run('eep.xml', iconv.encode(xml, 'gbk'));
    expect(r).toMatchObject({ status: 'extracted', format: 'xml' });
    expect(r.text).toBe('档案移交清单 &a;&a;&a;&a;');
  });

  it('fails XML that is not well-formed', async () => {
    expect(await run('bad.xml', '<?xml version="1.0"?><a><b></a>')).toMatchObject({ status: 'failed', format: 'xml' });
  });

  it('reads UTF-8, GBK and UTF-16 text, and cuts at maxChars', async () => {
    const text = '档案  管理\t\t规定\r\n\r\n\r\n第二条   Archives   Law';
    const expected = '档案管理规定\n第二条 Archives Law';
    expect(await run('a.txt', text)).toMatchObject({ status: 'extracted', format: 'txt', text: expected });
    expect((await run('a.csv', iconv.encode(text, 'gbk'))).text).toBe(expected);
    expect((await run('a.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]))).text).toBe(
      expected,
    );
    const cut = await run('long.txt', '档案'.repeat(100_000), { maxChars: 1000 });
    expect(cut).toMatchObject({ status: 'extracted', truncated: true });
    expect(cut.text).toBe('档案'.repeat(500));
    expect(await run('blank.txt', ' \n\t\n')).toMatchObject({ status: 'empty', format: 'txt', text: '' });
  });
});

describe('formats not read', () => {
  it('says what to do with an old binary .doc (CFB)', async () => {
    const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
    const r = await run('旧文件.doc', cfb);
    expect(r).toMatchObject({ status: 'unsupported', format: 'doc', text: '' });
    expect(r.reason?.en).toContain('save the file as .docx');
    expect((await run('加密.docx', cfb)).reason?.en).toContain('password-protected');
  });

  it('refuses audio, archives and unknown binary data, and reads a lying extension as what the bytes are', async () => {
    expect(await run('a.mp3', Buffer.concat([Buffer.from('ID3\x04'), Buffer.alloc(100)]))).toMatchObject({
      status: 'unsupported',
      format: 'audio',
    });
    expect(await run('a.zip', await zipOf({ 'a.txt': 'x' }))).toMatchObject({ status: 'unsupported', format: 'zip' });
    expect(await run('a.bin', Buffer.from([0, 1, 2, 3, 0, 0, 9]))).toMatchObject({ status: 'unsupported' });
    expect(await run('fake.pdf', 'just text')).toMatchObject({ status: 'failed', format: 'pdf' });
    expect(await run('page.pdf', '<html><body><p>网页</p></body></html>')).toMatchObject({
      format: 'html',
      text: '网页',
    });
  });
});

describe('the caller’s side', () => {
  it('rejects with AbortError when the signal is already aborted, and on an abort mid-OCR', async (ctx) => {
    const controller = new AbortController();
    controller.abort();
    await expect(extractText(textPdf, 'a.pdf', { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    needOcr(ctx);
    const tmpDir = await temp.make();
    const midway = new AbortController();
    setTimeout(() => midway.abort(), 300);
    const started = Date.now();
    await expect(extractText(scanPdf, 'scan.pdf', { signal: midway.signal, tmpDir })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it('throws when the file cannot be opened at all', async () => {
    await expect(extractText(join(dir, 'missing.pdf'), 'missing.pdf')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses invalid options', async () => {
    await expect(extractText(textPdf, 'a.pdf', { maxChars: 0 })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  });
});

describe('TextSink', () => {
  it('collapses white space, keeps one newline between paragraphs, drops spaces between CJK characters', () => {
    const sink = new TextSink(100);
    for (const piece of ['  档 案', ' 管', '理 。\n\n\n', 'foo\u0000  ', 'bar\f', '𠀀 𠀁 x']) sink.write(piece);
    expect(sink.text).toBe('档案管理。\nfoo bar\n𠀀𠀁 x');
    expect(sink.truncated).toBe(false);
  });

  it('cuts at maxChars without splitting a surrogate pair', () => {
    const sink = new TextSink(3);
    sink.write('档𠀀案');
    expect(sink.text).toBe('档𠀀');
    expect(sink.truncated).toBe(true);
  });
});
