import { verdict, type Findings } from './format-info.js';
import { probeOfd } from './ofd.js';
import { probeOoxml } from './ooxml.js';
import type { ProbeSource } from './source.js';
import { readSmallEntry, readZipIndex } from './zip-index.js';

/** OpenDocument (ISO/IEC 26300 §3.3) and EPUB (OCF §4.3): a stored "mimetype" entry names the type. */
const BY_MIMETYPE: Readonly<Record<string, string>> = {
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'application/epub+zip': 'epub',
};

/**
 * Zip containers, told apart by what their root holds: OFD.xml (OFD),
 * [Content_Types].xml (OOXML), a mimetype entry (ODF, EPUB); otherwise a
 * plain zip, valid when its central directory reads.
 */
export async function probeZip(src: ProbeSource): Promise<Findings> {
  const index = await readZipIndex(src);
  if (!('zip' in index)) return { format: 'zip', ...verdict([index]) };
  try {
    if (index.entries.has('OFD.xml')) return await probeOfd(index, src.signal);
    if (index.entries.has('[Content_Types].xml')) return await probeOoxml(index, src.signal);
    const mimetype = (await readSmallEntry(index, 'mimetype', 256))?.toString('latin1').trim();
    const format = mimetype === undefined ? undefined : BY_MIMETYPE[mimetype];
    return { format: format ?? 'zip', encrypted: index.encrypted, ...verdict([]) };
  } finally {
    index.zip.close();
  }
}
