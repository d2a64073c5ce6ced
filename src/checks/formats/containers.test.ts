import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import { resolveOfdPath } from './ofd.js';
import {
  cfbBytes,
  docxEntries,
  encryptedOoxmlBytes,
  ofdEntries,
  pptBytes,
  rar4Bytes,
  rar5Bytes,
  sevenZipBytes,
  storedZip,
  zipBytes,
} from './test-support/format-fixtures.js';
import { probeBytes, problemsOf } from './test-support/probe-bytes.js';

const temp = tempDirs();
let dir: string;
beforeAll(async () => {
  dir = await temp.make();
});
afterAll(temp.cleanup);

const OFD_NS = 'http://www.ofdspec.org/2016';

describe('OFD (GB/T 33190-2016)', () => {
  it('resolves package paths absolute from the root and relative to the naming file', () => {
    expect(resolveOfdPath('OFD.xml', 'Doc_0/Document.xml')).toBe('Doc_0/Document.xml');
    expect(resolveOfdPath('OFD.xml', '/Doc_0/Document.xml')).toBe('Doc_0/Document.xml');
    expect(resolveOfdPath('Doc_0/Document.xml', 'Pages/Page_0/Content.xml')).toBe('Doc_0/Pages/Page_0/Content.xml');
    expect(resolveOfdPath('Doc_0/Document.xml', '../Doc_0/Res/a.png')).toBe('Doc_0/Res/a.png');
  });

  it('accepts an absolute DocRoot', async () => {
    const r = await probeBytes(dir, await zipBytes(ofdEntries('/Doc_0/Document.xml')), 'abs.ofd');
    expect(r).toMatchObject({ format: 'ofd', valid: true });
  });

  it('wants ofd:OFD in the OFD namespace as the root element', async () => {
    const entries = ofdEntries();
    entries['OFD.xml'] = entries['OFD.xml']!.replaceAll(OFD_NS, 'http://example.com/not-ofd');
    expect(problemsOf(await probeBytes(dir, await zipBytes(entries), 'ns.ofd'))).toEqual([
      `the root element of OFD.xml is not ofd:OFD in ${OFD_NS}`,
    ]);
  });

  it('wants a DocRoot, and well-formed OFD.xml', async () => {
    const entries = ofdEntries();
    entries['OFD.xml'] = `<ofd:OFD xmlns:ofd="${OFD_NS}" Version="1.0"><ofd:DocBody/></ofd:OFD>`;
    expect(problemsOf(await probeBytes(dir, await zipBytes(entries), 'nodoc.ofd'))).toEqual([
      'OFD.xml has no DocBody/DocRoot',
    ]);
    entries['OFD.xml'] = `<ofd:OFD xmlns:ofd="${OFD_NS}"><ofd:DocBody>`;
    expect(problemsOf(await probeBytes(dir, await zipBytes(entries), 'bad.ofd'))).toEqual([
      expect.stringMatching(/^OFD\.xml: XML is not well-formed/),
    ]);
  });

  it('finds pages and resources the document names but the package lacks', async () => {
    const entries = ofdEntries();
    delete entries['Doc_0/Pages/Page_0/Content.xml'];
    expect(problemsOf(await probeBytes(dir, await zipBytes(entries), 'nopage.ofd'))).toEqual([
      'Doc_0/Pages/Page_0/Content.xml, named in Doc_0/Document.xml, is missing',
    ]);
  });

  it('reports the archival profile OFD-A in its name', async () => {
    const entries = ofdEntries();
    entries['OFD.xml'] = entries['OFD.xml']!.replace('DocType="OFD"', 'DocType="OFD-A"');
    expect(await probeBytes(dir, await zipBytes(entries), 'a.ofd')).toMatchObject({
      name: 'OFD-A (GB/T 33190)',
      valid: true,
    });
  });

  it('reads packages larger than the sniffed head from the file', async () => {
    const image = Buffer.alloc(300_000);
    for (let i = 0; i < image.length; i++) image[i] = (i * 7919) % 251; // poorly compressible
    const entries = { ...ofdEntries(), 'Doc_0/Res/scan.png': image };
    expect(await probeBytes(dir, await zipBytes(entries), 'big.ofd')).toMatchObject({ format: 'ofd', valid: true });
  });

  it('calls a zip without OFD.xml a zip, which a .ofd name then contradicts', async () => {
    const r = await probeBytes(dir, await zipBytes({ 'Doc_0/Document.xml': '<a/>' }), 'plain.ofd');
    expect(r).toMatchObject({ format: 'zip', valid: true, extensionMismatch: true });
  });
});

