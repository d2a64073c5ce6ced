import { describe, expect, it } from 'vitest';
import {
  archivalCodeSeries,
  formatArchivalCode,
  parseArchivalCode,
  type ArchivalCodeGrammar,
  type ArchivalCodeProblemKind,
} from './archival-code.js';

const G: ArchivalCodeGrammar = { maxYear: 2026 };
const kinds = (code: string, grammar: ArchivalCodeGrammar = G): ArchivalCodeProblemKind[] => {
  const r = parseArchivalCode(code, grammar);
  return r.ok ? [] : r.problems.map((p) => p.kind);
};

describe('parseArchivalCode: good codes', () => {
  it('reads the DA/T 13-2022 example into its parts', () => {
    const r = parseArchivalCode('Z109-WS·2011·Y·BGS-0001', G);
    expect(r).toEqual({
      ok: true,
      code: {
        fonds: 'Z109',
        recordClass: 'WS',
        year: 2011,
        retention: 'Y',
        department: 'BGS',
        item: '0001',
        itemNumber: 1,
        form: 'DA/T 13-2022',
        normalized: 'Z109-WS·2011·Y·BGS-0001',
      },
    });
  });

  it.each([
    [
      'J001-WS·2019·D30·CWK-0125',
      { fonds: 'J001', recordClass: 'WS', year: 2019, retention: 'D30', department: 'CWK', itemNumber: 125 },
    ],
    ['X012-KU·2020·D10·PZ-0031', { recordClass: 'KU', retention: 'D10', department: 'PZ', itemNumber: 31 }],
    ['0427-ZP·1998·Y-0007', { fonds: '0427', recordClass: 'ZP', year: 1998, itemNumber: 7 }],
    ['Z109-SJ·2024·Y·GJJ-12345', { recordClass: 'SJ', itemNumber: 12345, item: '12345' }],
    ['Z109-YJ·2022·D30·001-0002', { recordClass: 'YJ', department: '001' }],
    ['Z109-WY·2023·D10·XXZX-0001', { recordClass: 'WY', department: 'XXZX' }],
    ['Z109-MT·2021·D10-0009', { recordClass: 'MT', retention: 'D10', itemNumber: 9 }],
    ['A1-LX·1950·Y·XCB-0010', { fonds: 'A1', recordClass: 'LX', year: 1950 }],
    ['Z109-LY·2005·Y·BGS-0003', { recordClass: 'LY' }],
    ['Z109-RS·2016·Y·RSK-0002', { recordClass: 'RS' }],
    ['Z109-ZY·2017·D30·JCK-0044', { recordClass: 'ZY' }],
    ['Z109-SW·2000·Y-0001', { recordClass: 'SW' }],
    ['Z109-KJ·2011·Y·JJ·XM01-0001', { recordClass: 'KJ', department: 'JJ·XM01' }],
  ])('%s', (input, parts) => {
    const r = parseArchivalCode(input, G);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.code).toMatchObject(parts);
    expect(r.code?.normalized).toBe(input);
    if (!input.includes('D10-')) return;
    expect(r.code && 'department' in r.code).toBe(false);
  });

  it('reads the volume level 全宗号-类别号-案卷号-件号', () => {
    const r = parseArchivalCode('Z109-KJ·2011·Y-0003-0012', G);
    expect(r.ok).toBe(true);
    expect(r.code).toMatchObject({ volume: '0003', volumeNumber: 3, item: '0012', itemNumber: 12 });
    expect(r.code && archivalCodeSeries(r.code)).toBe('Z109-KJ·2011·Y-0003');
    const d = parseArchivalCode('Z109-KJ·2011·Y·SBK-0003-0012', G);
    expect(d.code).toMatchObject({ department: 'SBK', volume: '0003', itemNumber: 12 });
  });

  it('accepts the DA/T 22-2015 form and says which form it was', () => {
    const r = parseArchivalCode('Z109-WS·2011-Y-BGS-0001', G);
    expect(r.ok).toBe(true);
    expect(r.code).toMatchObject({ retention: 'Y', department: 'BGS', form: 'DA/T 22-2015' });
    expect(r.code?.normalized).toBe('Z109-WS·2011·Y·BGS-0001');
    const short = parseArchivalCode('Z109-WS·2011-D30-0001', G);
    expect(short.code).toMatchObject({ retention: 'D30', form: 'DA/T 22-2015' });
    expect(short.code && 'department' in short.code).toBe(false);
    expect(kinds('Z109-WS·2011-Y-BGS-0001', { ...G, acceptDaT22: false })).toEqual(['form']);
  });

  it('formats and groups a code into its series', () => {
    const base = { fonds: 'Z109', recordClass: 'WS', year: 2011, retention: 'Y' as const, item: '0001' };
    expect(formatArchivalCode(base)).toBe('Z109-WS·2011·Y-0001');
    expect(archivalCodeSeries({ ...base, department: 'BGS' })).toBe('Z109-WS·2011·Y·BGS');
  });
});

