import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import { FORMAT_ITEMS, isApprovedFormat } from '../items/format-items.js';
import type { CheckItem, DepositView, FileView, FormatReport, ItemVerdict } from '../types.js';
import { probeFormat } from './index.js';
import { writeFormatFixtures, type FormatFixtureName } from './test-support/format-fixtures.js';

/** A DepositView holding just these files; everything else empty. */
function viewWith(
  files: readonly FileView[],
  approvedFormats: readonly string[] = ['pdfa', 'ofd', 'jpeg', 'tiff', 'xml'],
): DepositView {
  return {
    package: { name: 'deposit.zip', kind: 'zip' },
    declared: {},
    files,
    metadataFiles: [],
    catalog: { sources: [], records: [], columns: [], problems: [] },
    signatures: [],
    virusScan: { ran: false, reason: { zh: '未配置', en: 'not configured' } },
    settings: { approvedFormats, mandatoryFields: [], classifiedSystem: false },
  };
}

function report(format: string, extra: Partial<FormatReport> = {}): FormatReport {
  return {
    format,
    name: format.toUpperCase(),
    mime: 'application/x-test',
    extensionMismatch: false,
    problems: [],
    encrypted: false,
    ...extra,
  };
}

const file = (path: string, format?: FormatReport): FileView => ({
  path,
  size: 100,
  digests: {},
  declaredDigests: [],
  ...(format ? { format } : {}),
});

const item = (key: string): CheckItem => {
  const found = FORMAT_ITEMS.find((i) => i.key === key);
  if (!found) throw new Error(`no item ${key}`);
  return found;
};

const refs = (v: ItemVerdict): string[] => ('findings' in v ? v.findings.map((f) => f.object.ref) : []);

