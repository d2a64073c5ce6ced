/**
 * What a file's extension promises, and whether its content keeps the
 * promise (the "fake extension" check, DA/T 70 1-10: file format matches the
 * file's attributes). Only extensions listed here are judged; an extension we
 * do not know never counts as a mismatch.
 */

const group = (formats: string[], ...exts: string[]): [string, readonly string[]][] => exts.map((e) => [e, formats]);

/** Text-ish extensions accept any text content, including XML and HTML. */
const TEXTISH = ['text', 'xml', 'html'];
/** Formats that are zip containers: a .zip holding one of them keeps its promise. */
const ZIP_BASED = ['zip', 'docx', 'xlsx', 'pptx', 'ofd', 'odt', 'ods', 'odp', 'epub'];

const ACCEPTS: ReadonlyMap<string, readonly string[]> = new Map([
  ...group(['pdf'], 'pdf'),
  ...group(['ofd'], 'ofd'),
  ...group(['jpeg'], 'jpg', 'jpeg', 'jpe', 'jfif'),
  ...group(['png'], 'png'),
  ...group(['tiff'], 'tif', 'tiff'),
  ...group(['gif'], 'gif'),
  ...group(['bmp'], 'bmp', 'dib'),
  ...group(['webp'], 'webp'),
  ...group(['jp2'], 'jp2', 'jpx'),
  ...group(['xml'], 'xml', 'xsd', 'xsl', 'xslt', 'svg', 'eep'),
  ...group(['html', 'xml'], 'htm', 'html', 'xhtml'),
  ...group(TEXTISH, 'txt', 'text', 'csv', 'tsv', 'log', 'md', 'json', 'ini', 'yaml', 'yml'),
  ...group(['rtf'], 'rtf'),
  // Encrypted OOXML cannot say which of the three it holds; see cfb.ts.
  ...group(['docx'], 'docx', 'docm', 'dotx', 'dotm'),
  ...group(['xlsx'], 'xlsx', 'xlsm', 'xltx', 'xltm'),
  ...group(['pptx'], 'pptx', 'pptm', 'ppsx', 'potx'),
  // WPS Office (金山) writes its .wps/.et/.dps in the Word/Excel/PowerPoint binary formats.
  ...group(['doc'], 'doc', 'dot', 'wps'),
  ...group(['xls'], 'xls', 'xlt', 'et'),
  ...group(['ppt'], 'ppt', 'pps', 'pot', 'dps'),
  ...group(['odt'], 'odt'),
  ...group(['ods'], 'ods'),
  ...group(['odp'], 'odp'),
  ...group(['epub'], 'epub'),
  ...group(ZIP_BASED, 'zip'),
  ...group(['rar'], 'rar'),
  ...group(['7z'], '7z'),
  ...group(['gzip'], 'gz', 'tgz'),
  ...group(['tar'], 'tar'),
  ...group(['wav'], 'wav'),
  ...group(['mp3'], 'mp3'),
  ...group(['avi'], 'avi'),
  ...group(['mp4', 'mov'], 'mp4', 'm4v', 'm4a', 'mov'),
  ...group(['mpeg'], 'mpg', 'mpeg'),
]);

/** Containers whose inner type cannot be told when the container itself is broken. */
const CONTAINER_OF: Readonly<Record<string, readonly string[]>> = {
  zip: ZIP_BASED,
  cfb: ['doc', 'xls', 'ppt', 'docx', 'xlsx', 'pptx'],
};

/** Lower-case extension of a file name or '/'-separated path, without the dot; '' when none. */
export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Formats an extension promises, or undefined when we do not judge it. */
export function formatsForExtension(ext: string): readonly string[] | undefined {
  return ACCEPTS.get(ext);
}

/**
 * Whether the extension names a different format than the content. An empty
 * file promises nothing; unknown content under a known extension is a
 * mismatch (a ".pdf" that is no PDF); a broken container (a zip whose central
 * directory does not read) cannot be told apart from what it should have held.
 */
export function isExtensionMismatch(ext: string, format: string, valid: boolean | undefined): boolean {
  if (format === 'empty') return false;
  const accepted = ACCEPTS.get(ext);
  if (accepted === undefined) return false;
  if (accepted.includes(format)) return false;
  const inner = CONTAINER_OF[format];
  if (valid === false && inner !== undefined && accepted.some((f) => inner.includes(f))) return false;
  return true;
}
