import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { decodeManifestPath, parseTagFile, type BagFinding } from './bag-text.js';
import { decodeUtf8Strict } from './name-encoding.js';

export function finding(code: string, zh: string, en: string, path?: string): BagFinding {
  return path === undefined ? { code, message: { zh, en } } : { code, message: { zh, en }, path };
}

/** A manifest path that is absolute, has a drive letter or climbs out with '..' (RFC 8493 §7.2 "file path injection"). */
export function escapes(path: string): boolean {
  if (path.startsWith('/') || path.startsWith('\\') || /^[a-zA-Z]:/.test(path) || path.includes('\u0000')) return true;
  const norm = posix.normalize(path.replace(/\\/g, '/'));
  return norm === '..' || norm.startsWith('../') || path.split(/[\\/]/).includes('..');
}

/**
 * bagit.txt (§2.1.1): exactly "BagIt-Version: M.N" then
 * "Tag-File-Character-Encoding: ENC", UTF-8 without a byte-order mark.
 */
export async function checkBagitTxt(
  root: string,
  present: boolean,
  violations: BagFinding[],
  warnings: BagFinding[],
): Promise<void> {
  if (!present) {
    violations.push(finding('BAG_NO_BAGIT_TXT', '缺少 bagit.txt', 'bagit.txt is missing', 'bagit.txt'));
    return;
  }
  const bytes = await readFile(join(root, 'bagit.txt'));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    violations.push(
      finding(
        'BAG_BOM',
        'bagit.txt 不得以字节序标记（BOM）开头',
        'bagit.txt must not start with a byte-order mark',
        'bagit.txt',
      ),
    );
  }
  const text = decodeUtf8Strict(bytes)?.replace(/^\uFEFF/, '');
  const lines =
    text === undefined ? [] : text.split(/\r\n|\r|\n/).filter((l, i, all) => !(l === '' && i === all.length - 1));
  const version = /^BagIt-Version: (\d+)\.(\d+)$/.exec(lines[0] ?? '');
  if (version === null) {
    violations.push(
      finding(
        'BAG_BAD_VERSION_LINE',
        'bagit.txt 第一行应为“BagIt-Version: 1.0”',
        'the first line of bagit.txt must be "BagIt-Version: 1.0"',
        'bagit.txt',
      ),
    );
  } else if (version[1] !== '1' && !(version[1] === '0' && Number(version[2]) >= 93)) {
    violations.push(
      finding(
        'BAG_UNSUPPORTED_VERSION',
        `不支持的 BagIt 版本 ${version[1]}.${version[2]}`,
        `unsupported BagIt version ${version[1]}.${version[2]}`,
        'bagit.txt',
      ),
    );
  } else if (version[1] === '0') {
    warnings.push(
      finding(
        'BAG_OLD_VERSION',
        `BagIt 版本 ${version[1]}.${version[2]} 早于 1.0`,
        `BagIt version ${version[1]}.${version[2]} predates 1.0`,
        'bagit.txt',
      ),
    );
  }
  const encoding = /^Tag-File-Character-Encoding: (\S+)$/.exec(lines[1] ?? '');
  if (encoding === null) {
    violations.push(
      finding(
        'BAG_BAD_ENCODING_LINE',
        'bagit.txt 第二行应为“Tag-File-Character-Encoding: UTF-8”',
        'the second line of bagit.txt must be "Tag-File-Character-Encoding: UTF-8"',
        'bagit.txt',
      ),
    );
  } else if (encoding[1]?.toUpperCase() !== 'UTF-8') {
    violations.push(
      finding(
        'BAG_UNSUPPORTED_ENCODING',
        `仅支持 UTF-8 标签文件（声明为 ${encoding[1]}）`,
        `only UTF-8 tag files are supported (declared ${encoding[1]})`,
        'bagit.txt',
      ),
    );
  }
  if (lines.length > 2) {
    violations.push(
      finding('BAG_BAD_BAGIT_TXT', 'bagit.txt 只能有两行', 'bagit.txt must have exactly two lines', 'bagit.txt'),
    );
  }
}

/** bag-info.txt (§2.2.2): well-formed lines, and Payload-Oxum equal to what is on disk. */
export async function checkOxum(
  root: string,
  present: boolean,
  bytes: number,
  count: number,
  incomplete: boolean,
  violations: BagFinding[],
  warnings: BagFinding[],
): Promise<void> {
  if (!present) return;
  const text = decodeUtf8Strict(await readFile(join(root, 'bag-info.txt')));
  if (text === undefined) {
    violations.push(
      finding('BAG_TAG_FILE_ENCODING', 'bag-info.txt 不是 UTF-8', 'bag-info.txt is not UTF-8', 'bag-info.txt'),
    );
    return;
  }
  const { fields, badLines } = parseTagFile(text);
  for (const n of badLines) {
    violations.push(
      finding(
        'BAG_MALFORMED_TAG_LINE',
        `bag-info.txt 第 ${n} 行不是“标签: 值”格式`,
        `bag-info.txt line ${n} is not "Label: value"`,
        'bag-info.txt',
      ),
    );
  }
  const oxums = fields.filter(([l]) => l.toLowerCase() === 'payload-oxum');
  if (oxums.length === 0) return;
  const oxum = /^(\d+)\.(\d+)$/.exec(oxums[0]?.[1].trim() ?? '');
  if (oxums.length > 1 || oxum === null) {
    violations.push(
      finding(
        'BAG_BAD_OXUM',
        'Payload-Oxum 格式错误或重复（应为“字节数.文件数”）',
        'Payload-Oxum is malformed or repeated (expected "octets.count")',
        'bag-info.txt',
      ),
    );
    return;
  }
  if (Number(oxum[1]) !== bytes || Number(oxum[2]) !== count) {
    const f = finding(
      'BAG_OXUM_MISMATCH',
      `Payload-Oxum 为 ${oxum[1]}.${oxum[2]}，实际载荷为 ${bytes}.${count}`,
      `Payload-Oxum says ${oxum[1]}.${oxum[2]} but the payload is ${bytes}.${count}`,
      'bag-info.txt',
    );
    (incomplete ? warnings : violations).push(f);
  }
}

/** fetch.txt (§2.2.3): "url length filepath" per line. */
export function parseFetch(text: string): { paths: Set<string>; problems: BagFinding[] } {
  const paths = new Set<string>();
  const problems: BagFinding[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    if (line === '') return;
    const m = /^(\S+)[ \t]+(\d+|-)[ \t]+(.+)$/.exec(line);
    if (m === null || m[3] === undefined) {
      problems.push(
        finding(
          'BAG_MALFORMED_FETCH_LINE',
          `fetch.txt 第 ${i + 1} 行格式错误`,
          `fetch.txt line ${i + 1} is malformed`,
          'fetch.txt',
        ),
      );
      return;
    }
    const path = decodeManifestPath(m[3]);
    if (escapes(path) || !path.startsWith('data/')) {
      problems.push(
        finding(
          'BAG_PATH_ESCAPE',
          `fetch.txt 中的路径不在 data/ 内：“${path}”`,
          `fetch.txt path is outside data/: "${path}"`,
          path,
        ),
      );
      return;
    }
    paths.add(path);
  });
  return { paths, problems };
}
