/**
 * A tar archive (POSIX pax) of files the user chose, as a Blob made of the
 * headers and the files themselves: the browser reads each file only when
 * the upload reaches it, so nothing is copied into memory. Names are UTF-8
 * pax `path` records (POSIX.1-2008), so Chinese names and deep folders
 * arrive as written; the center reads them with src/packages/tar-source.ts.
 */

const BLOCK = 512;
const encoder = new TextEncoder();

export interface TarInput {
  /** The path inside the package, '/'-separated. */
  readonly path: string;
  readonly file: Blob;
  /** Seconds since 1970. */
  readonly mtime: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtime: number, type: '0' | 'x'): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(BLOCK);
  const put = (text: string, at: number, width: number): void => {
    block.set(encoder.encode(text).subarray(0, width), at);
  };
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  // Sizes past 8 GiB do not fit 11 octal digits: the pax record carries the real one.
  put(octal(Math.min(size, 0o77777777777), 12), 124, 12);
  put(octal(Math.floor(mtime), 12), 136, 12);
  put('        ', 148, 8);
  put(type, 156, 1);
  put('ustar\u000000', 257, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

/** One pax record: "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = encoder.encode(body).length;
  let length = bytes + String(bytes).length;
  // Adding the digits can add a digit (95 + 2 = 97, but 99 + 2 = 101 needs 3).
  if (String(length).length > String(bytes).length) length = bytes + String(length).length;
  return `${length}${body}`;
}

const padding = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

/** ASCII printable, short enough for the ustar name field. */
const fitsUstar = (path: string): boolean => /^[\x20-\x7e]{1,99}$/.test(path);

export function tarBlob(inputs: readonly TarInput[]): Blob {
  const parts: Array<Uint8Array<ArrayBuffer> | Blob> = [];
  for (const { path, file, mtime } of inputs) {
    const records =
      (fitsUstar(path) ? '' : paxRecord('path', path)) +
      (file.size > 0o77777777777 ? paxRecord('size', String(file.size)) : '');
    if (records !== '') {
      const pax = encoder.encode(records);
      parts.push(header('PaxHeader', pax.length, mtime, 'x'), pax, padding(pax.length));
    }
    const ascii = fitsUstar(path) ? path : 'file';
    parts.push(header(ascii, file.size, mtime, '0'), file, padding(file.size));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return new Blob(parts, { type: 'application/x-tar' });
}
