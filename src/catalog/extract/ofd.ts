import { posix } from 'node:path';
import { fromSink, ReadFailure } from './result.js';
import { TextSink } from './text-sink.js';
import type { Context, ExtractResult } from './types.js';
import { walkPart, type XmlWalker } from './xml-text.js';
import type { ZipReader } from './zip.js';

/**
 * OFD text (GB/T 33190-2016). The entry file OFD.xml names each document's
 * Document.xml in DocBody/DocRoot (§7.4); Document.xml lists the pages in
 * order in Pages/Page@BaseLoc (§7.5); each page's content holds TextObject
 * elements (§11) whose TextCode children carry the characters, placed at X/Y
 * inside the object's Boundary (millimetres, y downwards). Locations (ST_Loc,
 * §7.2) are relative to the file that names them, or absolute from the
 * package root when they start with '/'.
 *
 * Layout is recovered only as far as search needs it: a TextCode on a new
 * baseline starts a new line, one on the same baseline follows after a space
 * (which TextSink drops between Chinese characters). Templates and
 * annotations are not read.
 */

/** Resolve an ST_Loc against the directory of the file that holds it. */
function resolveLoc(base: string, loc: string): string {
  const joined = loc.startsWith('/') ? loc : posix.join(posix.dirname(base), loc);
  return posix.normalize(joined).replace(/^\/+/, '');
}

async function textOf(zip: ZipReader, part: string, element: string, ctx: Context): Promise<string[]> {
  const found: string[] = [];
  let inside = 0;
  const walker: XmlWalker = {
    open(name) {
      if (name === element && inside++ === 0) found.push('');
    },
    close(name) {
      if (name === element) inside--;
    },
    text: (t) => {
      if (inside > 0) found[found.length - 1] += t;
    },
  };
  await walkPart(zip.read(part, ctx.signal), part, walker, () => false, ctx.signal);
  return found.map((s) => s.trim()).filter((s) => s !== '');
}

/** The page content parts of one document, in document order (or in name order if Document.xml lists none). */
async function pagesOf(zip: ZipReader, document: string, ctx: Context): Promise<string[]> {
  const pages: string[] = [];
  let inPages = 0;
  const walker: XmlWalker = {
    open(name, attrs) {
      if (name === 'Pages') inPages++;
      const loc = attrs['BaseLoc'];
      if (name === 'Page' && inPages > 0 && loc !== undefined) pages.push(resolveLoc(document, loc));
    },
    close(name) {
      if (name === 'Pages') inPages--;
    },
  };
  await walkPart(zip.read(document, ctx.signal), document, walker, () => false, ctx.signal);
  if (pages.length > 0) return pages.filter((p) => zip.has(p));
  const dir = posix.dirname(document);
  const prefix = dir === '.' ? '' : `${dir}/`;
  return zip.names
    .filter((n) => n.startsWith(prefix) && /Pages\/Page_?\d+\/Content\.xml$/i.test(n))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function pageWalker(sink: TextSink): XmlWalker {
  let originY = 0;
  let size = 0;
  let lastY: number | undefined;
  let inCode = false;
  return {
    open(name, attrs) {
      if (name === 'TextObject') {
        originY = Number((attrs['Boundary'] ?? '').trim().split(/\s+/)[1]) || 0;
        size = Number(attrs['Size']) || 0;
      } else if (name === 'TextCode') {
        inCode = true;
        const y = originY + (Number(attrs['Y']) || 0);
        // Same line when the baselines are within half a character height (or 1 mm when the size is unknown).
        if (lastY !== undefined && Math.abs(y - lastY) > (size > 0 ? size / 2 : 1)) sink.newline();
        else sink.space();
        lastY = y;
      }
    },
    close(name) {
      if (name === 'TextCode') inCode = false;
    },
    text(t) {
      if (inCode) sink.write(t);
    },
  };
}

export async function extractOfd(zip: ZipReader, ctx: Context): Promise<ExtractResult> {
  const sink = new TextSink(ctx.maxChars);
  const documents = (await textOf(zip, 'OFD.xml', 'DocRoot', ctx))
    .map((loc) => resolveLoc('OFD.xml', loc))
    .filter((d) => zip.has(d));
  if (documents.length === 0) {
    throw new ReadFailure({
      zh: 'OFD.xml 未指向任何存在的文档（DocBody/DocRoot），文件已损坏',
      en: 'OFD.xml names no document that exists (DocBody/DocRoot); the file is damaged',
    });
  }
  for (const document of documents) {
    for (const page of await pagesOf(zip, document, ctx)) {
      if (sink.full) break;
      await walkPart(zip.read(page, ctx.signal), page, pageWalker(sink), () => sink.full, ctx.signal);
      sink.newline();
    }
  }
  return fromSink(sink, 'text', 'ofd');
}
