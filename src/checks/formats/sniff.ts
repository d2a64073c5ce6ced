/**
 * Identification by content: signatures ("magic bytes") at fixed offsets, as
 * the format specifications define them and as libmagic and PRONOM/DROID
 * match them. Text, XML and HTML have no signature and are told apart in
 * text.ts; zip- and OLE-based formats are refined by reading their
 * directories (zip-formats.ts, cfb.ts).
 */

const at = (head: Buffer, offset: number, bytes: readonly number[]): boolean =>
  head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
const ascii = (head: Buffer, offset: number, s: string): boolean =>
  head.length >= offset + s.length && head.toString('latin1', offset, offset + s.length) === s;

/** Where "%PDF-" starts: ISO 32000-1 §7.5.2 puts it at 0; readers accept it within the first 1024 bytes. */
export function pdfHeaderOffset(head: Buffer): number {
  const i = head.subarray(0, 1024).indexOf('%PDF-', 0, 'latin1');
  return i;
}

/** BMP: "BM" alone is too weak (a text file may start with it), so the DIB header size must be a known one. */
function looksLikeBmp(head: Buffer): boolean {
  if (!ascii(head, 0, 'BM') || head.length < 18) return false;
  return [12, 16, 40, 52, 56, 64, 108, 124].includes(head.readUInt32LE(14));
}

/** The format whose signature the head carries, or undefined (text or unknown). */
export function sniffSignature(head: Buffer): string | undefined {
  if (pdfHeaderOffset(head) >= 0) return 'pdf';
  // Local file header, empty archive (end of central directory), spanned marker: APPNOTE 4.3.7, 4.3.16, 8.5.3.
  if (at(head, 0, [0x50, 0x4b]) && [0x0304, 0x0506, 0x0708].includes(head.readUInt16BE(2))) return 'zip';
  // [MS-CFB] 2.2 header signature.
  if (at(head, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'cfb';
  if (at(head, 0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (at(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  // TIFF 6.0 §2 header ("II" 42 / "MM" 42) and BigTIFF (43).
  if (at(head, 0, [0x49, 0x49, 0x2a, 0x00]) || at(head, 0, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (at(head, 0, [0x49, 0x49, 0x2b, 0x00]) || at(head, 0, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'gif';
  if (looksLikeBmp(head)) return 'bmp';
  if (ascii(head, 0, 'Rar!\x1a\x07')) return 'rar';
  if (at(head, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (at(head, 0, [0x1f, 0x8b])) return 'gzip';
  if (ascii(head, 257, 'ustar')) return 'tar';
  if (ascii(head, 0, 'RIFF')) {
    if (ascii(head, 8, 'WEBP')) return 'webp';
    if (ascii(head, 8, 'WAVE')) return 'wav';
    if (ascii(head, 8, 'AVI ')) return 'avi';
  }
  // JPEG 2000 signature box (ISO/IEC 15444-1 Annex I.5.1).
  if (at(head, 0, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return 'jp2';
  // ISO base media file: a leading "ftyp" box (ISO/IEC 14496-12 §4.3); brand "qt  " is QuickTime.
  if (ascii(head, 4, 'ftyp')) return ascii(head, 8, 'qt  ') ? 'mov' : 'mp4';
  if (ascii(head, 0, 'ID3') || at(head, 0, [0xff, 0xfb]) || at(head, 0, [0xff, 0xf3]) || at(head, 0, [0xff, 0xf2]))
    return 'mp3';
  if (at(head, 0, [0, 0, 1, 0xba]) || at(head, 0, [0, 0, 1, 0xb3])) return 'mpeg';
  if (ascii(head, 0, '{\\rtf')) return 'rtf';
  return undefined;
}
