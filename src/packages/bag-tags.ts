import { InvalidInputError } from '../core/errors.js';
import { digestBuffer, type DigestAlgorithm } from '../digest/index.js';
import { formatManifest, formatTagFile } from './bag-text.js';

/** bag-info.txt inputs (RFC 8493 §2.2.2). */
export interface BagInfoOptions {
  readonly bagInfo?: Readonly<Record<string, string | readonly string[]>>;
  readonly now?: () => Date;
}

const COMPUTED = new Set(['payload-oxum', 'bagging-date', 'bag-size']);

function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[i]}`;
}

function localDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function bagInfoFields(options: BagInfoOptions, bytes: number, count: number): [string, string][] {
  const fields: [string, string][] = [];
  let agent = false;
  for (const [label, value] of Object.entries(options.bagInfo ?? {})) {
    if (!/^[^:\s](?:[^:\r\n]*[^:\s])?$/.test(label)) {
      throw new InvalidInputError({ zh: `bag-info 标签不合法：“${label}”`, en: `invalid bag-info label: "${label}"` });
    }
    if (COMPUTED.has(label.toLowerCase())) continue;
    if (label.toLowerCase() === 'bag-software-agent') agent = true;
    for (const v of typeof value === 'string' ? [value] : value) fields.push([label, v]);
  }
  if (!agent) fields.push(['Bag-Software-Agent', 'Yinji']);
  fields.push(['Bagging-Date', localDate((options.now ?? (() => new Date()))())]);
  fields.push(['Bag-Size', humanSize(bytes)]);
  // RFC 8493 §2.2.2: Payload-Oxum is "octetcount.streamcount".
  fields.push(['Payload-Oxum', `${bytes}.${count}`]);
  return fields;
}

/** Tag files in write order, plus tag manifests over them (RFC 8493 §2.2.1). */
export function tagFiles(
  manifests: Map<DigestAlgorithm, Map<string, string>>,
  info: [string, string][],
): [string, Buffer][] {
  const tags: [string, Buffer][] = [
    ['bagit.txt', Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')],
    ['bag-info.txt', Buffer.from(formatTagFile(info))],
  ];
  for (const [alg, entries] of manifests) tags.push([`manifest-${alg}.txt`, Buffer.from(formatManifest(entries))]);
  const out = [...tags];
  for (const alg of manifests.keys()) {
    out.push([`tagmanifest-${alg}.txt`, Buffer.from(formatManifest(tags.map(([n, b]) => [n, digestBuffer(b, alg)])))]);
  }
  return out;
}
