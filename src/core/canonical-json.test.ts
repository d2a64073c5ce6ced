import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('RFC 8785 canonical JSON', () => {
  it('reproduces the example of RFC 8785 §3.2.2 / appendix', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts member names by UTF-16 code units, as §3.2.3 example does', () => {
    // RFC 8785 §3.2.3: "\u20ac" (€), "\r", "\ud83d\ude00" (😀), "1", "\u0080", "\u00f6" (ö)
    const input = {
      '€': 'Euro Sign',
      '\r': 'Carriage Return',
      '😀': 'Emoji',
      '1': 'One',
      '\u0080': 'Control',
      ö: 'Latin',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin","€":"Euro Sign","😀":"Emoji"}',
    );
  });

  it('keeps Chinese text as is, omits undefined members and refuses non-JSON values', () => {
    expect(canonicalJson({ 题名: '往来文书', b: undefined, a: [1, 2] })).toBe('{"a":[1,2],"题名":"往来文书"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
  });
});
