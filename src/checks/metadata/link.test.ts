import { describe, expect, it } from 'vitest';
import { codeKey, findCatalogFile, findCatalogFiles, linkRecords } from './link.js';

describe('findCatalogFile', () => {
  it.each<[string[], string | undefined]>([
    [['a.pdf', '目录.xlsx'], '目录.xlsx'],
    [['a.pdf', '归档文件目录.csv'], '归档文件目录.csv'],
    [['metadata/catalog.csv', 'a.pdf'], 'metadata/catalog.csv'],
    [['Metadata/Catalog.CSV'], 'Metadata/Catalog.CSV'],
    [['data/目录.xlsx', 'bagit.txt'], 'data/目录.xlsx'],
    [['data/metadata/著录数据.xlsx'], 'data/metadata/著录数据.xlsx'],
    [['2011年度卷内目录.xlsx'], '2011年度卷内目录.xlsx'],
    [['catalogue.csv'], 'catalogue.csv'],
    [['catalog_2011.csv'], 'catalog_2011.csv'],
    [['目录.xls'], '目录.xls'],
    // Not catalogs: deeper folders, other names and formats, lock and hidden files.
    [['正文/目录.xlsx'], undefined],
    [['报告.xlsx', '目录.pdf', '目录.docx'], undefined],
    [['~$目录.xlsx', '._目录.csv'], undefined],
    [[], undefined],
  ])('%j → %s', (files, expected) => {
    expect(findCatalogFile(files)).toBe(expected);
  });

  it('ranks root before metadata/, plain names first, .xlsx before .csv', () => {
    expect(findCatalogFiles(['metadata/目录.xlsx', '归档文件目录.csv', '目录.csv', '目录.xlsx'])).toEqual([
      '目录.xlsx',
      '目录.csv',
      '归档文件目录.csv',
      'metadata/目录.xlsx',
    ]);
  });
});

describe('codeKey', () => {
  it('makes the ways people write a 档号 in a file name compare equal', () => {
    const key = codeKey('Z109-WS·2011·Y·BGS-0001');
    for (const s of [
      'Z109-WS.2011.Y.BGS-0001',
      'Z109_WS_2011_Y_BGS_0001',
      'z109-ws•2011•y•bgs-0001',
      'Z109－WS・2011・Y・BGS－0001',
    ]) {
      expect(codeKey(s)).toBe(key);
    }
    expect(codeKey('Z109-WS·2011·Y·BGS-0002')).not.toBe(key);
  });
});

describe('linkRecords', () => {
  const record = (fields: Record<string, string>) => ({ source: 'r', fields, files: [] });

  it('resolves 计算机文件名 relative to the catalog folder, and splits lists on ; | ；', () => {
    const files = ['files/a.pdf', 'files/b.pdf', 'x/c.pdf', 'y/c.pdf', 'metadata/目录.csv'];
    const [one, two, three] = linkRecords(
      [
        record({ 计算机文件名: '../files/a.pdf' }),
        record({ 计算机文件名: './files/a.pdf | /files/b.pdf；FILES/B.PDF' }),
        record({ 计算机文件名: 'c.pdf' }), // ends two package paths: ambiguous, kept as written
      ],
      files,
      'metadata/目录.csv',
      ['计算机文件名'],
    );
    expect(one?.files).toEqual(['files/a.pdf']);
    expect(two?.files).toEqual(['files/a.pdf', 'files/b.pdf']);
    expect(three?.files).toEqual(['c.pdf']);
  });

  it('falls back to the 档号 where the 计算机文件名 cell is empty, and never links the catalog itself', () => {
    const files = ['Z109-WS·2011·Y·BGS-0001.pdf', 'Z109-WS·2011·Y·BGS-0001', 'Z109-WS·2011·Y·BGS-00011.pdf'];
    const [r] = linkRecords([record({ 档号: 'Z109-WS·2011·Y·BGS-0001', 计算机文件名: '' })], files, 'x.csv', [
      '档号',
      '计算机文件名',
    ]);
    expect(r?.files).toEqual(['Z109-WS·2011·Y·BGS-0001', 'Z109-WS·2011·Y·BGS-0001.pdf']);
    const [none] = linkRecords([record({ 档号: '目录' })], ['目录.csv'], '目录.csv', ['档号']);
    expect(none?.files).toEqual([]);
  });
});