describe('parseArchivalCode: look-alikes are read but reported', () => {
  it.each([
    ['Z109-WS•2011•Y•BGS-0001', '\u2022'],
    ['Z109-WS・2011・Y・BGS-0001', '\u30fb'],
    ['Z109-WS.2011.Y.BGS-0001', '.'],
    ['Z109－WS·2011·Y·BGS－0001', '\uff0d'],
    ['Z109–WS·2011·Y·BGS–0001', '\u2013'],
  ])('%s', (input, ch) => {
    const r = parseArchivalCode(input, G);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map((p) => p.kind)).toEqual(['lookalike']);
    expect(r.ok ? '' : r.problems[0]?.en).toContain(ch);
    expect(r.ok ? '' : r.problems[0]?.zh).toContain('U+');
    expect(r.code?.normalized).toBe('Z109-WS·2011·Y·BGS-0001');
  });

  it('reports class parts joined by hyphens, still reading the code', () => {
    const r = parseArchivalCode('Z109-WS-2011-Y-BGS-0001', G);
    expect(kinds('Z109-WS-2011-Y-BGS-0001')).toEqual(['lookalike']);
    expect(r.code?.normalized).toBe('Z109-WS·2011·Y·BGS-0001');
    expect(parseArchivalCode('Z109-WS-2011-Y-0001', G).code?.department).toBeUndefined();
    expect(parseArchivalCode('Z109-KJ-2011-Y-0003-0001', G).code).toMatchObject({ volume: '0003' });
  });

  it('reports full-width characters, lower case and spaces', () => {
    expect(kinds('Ｚ１０９-ＷＳ·２０１１·Y·BGS-０００１')).toEqual(['full-width']);
    expect(kinds('z109-ws·2011·y·bgs-0001')).toEqual(['lower-case']);
    expect(kinds('Z109 - WS·2011·Y·BGS - 0001')).toEqual(['whitespace']);
    expect(parseArchivalCode('z109-ws·2011·y·bgs-0001', G).code?.normalized).toBe('Z109-WS·2011·Y·BGS-0001');
  });
});

