import { expect, it } from 'vitest';
import { indexTokens, normalizeText, textRuns } from './analyze.js';

it('folds traditional (Taiwan and Hong Kong forms), full-width and case, and leaves simplified text alone', () => {
  expect(normalizeText('關於印發臺灣醫療保險辦法')).toBe('关于印发台湾医疗保险办法');
  expect(normalizeText('後來')).toBe('后来');
  expect(normalizeText('ＷＳ·２０２０')).toBe('ws·2020');
  // Already simplified, including characters that are also traditional forms elsewhere: unchanged.
  for (const s of ['关于印发临安区2019年城乡居民医疗保险实施办法的通知', '于是乎', '乾隆皇帝', '会计凭证', '🏯档案']) {
    expect(normalizeText(s)).toBe(s);
  }
});

it('cuts Han text into bigrams and letter/digit runs into whole tokens, in order', () => {
  expect(textRuns(normalizeText('J003-WS·2019年城乡'))).toEqual([
    { kind: 'word', text: 'j003' },
    { kind: 'word', text: 'ws' },
    { kind: 'word', text: '2019' },
    { kind: 'han', text: '年城乡' },
  ]);
  expect(indexTokens('临人社发〔2019〕42号')).toEqual(['临人', '人社', '社发', '2019', '42', '号']);
  expect(indexTokens('醫療')).toEqual(['医疗']);
  expect(indexTokens('')).toEqual([]);
});
