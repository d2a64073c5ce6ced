import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import {
  DigestingStream,
  digestBuffer,
  digestFile,
  digestStream,
  isWellFormedDigest,
  parseDigestAlgorithm,
  type DigestAlgorithm,
} from './index.js';

/** Known answers for "abc": FIPS 180-4 examples (SHA-*), GB/T 32905-2016 appendix A (SM3), RFC 1321 (MD5). */
const ABC: Record<DigestAlgorithm, string> = {
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha512:
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  sm3: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  md5: '900150983cd24fb0d6963f7d28e17f72',
};
const ALL = Object.keys(ABC) as DigestAlgorithm[];

describe('digests', () => {
  it.each(ALL)('%s of "abc" matches the published vector', (alg) => {
    expect(digestBuffer('abc', alg)).toBe(ABC[alg]);
    expect(isWellFormedDigest(alg, ABC[alg])).toBe(true);
  });

  it('computes every algorithm in one pass over a chunked stream', async () => {
    const chunks = ['a', 'b', 'c'].map((c) => Buffer.from(c));
    const result = await digestStream(Readable.from(chunks), ALL);
    expect(result).toEqual({ size: 3, digests: ABC });
  });

  it('digests a file larger than one read chunk, as sha256sum would', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yinji-digest-'));
    try {
      const data = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      await writeFile(join(dir, 'f'), data);
      const result = await digestFile(join(dir, 'f'), ['sha256', 'sm3']);
      expect(result.size).toBe(data.length);
      expect(result.digests.sha256).toBe(createHash('sha256').update(data).digest('hex'));
      expect(result.digests.sm3).toBe(createHash('sm3').update(data).digest('hex'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes bytes through unchanged while hashing them', async () => {
    const hasher = new DigestingStream(['sha256', 'md5']);
    const out = await text(Readable.from([Buffer.from('登记'), Buffer.from('备份')]).pipe(hasher));
    expect(out).toBe('登记备份');
    expect(hasher.result.digests.sha256).toBe(digestBuffer('登记备份', 'sha256'));
    expect(hasher.result.size).toBe(Buffer.byteLength('登记备份'));
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      digestStream(Readable.from([Buffer.from('x')]), ['sha256'], { signal: controller.signal }),
    ).rejects.toThrow();
  });

  it('parses algorithm names as forms write them, and refuses unknown ones with a code', () => {
    expect(parseDigestAlgorithm('SHA-256')).toBe('sha256');
    expect(parseDigestAlgorithm('SM3')).toBe('sm3');
    expect(parseDigestAlgorithm('sha_512')).toBe('sha512');
    expect(() => parseDigestAlgorithm('crc32')).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
    expect(isWellFormedDigest('sha256', 'ABC')).toBe(false);
  });
});
