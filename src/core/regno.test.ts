import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REGNO_PATTERN,
  assertRegno,
  formatRegno,
  parseRegno,
  regnoSeries,
  validateRegnoPattern,
} from './regno.js';
import { YinjiError } from './errors.js';

describe('registration numbers', () => {
  it('formats the default pattern with a zero-padded sequence', () => {
    expect(formatRegno(DEFAULT_REGNO_PATTERN, { center: 'ZJHZ', year: 2026, seq: 42 })).toBe('ZJHZ-2026-000042');
    expect(formatRegno('DJ{year}{seq:4}', { center: 'X', year: 2026, seq: 7 })).toBe('DJ20260007');
  });

  it('numbers restart when the series (e.g. the year) changes', () => {
    expect(regnoSeries(DEFAULT_REGNO_PATTERN, { center: 'ZJHZ', year: 2026 })).toBe('ZJHZ-2026-{seq}');
    expect(regnoSeries(DEFAULT_REGNO_PATTERN, { center: 'ZJHZ', year: 2027 })).not.toBe(
      regnoSeries(DEFAULT_REGNO_PATTERN, { center: 'ZJHZ', year: 2026 }),
    );
  });

  it('refuses patterns without a sequence or producing unsafe characters', () => {
    expect(() => validateRegnoPattern('{center}-{year}')).toThrow(YinjiError);
    expect(() => validateRegnoPattern('{center}/{seq}')).toThrow(/letters, digits/);
    expect(() => validateRegnoPattern(DEFAULT_REGNO_PATTERN)).not.toThrow();
  });

  it('accepts only safe registration numbers (they appear in paths and URLs)', () => {
    expect(assertRegno('ZJHZ-2026-000001')).toBe('ZJHZ-2026-000001');
    expect(() => assertRegno('../x')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
  });

  it('carries Chinese and English messages', () => {
    try {
      assertRegno('坏/号');
    } catch (e) {
      expect((e as YinjiError).text('zh')).toContain('不是有效的登记号');
      expect((e as YinjiError).text('en')).toContain('not a valid registration number');
    }
    expect.assertions(2);
  });
});

describe('parseRegno', () => {
  it('reads back the year and number a regno was made from', () => {
    const regno = formatRegno(DEFAULT_REGNO_PATTERN, { center: 'ZJ001', year: 2026, seq: 42 });
    expect(parseRegno(DEFAULT_REGNO_PATTERN, 'ZJ001', regno)).toEqual({ year: 2026, seq: 42 });
    expect(parseRegno('{center}.{seq}', 'A', 'A.1234567')).toEqual({ seq: 1234567 });
    expect(parseRegno(DEFAULT_REGNO_PATTERN, 'ZJ001', 'ZJ002-2026-000042')).toBeUndefined();
    expect(parseRegno(DEFAULT_REGNO_PATTERN, 'A.B', 'AxB-2026-000001')).toBeUndefined();
  });
});
