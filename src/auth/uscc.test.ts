import { describe, expect, it } from 'vitest';
import { organisationCheckCharacter, usccCheckCharacter, USCC_CHARSET, validateUscc } from './uscc.js';

/**
 * Codes as printed on public registries and business licences (known-answer
 * vectors from outside): Tencent's Shenzhen company, Huawei Technologies,
 * Alibaba (China), and Xiamen entities listed in a public validator's sample
 * (02020/vite learn/utils/validateSocialCreditCode.js), covering both
 * old organisation codes and the post-2015 "MA…" codes.
 */
const PUBLISHED = [
  ['91440300708461136T', '9', '1', '440300'], // 深圳市腾讯计算机系统有限公司
  ['914403001922038216', '9', '1', '440300'], // 华为技术有限公司
  ['91330100716105852F', '9', '1', '330100'], // 阿里巴巴（中国）有限公司
  ['123502001549897397', '1', '2', '350200'], // a Xiamen public institution (事业单位)
  ['91350200MA2YJ1XR9G', '9', '1', '350200'],
  ['9135021359498494XQ', '9', '1', '350213'],
  ['91350213678251743X', '9', '1', '350213'],
] as const;

describe('validateUscc', () => {
  it.each(PUBLISHED)('accepts the published code %s', (code, authority, type, division) => {
    const r = validateUscc(code);
    expect(r).toMatchObject({
      ok: true,
      parts: {
        code,
        registrationAuthority: { code: authority },
        organisationType: { code: type },
        division,
        organisationCode: code.slice(8, 17),
        checkCharacter: code[17],
      },
    });
  });

  it('names the authority and type in both languages', () => {
    const r = validateUscc('91440300708461136T');
    if (!r.ok) throw new Error('expected ok');
    expect(r.parts.registrationAuthority.name.zh).toBe('工商');
    expect(r.parts.organisationType.name).toEqual({ zh: '企业', en: 'enterprise' });
  });

  it('uses the 31-character set and the 3^i mod 31 weights of GB 32100', () => {
    expect(USCC_CHARSET).toHaveLength(31);
    for (const banned of 'IOZSV') expect(USCC_CHARSET).not.toContain(banned);
    expect(usccCheckCharacter('91440300708461136')).toBe('T');
    expect(organisationCheckCharacter('70846113')).toBe('6');
    // GB 11714 writes a check value of 10 as X.
    expect(organisationCheckCharacter('67825174')).toBe('3');
    expect(organisationCheckCharacter('59498494')).toBe('X');
  });

  const problemsOf = (code: string): string[] => {
    const r = validateUscc(code);
    if (r.ok) throw new Error(`${code} was accepted`);
    return r.problems.map((p) => p.en);
  };

  it.each([
    ['wrong length', '91440300708461136', /18 characters; .* has 17/],
    ['lower case', '91440300708461136t', /not allowed: t/],
    ['banned letter O', '9144030070846113O6', /not allowed: O/],
    ['full-width digit', '９1440300708461136T', /not allowed/],
  ])('refuses %s', (_, code, message) => {
    expect(problemsOf(code).join('\n')).toMatch(message);
  });

  it('refuses a mistyped character through the final check character', () => {
    // One digit of Tencent's code changed: the organisation check and the final check both catch it.
    const problems = problemsOf('91440300708461137T');
    expect(problems.some((p) => p.includes('check character (18th) should be'))).toBe(true);
    // Only the last character wrong.
    expect(problemsOf('91440300708461136U')).toEqual([
      'the check character (18th) should be T, not U (a character may be mistyped)',
    ]);
  });

  it('refuses an organisation code whose own GB 11714 check character is wrong, even with a valid final check', () => {
    const first17 = '914403007084611' + '3' + '7'; // organisation code 708461137: check should be 6
    const code = first17 + usccCheckCharacter(first17);
    expect(problemsOf(code)).toEqual([
      'the organisation code "708461137" (characters 9–17) should end in check character 6',
    ]);
  });

  it('refuses an unknown authority, a type the authority does not register and a bad division', () => {
    const craft = (first17: string): string => first17 + usccCheckCharacter(first17);
    expect(problemsOf(craft('B1440300708461136')).join()).toMatch(/registration authority code "B"/);
    // 工商 (9) registers types 1–3 only.
    expect(problemsOf(craft('99440300708461136')).join()).toMatch(/organisation type "9"/);
    expect(problemsOf(craft('91990300708461136')).join()).toMatch(/"990300" are not a GB\/T 2260/);
    expect(problemsOf(craft('9144A300708461136')).join()).toMatch(/"44A300"/);
  });

  it('reports every problem at once', () => {
    expect(problemsOf('B9990300708461137T')).toHaveLength(4);
  });
});
