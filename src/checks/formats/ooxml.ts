import type { Message } from '../../core/index.js';
import { problem, verdict, type Findings } from './format-info.js';
import { checkEntryXml, type ZipIndex } from './zip-index.js';

/** Which application a main-part content type belongs to (ECMA-376-1 §11–13, and the macro-enabled variants). */
function kindOf(contentType: string): string | undefined {
  if (!/\.main\+xml$/i.test(contentType)) return undefined;
  if (/wordprocessingml\.|ms-word\./i.test(contentType)) return 'docx';
  if (/spreadsheetml\.|ms-excel\./i.test(contentType)) return 'xlsx';
  if (/presentationml\.|ms-powerpoint\./i.test(contentType)) return 'pptx';
  return undefined;
}

/** Conventional main parts, for packages whose [Content_Types].xml does not say. */
const FALLBACK: readonly [string, string][] = [
  ['word/document.xml', 'docx'],
  ['xl/workbook.xml', 'xlsx'],
  ['ppt/presentation.xml', 'pptx'],
];

/**
 * Office Open XML (ECMA-376-2, Open Packaging Conventions): a zip with
 * [Content_Types].xml at its root (§10.1.2). The content type of the main
 * part tells a Word, Excel or PowerPoint document; the check is that
 * [Content_Types].xml and the main part exist and are well-formed XML.
 * An OPC package of another kind (XPS, 3MF) is reported as a plain zip.
 */
export async function probeOoxml(index: ZipIndex, signal: AbortSignal | undefined): Promise<Findings> {
  const encrypted = index.encrypted;
  if (index.entries.get('[Content_Types].xml')?.isEncrypted()) {
    const found = FALLBACK.find(([part]) => index.lowerNames.has(part));
    return { format: found?.[1] ?? 'zip', encrypted, valid: undefined, problems: [] };
  }
  let main: { part: string; kind: string } | undefined;
  const types = await checkEntryXml(
    index,
    '[Content_Types].xml',
    {
      onOpen: (tag) => {
        if (main !== undefined || tag.local !== 'Override') return;
        const kind = kindOf(tag.attributes.ContentType?.value ?? '');
        const part = tag.attributes.PartName?.value;
        if (kind !== undefined && part !== undefined) main = { part: part.replace(/^\/+/, ''), kind };
      },
    },
    signal,
  );
  if (main === undefined) {
    const found = FALLBACK.find(([part]) => index.lowerNames.has(part));
    if (found) main = { part: found[0], kind: found[1] };
  }
  if (main === undefined) return { format: 'zip', encrypted, ...verdict(types) };
  const problems: Message[] = [...types];
  const lower = main.part.toLowerCase();
  const actual = [...index.entries.keys()].find((n) => n.toLowerCase() === lower);
  if (actual === undefined) {
    problems.push(problem(`主文档部件 ${main.part} 不存在`, `the main document part ${main.part} is missing`));
  } else if (!index.entries.get(actual)?.isEncrypted()) {
    problems.push(...(await checkEntryXml(index, actual, {}, signal)));
  }
  return { format: main.kind, encrypted, ...verdict(problems) };
}
