import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Message } from '../core/errors.js';
import { isDigestAlgorithm, isWellFormedDigest, type DigestAlgorithm } from '../digest/index.js';

/** One problem found in a bag: a violation makes it invalid, a warning does not. */
export interface BagFinding {
  readonly code: string;
  readonly message: Message;
  readonly path?: string;
}

/** RFC 8493 §2.1.3: CR, LF and '%' in a manifest path are percent-encoded ('%' first, so it is not re-encoded). */
export function encodeManifestPath(path: string): string {
  return path.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function decodeManifestPath(path: string): string {
  return path.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

/** `manifest-sha256.txt` → 'sha256'; tag manifests with `tag` = true. */
export function manifestAlgorithm(fileName: string, tag: boolean): string | undefined {
  const m = (tag ? /^tagmanifest-([a-z0-9]+)\.txt$/ : /^manifest-([a-z0-9]+)\.txt$/).exec(fileName);
  return m?.[1];
}

export function formatManifest(entries: Iterable<readonly [string, string]>): string {
  const lines = [...entries].map(([path, hex]) => `${hex}  ${encodeManifestPath(path)}\n`);
  return lines.sort().join('');
}

export interface ParsedManifest {
  /** Decoded path → lower-case hex. */
  readonly entries: Map<string, string>;
  readonly problems: BagFinding[];
}

/**
 * Read a manifest line by line (it may list millions of files). §2.1.3: each
 * line is a checksum, one or more linear whitespace characters, a path; lines
 * end in LF, CR or CRLF (readline accepts all three).
 */
export async function readManifest(file: string, name: string, algorithm: DigestAlgorithm): Promise<ParsedManifest> {
  const entries = new Map<string, string>();
  const problems: BagFinding[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line === '') continue;
    const m = /^(\S+)[ \t]+(.*\S.*)$/.exec(line);
    const hex = m?.[1]?.toLowerCase();
    if (m === null || hex === undefined || m[2] === undefined || !isWellFormedDigest(algorithm, hex)) {
      problems.push({
        code: 'BAG_MALFORMED_MANIFEST_LINE',
        message: {
          zh: `${name} 第 ${n} 行格式错误（应为“校验值 路径”，校验值为 ${algorithm} 十六进制）`,
          en: `${name} line ${n} is malformed (expected "<${algorithm} hex> <path>")`,
        },
        path: name,
      });
      continue;
    }
    const path = decodeManifestPath(m[2]);
    if (entries.has(path)) {
      problems.push({
        code: 'BAG_DUPLICATE_MANIFEST_ENTRY',
        message: { zh: `${name} 重复列出了“${path}”`, en: `${name} lists "${path}" more than once` },
        path,
      });
      continue;
    }
    entries.set(path, hex);
  }
  return { entries, problems };
}

export { isDigestAlgorithm };

/**
 * Tag file "Label: value" lines (RFC 8493 §2.2.2), continuation lines start
 * with whitespace. Returns fields in order (labels may repeat) and the numbers
 * of malformed lines.
 */
export function parseTagFile(text: string): { fields: [string, string][]; badLines: number[] } {
  const fields: [string, string][] = [];
  const badLines: number[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last !== undefined) {
      last[1] = `${last[1]} ${line.trim()}`;
      return;
    }
    const m = /^([^:\s][^:]*?):[ \t]*(.*)$/.exec(line);
    if (m === null || m[1] === undefined || m[2] === undefined || /\s$/.test(m[1])) badLines.push(i + 1);
    else fields.push([m[1], m[2]]);
  });
  return { fields, badLines };
}

/** Format tag file lines; line breaks in a value become continuation lines (§2.2.2). */
export function formatTagFile(fields: Iterable<readonly [string, string]>): string {
  let out = '';
  for (const [label, value] of fields) out += `${label}: ${value.split(/\r\n|\r|\n/).join('\n  ')}\n`;
  return out;
}
