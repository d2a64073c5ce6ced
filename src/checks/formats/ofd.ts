import { posix } from 'node:path';
import type { Message } from '../../core/index.js';
import { problem, verdict, type Findings } from './format-info.js';
import { checkEntryXml, type ZipIndex } from './zip-index.js';

/** The OFD namespace (GB/T 33190-2016 §7.1). */
export const OFD_NS = 'http://www.ofdspec.org/2016';
const MAX_MISSING = 3;

/**
 * A path inside an OFD package (GB/T 33190-2016 §7.5): absolute from the
 * package root when it starts with "/", otherwise relative to the directory
 * of the file that names it.
 */
export function resolveOfdPath(from: string, target: string): string {
  const t = target.trim().replace(/\\/g, '/');
  const joined = t.startsWith('/') ? t : posix.join(posix.dirname(from), t);
  return posix.normalize(joined).replace(/^(\.\/|\/)+/, '');
}

/** OFD.xml: its root element, version, document type and every DocBody's DocRoot. */
async function readEntryFile(index: ZipIndex, signal: AbortSignal | undefined) {
  let root: { local: string; uri: string } | undefined;
  let version: string | undefined;
  let docType: string | undefined;
  const docRoots: string[] = [];
  const stack: string[] = [];
  let text = '';
  const problems = await checkEntryXml(
    index,
    'OFD.xml',
    {
      onOpen: (tag) => {
        if (root === undefined) {
          root = { local: tag.local, uri: tag.uri };
          version = tag.attributes.Version?.value;
          docType = tag.attributes.DocType?.value;
        }
        stack.push(tag.local);
        text = '';
      },
      onText: (t) => {
        text += t;
      },
      onClose: (tag) => {
        if (tag.local === 'DocRoot' && stack.at(-2) === 'DocBody') docRoots.push(text.trim());
        stack.pop();
      },
    },
    signal,
  );
  return { problems, root, version, docType, docRoots };
}

/** Document.xml: the files it names (pages, resources) that must exist in the package. */
async function checkDocument(index: ZipIndex, path: string, signal: AbortSignal | undefined): Promise<Message[]> {
  const named: string[] = [];
  let rootLocal: string | undefined;
  let text = '';
  const problems = await checkEntryXml(
    index,
    path,
    {
      onOpen: (tag) => {
        rootLocal ??= tag.local;
        if (tag.local === 'Page' && tag.attributes.BaseLoc) named.push(tag.attributes.BaseLoc.value);
        text = '';
      },
      onText: (t) => {
        text += t;
      },
      onClose: (tag) => {
        if (tag.local === 'PublicRes' || tag.local === 'DocumentRes') named.push(text);
      },
    },
    signal,
  );
  if (problems.length > 0) return problems;
  if (rootLocal !== 'Document') {
    return [problem(`${path} 的根元素不是 ofd:Document`, `the root element of ${path} is not ofd:Document`)];
  }
  const missing = named.map((n) => resolveOfdPath(path, n)).filter((p) => p !== '' && !index.entries.has(p));
  return missing
    .slice(0, MAX_MISSING)
    .map((p) => problem(`${path} 引用的 ${p} 不存在`, `${p}, named in ${path}, is missing`));
}

/**
 * OFD (GB/T 33190-2016 §7): a zip whose root holds OFD.xml, an ofd:OFD
 * element naming in each DocBody a DocRoot — the Document.xml of one
 * document — which must exist, parse, and name pages and resources that
 * exist. Entries are streamed through the XML parser, never held whole.
 */
export async function probeOfd(index: ZipIndex, signal: AbortSignal | undefined): Promise<Findings> {
  const base = { format: 'ofd', encrypted: index.encrypted };
  if (index.entries.get('OFD.xml')?.isEncrypted()) return { ...base, valid: undefined, problems: [] };
  const main = await readEntryFile(index, signal);
  const name = main.docType === 'OFD-A' ? 'OFD-A (GB/T 33190)' : undefined;
  const meta = { ...base, ...(main.version ? { version: main.version } : {}), ...(name ? { name } : {}) };
  if (main.problems.length > 0) return { ...meta, ...verdict(main.problems) };
  if (main.root?.local !== 'OFD' || main.root.uri !== OFD_NS) {
    return {
      ...meta,
      ...verdict([
        problem(
          `OFD.xml 的根元素不是命名空间 ${OFD_NS} 中的 ofd:OFD`,
          `the root element of OFD.xml is not ofd:OFD in ${OFD_NS}`,
        ),
      ]),
    };
  }
  if (main.docRoots.length === 0) {
    return { ...meta, ...verdict([problem('OFD.xml 中没有 DocBody/DocRoot', 'OFD.xml has no DocBody/DocRoot')]) };
  }
  const problems: Message[] = [];
  for (const docRoot of main.docRoots) {
    const path = resolveOfdPath('OFD.xml', docRoot);
    if (!index.entries.has(path)) {
      problems.push(problem(`DocRoot 指向的文档 ${path} 不存在`, `the document ${path} named by DocRoot is missing`));
    } else if (!index.entries.get(path)?.isEncrypted()) {
      problems.push(...(await checkDocument(index, path, signal)));
    }
  }
  return { ...meta, ...verdict(problems) };
}
