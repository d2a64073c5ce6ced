import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { YinjiError } from '../core/index.js';

/**
 * TrueType CJK fonts tried in order when neither `fontPath` nor
 * YINJI_CJK_FONT names one. Only plain `.ttf` files: pdf-lib cannot embed a
 * `.ttc` collection, and CFF-outline fonts (Noto CJK `.otf`) embed as a
 * broken font (STACK.md).
 */
// Droid Sans Fallback is NOT listed: pdf-lib's subsetter drops most of its CJK glyphs (the text
// still extracts, the page shows blanks — seen here rendering with pdftoppm). AR PL SungtiL GB
// (a Song/宋体 face, fitting for a certificate) subsets correctly to ~10 KB.
export const DEFAULT_CJK_FONT_PATHS: readonly string[] = ['/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf'];

export const FONT_ENV_VAR = 'YINJI_CJK_FONT';

export interface FontSearch {
  /** Explicit path; wins over everything else. Default: none. */
  readonly fontPath?: string;
  /** Environment to read YINJI_CJK_FONT from. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Fallback candidates. Default: DEFAULT_CJK_FONT_PATHS. */
  readonly candidates?: readonly string[];
}

const INSTALL_HINT = {
  zh: '请安装中文 TrueType 字体：apt-get install fonts-arphic-gbsn00lp，或用环境变量 YINJI_CJK_FONT 指定一个 .ttf 文件（不支持 .ttc 与 Noto CJK .otf）',
  en: 'install a Chinese TrueType font: apt-get install fonts-arphic-gbsn00lp, or name a .ttf file in YINJI_CJK_FONT (.ttc and Noto CJK .otf do not work)',
};

/**
 * The font file the certificate will embed. An explicitly named path that
 * does not exist is an error rather than a silent fallback: an operator who
 * configured a font expects that font on the certificates.
 */
export function resolveCjkFontPath(search: FontSearch = {}): string {
  const env = search.env ?? process.env;
  const explicit = search.fontPath ?? nonEmpty(env[FONT_ENV_VAR]);
  if (explicit !== undefined) {
    if (existsSync(explicit)) return explicit;
    throw fontMissing([explicit]);
  }
  const candidates = search.candidates ?? DEFAULT_CJK_FONT_PATHS;
  const found = candidates.find((p) => existsSync(p));
  if (found !== undefined) return found;
  throw fontMissing(candidates);
}

/** Read the font and refuse formats pdf-lib embeds badly, before pdf-lib sees them. */
export async function loadCjkFont(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  const trueType = tag === '\u0000\u0001\u0000\u0000' || tag === 'true';
  if (!trueType) {
    const kind = tag === 'ttcf' ? 'TrueType collection (.ttc)' : tag === 'OTTO' ? 'CFF/OpenType (.otf)' : 'unknown';
    throw new YinjiError(
      'E_FONT_UNSUPPORTED',
      {
        zh: `字体格式不受支持（${kind}）：${path}。${INSTALL_HINT.zh}`,
        en: `unsupported font format (${kind}): ${path}. ${INSTALL_HINT.en}`,
      },
      { details: { path, kind } },
    );
  }
  return bytes;
}

function fontMissing(tried: readonly string[]): YinjiError {
  return new YinjiError(
    'E_FONT_MISSING',
    {
      zh: `找不到用于登记证明的中文字体（已查找：${tried.join('、')}）。${INSTALL_HINT.zh}`,
      en: `no Chinese font for the registration certificate (looked for: ${tried.join(', ')}). ${INSTALL_HINT.en}`,
    },
    { details: { tried } },
  );
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}
