import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import { bmpBytes, gifBytes, jpegBytes, pngBytes, tiffBytes } from './test-support/format-fixtures.js';
import { probeBytes, problemsOf } from './test-support/probe-bytes.js';

const temp = tempDirs();
let dir: string;
beforeAll(async () => {
  dir = await temp.make();
});
afterAll(temp.cleanup);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

describe('PNG (ISO/IEC 15948)', () => {
  const png = pngBytes(300, 200);
  const iendAt = png.length - 12;

  it('checks every chunk CRC, streaming chunks larger than the head', async () => {
    // A flat image deflates to almost nothing, so a 3 MiB text chunk makes the file span several reads.
    const big = pngBytes(1200, 1200);
    const withText = Buffer.concat([
      big.subarray(0, 33),
      chunk('tEXt', Buffer.alloc(3 * 1024 * 1024, 0x41)),
      big.subarray(33),
    ]);
    expect(await probeBytes(dir, withText, 'big.png')).toMatchObject({ valid: true, problems: [] });
    const flip = 33 + 8 + 2 * 1024 * 1024; // one bit inside the 3 MiB chunk
    withText[flip] = withText[flip]! ^ 0x10;
    expect(problemsOf(await probeBytes(dir, withText, 'bigbad.png'))).toEqual([
      'bad CRC in the tEXt chunk at offset 33',
    ]);
  });

  it('wants IHDR first', async () => {
    const swapped = Buffer.concat([png.subarray(0, 8), chunk('tEXt', Buffer.from('a\0b')), png.subarray(8)]);
    expect(problemsOf(await probeBytes(dir, swapped, 'order.png'))).toEqual([
      'the first chunk is tEXt, not IHDR',
      'IHDR appears more than once',
    ]);
  });

  it('wants IEND last and present', async () => {
    expect(problemsOf(await probeBytes(dir, Buffer.concat([png, Buffer.from('extra')]), 'tail.png'))).toEqual([
      '5 bytes follow the IEND chunk',
    ]);
    expect(problemsOf(await probeBytes(dir, png.subarray(0, iendAt), 'noend.png'))).toEqual([
      'no IEND chunk (file truncated)',
    ]);
    expect(problemsOf(await probeBytes(dir, png.subarray(0, iendAt - 20), 'cut.png'))).toEqual([
      'the IDAT chunk runs past the end of the file (truncated)',
    ]);
  });

  it('checks IHDR fields', async () => {
    const bad = Buffer.from(png);
    bad[8 + 8 + 8] = 3; // bit depth 3
    bad.writeUInt32BE(crc32(bad.subarray(12, 29)) >>> 0, 29);
    expect(problemsOf(await probeBytes(dir, bad, 'depth.png'))).toEqual(['invalid colour type 0 with bit depth 3']);
  });
});

describe('JPEG (ITU-T T.81 Annex B)', () => {
  const jpeg = jpegBytes();

  it('walks segments and the scan to EOI, allowing data after EOI', async () => {
    expect(await probeBytes(dir, Buffer.concat([jpeg, Buffer.from('trailer data')]), 'tail.jpg')).toMatchObject({
      valid: true,
    });
  });

  it('reports truncation inside a segment and inside the scan', async () => {
    expect(problemsOf(await probeBytes(dir, jpeg.subarray(0, 30), 'seg.jpg'))).toEqual([
      expect.stringMatching(/segment at offset 20 runs past the end/),
    ]);
    const scanAt = jpeg.length - 3;
    expect(problemsOf(await probeBytes(dir, jpeg.subarray(0, scanAt + 1), 'scan.jpg'))).toEqual([
      'no EOI marker (file truncated)',
    ]);
  });

  it('skips stuffed bytes and restart markers in the scan data', async () => {
    const body = jpeg.subarray(0, jpeg.length - 3);
    const scan = Buffer.from([0x3f, 0xff, 0x00, 0x3f, 0xff, 0xd0, 0x3f]);
    const r = await probeBytes(dir, Buffer.concat([body, scan, Buffer.from([0xff, 0xd9])]), 'rst.jpg');
    expect(r).toMatchObject({ valid: true });
  });

  it('wants a frame header before the scan', async () => {
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const noSof = Buffer.concat([jpeg.subarray(0, sof), jpeg.subarray(sof + 13)]);
    expect(problemsOf(await probeBytes(dir, noSof, 'nosof.jpg'))).toEqual([
      'a scan (SOS) comes before any frame header (SOF)',
    ]);
  });

  it('finds garbage where a marker should be', async () => {
    const bad = Buffer.from(jpeg);
    bad[20] = 0x00; // the DQT marker's 0xFF
    expect(problemsOf(await probeBytes(dir, bad, 'garbage.jpg'))).toEqual(['expected a marker at offset 20']);
  });
});

describe('TIFF 6.0', () => {
  it('accepts both byte orders', async () => {
    expect(await probeBytes(dir, tiffBytes({ bigEndian: true }), 'mm.tif')).toMatchObject({
      format: 'tiff',
      valid: true,
    });
  });

  it('wants the image tags', async () => {
    expect(problemsOf(await probeBytes(dir, tiffBytes({ omit: [273] }), 'nostrip.tif'))).toEqual([
      'IFD 1 lacks the required tag StripOffsets (273) or TileOffsets (324)',
    ]);
    expect(problemsOf(await probeBytes(dir, tiffBytes({ omit: [256] }), 'nowidth.tif'))).toEqual([
      'IFD 1 lacks the required tag ImageWidth (256)',
    ]);
  });

  it('finds image data beyond the end (a truncated TIFF)', async () => {
    expect(problemsOf(await probeBytes(dir, tiffBytes({ stripBeyondEnd: true }), 'cut.tif'))).toEqual([
      'IFD 1: image data block 1 lies beyond the end of the file (truncated)',
    ]);
  });

  it('follows the IFD chain: out of the file, and in a loop', async () => {
    const far = tiffBytes();
    far.writeUInt32LE(1_000_000, 4);
    expect(problemsOf(await probeBytes(dir, far, 'far.tif'))).toEqual(['IFD 1 lies beyond the end of the file']);
    const loop = tiffBytes();
    const nextAt = 8 + 2 + 8 * 12;
    loop.writeUInt32LE(8, nextAt); // next IFD is this IFD
    expect(problemsOf(await probeBytes(dir, loop, 'loop.tif'))).toEqual(['the IFD chain loops']);
  });
});

describe('GIF and BMP', () => {
  it('walks GIF blocks to the trailer', async () => {
    const gif = gifBytes();
    expect(problemsOf(await probeBytes(dir, gif.subarray(0, gif.length - 1), 'cut.gif'))).toEqual([
      'incomplete GIF: no trailer (file truncated)',
    ]);
    const noImage = Buffer.concat([gif.subarray(0, 19), Buffer.from([0x3b])]);
    expect(problemsOf(await probeBytes(dir, noImage, 'noimg.gif'))).toEqual(['the GIF holds no image']);
  });

  it('checks BMP sizes', async () => {
    const bmp = bmpBytes();
    expect(problemsOf(await probeBytes(dir, bmp.subarray(0, 60), 'cut.bmp'))).toEqual([
      'the BMP declares 70 bytes but has 60 (truncated)',
    ]);
    const zero = Buffer.from(bmp);
    zero.writeInt32LE(0, 18);
    expect(problemsOf(await probeBytes(dir, zero, 'zero.bmp'))).toEqual(['invalid BMP image: 0×2, 1 planes, 24 bits']);
  });
});