describe('OOXML and zip', () => {
  const CT = 'application/vnd.openxmlformats-officedocument';

  it('tells Excel and PowerPoint from the main part content type', async () => {
    const types = (part: string, type: string) =>
      `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/${part}" ContentType="${type}"/></Types>`;
    const xlsx = await zipBytes({
      '[Content_Types].xml': types('xl/workbook.xml', `${CT}.spreadsheetml.sheet.main+xml`),
      'xl/workbook.xml': '<workbook/>',
    });
    expect(await probeBytes(dir, xlsx, 'a.xlsx')).toMatchObject({
      format: 'xlsx',
      valid: true,
      extensionMismatch: false,
    });
    const pptm = await zipBytes({
      '[Content_Types].xml': types(
        'ppt/presentation.xml',
        'application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml',
      ),
      'ppt/presentation.xml': '<p/>',
    });
    expect(await probeBytes(dir, pptm, 'a.pptm')).toMatchObject({
      format: 'pptx',
      valid: true,
      extensionMismatch: false,
    });
  });

  it('wants the main part present and well-formed', async () => {
    const entries = docxEntries();
    delete entries['word/document.xml'];
    expect(problemsOf(await probeBytes(dir, await zipBytes(entries), 'nomain.docx'))).toEqual([
      'the main document part word/document.xml is missing',
    ]);
    const broken = { ...docxEntries(), 'word/document.xml': '<w:document xmlns:w="x"><w:body>' };
    expect(problemsOf(await probeBytes(dir, await zipBytes(broken), 'broken.docx'))).toEqual([
      expect.stringMatching(/^word\/document\.xml: XML is not well-formed/),
    ]);
  });

  it('reports a zip whose central directory does not read, without calling a broken .docx a fake', async () => {
    const zip = await zipBytes(docxEntries());
    const cut = zip.subarray(0, zip.length - 30);
    const r = await probeBytes(dir, cut, 'cut.docx');
    expect(r).toMatchObject({ format: 'zip', valid: false, extensionMismatch: false });
    expect(problemsOf(r)).toEqual([expect.stringMatching(/^the zip central directory cannot be read/)]);
  });

  it('flags any encrypted entry, and identifies ODF by its mimetype entry', async () => {
    const mixed = storedZip([
      { name: 'open.txt', data: 'hello' },
      { name: 'secret.txt', data: Buffer.alloc(20), declaredSize: 8, flags: 1 },
    ]);
    expect(await probeBytes(dir, mixed, 'mixed.zip')).toMatchObject({ format: 'zip', encrypted: true, valid: true });
    const odt = storedZip([
      { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text' },
      { name: 'content.xml', data: '<office:document-content/>' },
    ]);
    expect(await probeBytes(dir, odt, 'a.odt')).toMatchObject({
      format: 'odt',
      encrypted: false,
      extensionMismatch: false,
    });
  });
});

describe('OLE compound files ([MS-CFB])', () => {
  it('reads an encrypted PowerPoint from its Current User stream in the mini stream', async () => {
    expect(await probeBytes(dir, pptBytes(true), 'a.ppt')).toMatchObject({
      format: 'ppt',
      encrypted: true,
      valid: true,
    });
  });

  it('finds FILEPASS in an Excel workbook', async () => {
    const records = (...recs: [number, number][]) =>
      Buffer.concat(
        recs.map(([type, len]) => {
          const b = Buffer.alloc(4 + len);
          b.writeUInt16LE(type, 0);
          b.writeUInt16LE(len, 2);
          return b;
        }),
      );
    const plain = records([0x0809, 16], [0x0042, 2], [0x000a, 0]);
    const enc = records([0x0809, 16], [0x002f, 6], [0x000a, 0]);
    expect(await probeBytes(dir, cfbBytes([{ name: 'Workbook', data: plain }]), 'a.xls')).toMatchObject({
      format: 'xls',
      encrypted: false,
      valid: true,
    });
    expect(await probeBytes(dir, cfbBytes([{ name: 'Workbook', data: enc }]), 'b.xls')).toMatchObject({
      encrypted: true,
    });
    expect(await probeBytes(dir, cfbBytes([{ name: 'Workbook', data: Buffer.alloc(8) }]), 'c.xls')).toMatchObject({
      valid: false,
      problems: [{ en: 'the Workbook stream does not start with a BOF record' }],
    });
  });

  it('calls an unrecognised compound file cfb, and WPS names match their Office formats', async () => {
    const other = cfbBytes([{ name: '__substg1.0_0037001F', data: Buffer.from('subject') }]);
    expect(await probeBytes(dir, other, 'mail.msg')).toMatchObject({
      format: 'cfb',
      valid: true,
      extensionMismatch: false,
    });
    expect(await probeBytes(dir, other, 'a.doc')).toMatchObject({ extensionMismatch: true });
    expect(await probeBytes(dir, pptBytes(), 'a.dps')).toMatchObject({ format: 'ppt', extensionMismatch: false });
    expect(await probeBytes(dir, encryptedOoxmlBytes(), 'a.xlsx')).toMatchObject({ format: 'xlsx', encrypted: true });
  });

  it('survives a directory chain that points outside the file', async () => {
    const bad = Buffer.from(pptBytes());
    bad.writeUInt32LE(0x00ffffff, 48); // first directory sector
    expect(await probeBytes(dir, bad, 'bad.ppt')).toMatchObject({
      format: 'cfb',
      valid: false,
      problems: [{ en: expect.stringMatching(/directory cannot be read/) }],
      extensionMismatch: false,
    });
  });
});

describe('RAR and 7z', () => {
  it('walks RAR 5 and RAR 4 headers and sees encryption', async () => {
    expect(await probeBytes(dir, rar5Bytes(), 'a.rar')).toMatchObject({
      format: 'rar',
      version: '5',
      valid: true,
      encrypted: false,
    });
    expect(await probeBytes(dir, rar5Bytes(true), 'b.rar')).toMatchObject({ encrypted: true, valid: true });
    expect(await probeBytes(dir, rar4Bytes(), 'c.rar')).toMatchObject({
      format: 'rar',
      version: '4',
      valid: true,
      encrypted: false,
    });
    expect(await probeBytes(dir, rar4Bytes(true), 'd.rar')).toMatchObject({ encrypted: true });
    const bad = Buffer.from(rar5Bytes());
    bad[12] = bad[12]! ^ 1;
    expect(problemsOf(await probeBytes(dir, bad, 'e.rar'))).toEqual(['bad RAR header CRC at offset 8']);
  });

  it('checks 7z header CRCs and sees the AES coder', async () => {
    expect(await probeBytes(dir, sevenZipBytes(), 'a.7z')).toMatchObject({
      format: '7z',
      valid: true,
      encrypted: false,
    });
    expect(await probeBytes(dir, sevenZipBytes(true), 'b.7z')).toMatchObject({ valid: true, encrypted: true });
    const cut = sevenZipBytes().subarray(0, 40);
    expect(problemsOf(await probeBytes(dir, cut, 'c.7z'))).toEqual([
      'a 7z header runs past the end of the file (truncated)',
    ]);
  });
});
