import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import { detectFileEncoding } from '../../packages/table/index.js';
import { fromSink, noText } from './result.js';
import { TextSink } from './text-sink.js';
import type { Context, ExtractResult } from './types.js';
import { walkXml } from './xml-text.js';

/**
 * Plain text (.txt, .csv, .md, …) in the encodings Chinese offices produce:
 * UTF-8, UTF-16 with a BOM, or GBK/GB18030 — detected over the whole file
 * the way the catalog importer does it (packages/table detectFileEncoding),
 * then decoded chunk by chunk until maxChars characters are kept.
 */
export async function extractPlain(path: string, ctx: Context): Promise<ExtractResult> {
  const encoding = await detectFileEncoding(path, ctx.signal);
  // iconv-lite drops the BOM of UTF-8 and UTF-16; GB18030's (84 31 95 33) decodes to U+FEFF, white space to the sink.
  const decoder = iconv.getDecoder(encoding);
  const sink = new TextSink(ctx.maxChars);
  const stream = createReadStream(path, { signal: ctx.signal, highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) {
      sink.write(decoder.write(chunk as Buffer));
      if (sink.full) break;
    }
  } finally {
    stream.destroy();
  }
  if (!sink.full) sink.write(decoder.end() ?? '');
  return fromSink(sink, 'text', 'txt');
}

/** A text node this long made only of Base64 characters is embedded binary (an EEP's 编码数据), not text. */
const BASE64_NODE = /^[A-Za-z0-9+/=\r\n]{1024,}$/;

/**
 * Every text node of an XML document, in document order. Element
 * boundaries separate the text (archival XML is data: <题名> and <责任者>
 * are fields, not parts of one phrase). Large Base64 nodes are skipped: a DA/T 48 electronic
 * records package (EEP) embeds the files themselves that way, and their
 * encoded bytes would bury the metadata text in noise.
 */
export async function extractXml(path: string, ctx: Context): Promise<ExtractResult> {
  const sink = new TextSink(ctx.maxChars);
  const stream = createReadStream(path, { signal: ctx.signal, highWaterMark: 64 * 1024 });
  let problem;
  try {
    problem = await walkXml(
      stream as AsyncIterable<Buffer>,
      {
        open: () => sink.separate(),
        close: () => sink.separate(),
        text: (t) => {
          if (t.length < 1024 || !BASE64_NODE.test(t.trim())) sink.write(t);
        },
      },
      () => sink.full,
      ctx.signal,
    );
  } finally {
    stream.destroy();
  }
  if (problem !== undefined) return noText('failed', 'xml', problem);
  return fromSink(sink, 'text', 'xml');
}