describe('parseArchivalCode: bad codes', () => {
  it.each<[string, ArchivalCodeProblemKind[]]>([
    ['', ['empty']],
    ['   ', ['empty']],
    ['Z109-WS·2011·Y·BGS', ['structure']],
    ['Z109-0001', ['structure']],
    ['WS·2011·Y·BGS-0001', ['structure']],
    ['Z109--WS·2011·Y·BGS-0001', ['structure']],
    ['Z109-WS·2011·Y·BGS-0001-', ['structure']],
    ['Z109-WS·2011·Y·BGS·0001', ['structure']],
    ['Z109·WS·2011·Y·BGS-0001', ['structure']],
    ['Z109-WS·2011-Y·BGS-0001', ['structure']],
    ['Z109-WS·2011·Y-BGS-0002-0003-0001', ['structure']],
    ['Z109-WS·2011·Y·办公室-0001', ['character']],
    ['Z109-文书·2011·永久-0001', ['character']],
    ['Z109-WS·2011·Y·BGS-0001/', ['character']],
    ['Z109-XX·2011·Y·BGS-0001', ['record-class']],
    ['Z109-WS·11·Y·BGS-0001', ['year']],
    ['Z109-WS·1899·Y·BGS-0001', ['year']],
    ['Z109-WS·2031·Y·BGS-0001', ['year']],
    ['Z109-WS·2011·D20·BGS-0001', ['retention']],
    ['Z109-WS·2011·C·BGS-0001', ['obsolete-retention']],
    ['Z109-WS·2001·D·BGS-0001', ['obsolete-retention']],
    ['Z109-WS·2011·Y·BGS-1', ['item']],
    ['Z109-WS·2011·Y·BGS-001', ['item']],
    ['Z109-WS·2011·Y·BGS-00001', ['item']],
    ['Z109-WS·2011·Y·BGS-0000', ['item']],
    ['Z109-WS·2011·Y·BGS-00A1', ['item']],
    ['Z109-KJ·2011·Y-3-0012', ['volume']],
    ['Z1234567890X-WS·2011·Y·BGS-0001', ['fonds']],
    ['Z109-WS·2011·Y·ABCDEFGHIJK-0001', ['department']],
    ['z109-XX·2011·Y·BGS-1', ['lower-case', 'record-class', 'item']],
  ])('%j → %j', (input, expected) => {
    expect(kinds(input)).toEqual(expected);
  });

  it('gives bilingual reasons', () => {
    const r = parseArchivalCode('Z109-XX·2011·Y·BGS-0001', G);
    expect(r.ok).toBe(false);
    const problem = r.ok ? undefined : r.problems[0];
    expect(problem?.zh).toContain('门类代码 “XX”');
    expect(problem?.en).toContain('record class "XX"');
  });

  it('keeps the best reading of a code whose values are wrong, none of one it cannot split', () => {
    expect(parseArchivalCode('Z109-XX·2011·Y·BGS-0001', G).code?.recordClass).toBe('XX');
    expect(parseArchivalCode('Z109-WS·2011·Y·BGS', G).code).toBeUndefined();
    expect(parseArchivalCode('Z109-WS·2011·Q·BGS-0001', G).code).toBeUndefined();
  });
});

describe('parseArchivalCode: a center configures its grammar', () => {
  it('a center whose codes have no department part', () => {
    const g: ArchivalCodeGrammar = { ...G, department: 'none' };
    expect(kinds('Z109-WS·2011·Y-0001', g)).toEqual([]);
    expect(kinds('Z109-WS·2011·Y·BGS-0001', g)).toEqual(['department']);
    // Hyphens only, no department: the fourth part is a volume number.
    expect(parseArchivalCode('Z109-WS-2011-Y-0003-0001', g).code).toMatchObject({ volume: '0003' });
  });

  it('a center that requires the department part', () => {
    expect(kinds('Z109-WS·2011·Y-0001', { ...G, department: 'required' })).toEqual(['department']);
  });

  it('a center that uses volumes only, or items only', () => {
    expect(kinds('Z109-WS·2011·Y·BGS-0001', { ...G, levels: ['volume'] })).toEqual(['volume']);
    expect(kinds('Z109-WS·2011·Y·BGS-0002-0001', { ...G, levels: ['volume'] })).toEqual([]);
    expect(kinds('Z109-WS·2011·Y·BGS-0002-0001', { ...G, levels: ['item'] })).toEqual(['structure']);
  });

  it('other classes, years and paddings', () => {
    expect(kinds('Z109-JJ·2011·Y-0001', { ...G, recordClasses: ['JJ'] })).toEqual([]);
    expect(kinds('Z109-WS·1930·Y-0001', { ...G, minYear: 1949 })).toEqual(['year']);
    expect(kinds('Z109-WS·2011·Y-1', { ...G, itemDigits: 0 })).toEqual([]);
    expect(kinds('Z109-WS·2011·Y-001', { ...G, itemDigits: 3 })).toEqual([]);
  });
});