describe('the format items', () => {
  it('are the four DA/T 70 items, at every stage', () => {
    expect(FORMAT_ITEMS.map((i) => [i.key, i.property, i.number])).toEqual([
      ['format-extension', 1, 10],
      ['approved-format', 3, 3],
      ['format-valid', 3, 4],
      ['no-encryption', 3, 8],
    ]);
    for (const i of FORMAT_ITEMS) {
      expect(i.stages).toEqual(['GD', 'YJ', 'BC']);
      expect(i.title.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(item('format-extension').title).toEqual({
      zh: '电子文件格式与扩展名一致',
      en: 'file format matches its extension',
    });
  });

  it('say "not run" when no file was probed, "not applicable" when there are no files', () => {
    for (const i of FORMAT_ITEMS) {
      expect(i.run(viewWith([file('a.pdf'), file('b.jpg')]))).toHaveProperty('notRun');
      expect(i.run(viewWith([]))).toHaveProperty('notApplicable');
    }
  });

  it('format-extension: one finding per fake extension, naming what was found', () => {
    const v = item('format-extension').run(
      viewWith([
        file('a/scan.pdf', report('png', { name: 'PNG', extensionMismatch: true })),
        file('b.pdf', report('pdf')),
        file('unprobed.doc'),
      ]),
    );
    expect(refs(v)).toEqual(['a/scan.pdf']);
    const f = 'findings' in v ? v.findings[0] : undefined;
    expect(f?.object).toEqual({ kind: 'file', ref: 'a/scan.pdf' });
    expect(f?.reason.zh).toBe('“a/scan.pdf”的实际格式为 PNG，与扩展名 .pdf 不符');
    expect(f?.reason.en).toBe('"a/scan.pdf" is PNG, not what its extension .pdf says');
    expect(f?.details).toMatchObject({ format: 'png', extension: 'pdf' });
  });

  it('approved-format: "pdfa" approves PDFs declaring PDF/A, "pdf" any PDF; empty files are not its business', () => {
    const files = [
      file('a.pdf', report('pdf', { pdfa: '2b' })),
      file('b.pdf', report('pdf', { name: 'PDF 1.7' })),
      file('c.docx', report('docx', { name: 'Word (OOXML)' })),
      file('d.ofd', report('ofd')),
      file('e.txt', report('empty')),
    ];
    const v = item('approved-format').run(viewWith(files));
    expect(refs(v)).toEqual(['b.pdf', 'c.docx']);
    const reason = 'findings' in v ? v.findings[1]?.reason : undefined;
    expect(reason).toEqual({
      zh: '“c.docx”（Word (OOXML)，扩展名 .docx）不属于批准的长期保存格式（pdfa、ofd、jpeg、tiff、xml）',
      en: '"c.docx" (Word (OOXML), extension .docx) is not in an approved format (pdfa, ofd, jpeg, tiff, xml)',
    });
    expect(refs(item('approved-format').run(viewWith(files, ['pdf', 'OFD', 'docx'])))).toEqual([]);
    expect(item('approved-format').run(viewWith(files, []))).toHaveProperty('notApplicable');
    expect(isApprovedFormat(report('pdf'), ['pdfa'])).toBe(false);
  });

  it('format-valid: a finding per broken file with its problems; empty files and unvalidated formats pass', () => {
    const broken = report('pdf', {
      name: 'PDF 1.7',
      valid: false,
      problems: [
        { zh: '没有 %%EOF', en: 'no %%EOF' },
        { zh: '没有 startxref', en: 'no startxref' },
      ],
    });
    const v = item('format-valid').run(
      viewWith([
        file('a.pdf', broken),
        file('b.pdf', report('pdf', { valid: true })),
        file('c.bin', report('unknown')),
        file('d.txt', report('empty')),
      ]),
    );
    expect(refs(v)).toEqual(['a.pdf']);
    const reason = 'findings' in v ? v.findings[0]?.reason : undefined;
    expect(reason).toEqual({
      zh: '“a.pdf”（PDF 1.7，扩展名 .pdf）结构损坏：没有 %%EOF；没有 startxref',
      en: '"a.pdf" (PDF 1.7, extension .pdf) is damaged: no %%EOF; no startxref',
    });
  });

  it('no-encryption: a finding per encrypted file', () => {
    const v = item('no-encryption').run(
      viewWith([
        file('a.pdf', report('pdf', { encrypted: true })),
        file('b.zip', report('zip', { encrypted: true })),
        file('c.pdf', report('pdf')),
      ]),
    );
    expect(refs(v)).toEqual(['a.pdf', 'b.zip']);
  });
});

describe('the format items over the probed fixtures', () => {
  const temp = tempDirs();
  let view: DepositView;
  beforeAll(async () => {
    const paths = await writeFormatFixtures(await temp.make());
    const files: FileView[] = [];
    for (const [name, path] of Object.entries(paths) as [FormatFixtureName, string][]) {
      files.push(file(name, await probeFormat(path, name, { qpdf: 'off' })));
    }
    view = viewWith(files);
  });
  afterAll(temp.cleanup);

  it('fail exactly the files that break each rule', () => {
    const byKey = Object.fromEntries(FORMAT_ITEMS.map((i) => [i.key, refs(i.run(view)).sort()]));
    expect(byKey).toEqual({
      'format-extension': ['scan.pdf'],
      'approved-format': [
        'bad-crc.png',
        'broken.pdf',
        'classic.pdf',
        'document.docx',
        'encrypted.doc',
        'encrypted.docx',
        'encrypted.pdf',
        'encrypted.zip',
        'gbk.txt',
        'legacy.doc',
        'scan.pdf',
        'slides.ppt',
        'valid.bmp',
        'valid.gif',
        'valid.pdf',
        'valid.png',
      ],
      'format-valid': ['bad-crc.png', 'broken.ofd', 'broken.pdf', 'malformed.xml', 'truncated.jpg'],
      'no-encryption': ['encrypted.doc', 'encrypted.docx', 'encrypted.pdf', 'encrypted.zip'],
    });
  });
});
