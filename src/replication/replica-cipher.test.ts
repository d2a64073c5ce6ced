import { createCipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import {
  REPLICA_ENCRYPTIONS,
  REPLICA_HEADER_SIZE,
  REPLICA_SEGMENT_SIZE,
  REPLICA_TAG_SIZE,
  ReplicaCipherError,
  decryptStream,
  encryptStream,
  encryptedSize,
  generateReplicaKey,
  isReplicaEncryption,
  type ReplicaEncryption,
  decryptAny,
  encryptionOf,
} from './replica-cipher.js';

const SEG = REPLICA_SEGMENT_SIZE;
const FULL = SEG + REPLICA_TAG_SIZE; // one full ciphertext segment
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const CONTEXT = 'obj-1\ndata/a.pdf\n' + '0'.repeat(64);

/** mulberry32: reproducible "random" chunking, so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reproducible pseudo-random plaintext (an AES-CTR keystream of the seed). */
function pattern(size: number, seed = 1): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(seed);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/** Cut into chunks of 1 byte to 100 KiB, so segment and header boundaries fall anywhere inside chunks. */
function chunked(data: Buffer, seed: number): Buffer[] {
  const rand = prng(seed);
  const out: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const r = rand();
    const n =
      r < 0.3 ? 1 + Math.floor(rand() * 16) : r < 0.7 ? 1 + Math.floor(rand() * 4096) : Math.floor(rand() * 100_000);
    out.push(data.subarray(at, at + Math.max(1, n)));
    at += Math.max(1, n);
  }
  return out;
}

async function through(t: Transform, data: Buffer, seed = 7): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunked(data, seed)).pipe(t)) out.push(c as Buffer);
  return Buffer.concat(out);
}

const encrypt = (alg: ReplicaEncryption, data: Buffer, seed?: number, key: Buffer = KEY, context = CONTEXT) =>
  through(encryptStream(alg, key, context), data, seed);
const decrypt = (alg: ReplicaEncryption, data: Buffer, seed?: number, key: Buffer = KEY, context = CONTEXT) =>
  through(decryptStream(alg, key, context), data, seed);

async function expectDecryptFailure(alg: ReplicaEncryption, data: Buffer, key: Buffer = KEY, context = CONTEXT) {
  const e: unknown = await decrypt(alg, data, 3, key, context).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ReplicaCipherError);
  expect((e as ReplicaCipherError).code).toBe('E_REPLICA_DECRYPT');
  return e as ReplicaCipherError;
}

/** Vitest's deep equality walks a Buffer byte by byte (seconds for 200 KB); compare natively. */
function expectBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  if (!actual.equals(expected)) expect(actual.toString('hex')).toBe(expected.toString('hex'));
}

const flip = (b: Buffer, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at] = c[at]! ^ 0x01;
  return c;
};
const segmentAt = (i: number) => REPLICA_HEADER_SIZE + i * FULL;

describe.each(['aes-256-gcm', 'sm4'] as const)('%s', (alg) => {
  const sizes = [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG + 5];
  it.each(sizes)('round-trips %i bytes under any chunking, to exactly encryptedSize bytes', async (size) => {
    const plain = pattern(size, size);
    const ct = await encrypt(alg, plain, 11);
    expect(ct.length).toBe(encryptedSize(alg, size));
    expectBytes(await encrypt(alg, plain, 12), ct); // chunking does not change the ciphertext
    expectBytes(await decrypt(alg, ct, 13), plain);
    expectBytes(await decrypt(alg, ct, 14), plain);
  });

  it('writes the header: magic, algorithm, segment size', async () => {
    const ct = await encrypt(alg, Buffer.alloc(0));
    expect(ct.subarray(0, 6).toString('latin1')).toBe('YJENC1');
    expect(ct[6]).toBe(alg === 'aes-256-gcm' ? 1 : 2);
    expect(ct.readUInt32BE(7)).toBe(SEG);
    expect(ct.length).toBe(REPLICA_HEADER_SIZE + REPLICA_TAG_SIZE);
  });

  it('is deterministic per (key, context, plaintext), and changes with context or key', async () => {
    const plain = pattern(2 * SEG + 9);
    const ct = await encrypt(alg, plain);
    expectBytes(await encrypt(alg, plain), ct);
    const otherContext = await encrypt(alg, plain, 7, KEY, CONTEXT + 'x');
    const otherKey = await encrypt(alg, plain, 7, generateReplicaKey());
    for (const other of [otherContext, otherKey]) {
      expect(other.length).toBe(ct.length);
      expectBytes(other.subarray(0, REPLICA_HEADER_SIZE), ct.subarray(0, REPLICA_HEADER_SIZE));
      // Every segment differs, not just the first: each context has its own key and nonce prefix.
      for (let i = 0; i < 3; i++) {
        const end = Math.min(segmentAt(i + 1), ct.length);
        expect(other.subarray(segmentAt(i), end).equals(ct.subarray(segmentAt(i), end))).toBe(false);
      }
    }
  });

  it('uses a different key per algorithm for the same master key and context', async () => {
    const other = alg === 'sm4' ? 'aes-256-gcm' : 'sm4';
    const plain = pattern(100);
    const a = await encrypt(alg, plain);
    const b = await encrypt(other, plain);
    const body = (c: Buffer) => c.subarray(REPLICA_HEADER_SIZE, REPLICA_HEADER_SIZE + 100);
    expect(body(a).equals(body(b))).toBe(false);
    await expectDecryptFailure(other, a); // and the header names the algorithm
  });

  describe('refuses tampered ciphertext', () => {
    const plain = pattern(3 * SEG + 5, 99);
    let ct: Buffer;
    beforeAll(async () => {
      ct = await encrypt(alg, plain);
    });
    const last = segmentAt(3); // the 21-byte final segment
    const cases: [string, (c: Buffer) => Buffer][] = [
      ['a bit of the magic', (c) => flip(c, 0)],
      ['the algorithm byte', (c) => flip(c, 6)],
      ['the segment size', (c) => flip(c, 9)],
      ['a bit in a segment', (c) => flip(c, segmentAt(1) + 1000)],
      ['a bit in the final segment', (c) => flip(c, last)],
      ['a bit in a tag', (c) => flip(c, segmentAt(1) - 1)],
      ['a bit in the final tag', (c) => flip(c, c.length - 1)],
      ['truncation at a segment boundary', (c) => c.subarray(0, segmentAt(2))],
      ['dropping the last segment', (c) => c.subarray(0, last)],
      ['truncation inside a segment', (c) => c.subarray(0, segmentAt(1) + 100)],
      ['truncation inside the final tag', (c) => c.subarray(0, c.length - 1)],
      ['truncation to the header', (c) => c.subarray(0, REPLICA_HEADER_SIZE)],
      ['truncation inside the header', (c) => c.subarray(0, 5)],
      ['nothing at all', () => Buffer.alloc(0)],
      ['one appended byte', (c) => Buffer.concat([c, Buffer.from([0])])],
      ['an appended copy of the final segment', (c) => Buffer.concat([c, c.subarray(last)])],
      ['an appended full segment', (c) => Buffer.concat([c, c.subarray(segmentAt(0), segmentAt(1))])],
      [
        'two segments swapped',
        (c) =>
          Buffer.concat([
            c.subarray(0, segmentAt(0)),
            c.subarray(segmentAt(1), segmentAt(2)),
            c.subarray(segmentAt(0), segmentAt(1)),
            c.subarray(segmentAt(2)),
          ]),
      ],
      [
        'a segment repeated in place of another',
        (c) => Buffer.concat([c.subarray(0, segmentAt(2)), c.subarray(segmentAt(1))]),
      ],
      [
        'the final segment marked as a middle one (removing a full final segment)',
        (c) => Buffer.concat([c.subarray(0, segmentAt(1)), c.subarray(last)]),
      ],
    ];
    it.each(cases)('%s', async (_name, tamper) => {
      await expectDecryptFailure(alg, tamper(ct));
    });

    it('a segment spliced in from another file under the same key', async () => {
      const other = await encrypt(alg, plain, 7, KEY, CONTEXT + 'other');
      const c = ct;
      await expectDecryptFailure(
        alg,
        Buffer.concat([
          c.subarray(0, segmentAt(1)),
          other.subarray(segmentAt(1), segmentAt(2)),
          c.subarray(segmentAt(2)),
        ]),
      );
    });

    it('with the wrong key or context', async () => {
      await expectDecryptFailure(alg, ct, generateReplicaKey());
      await expectDecryptFailure(alg, ct, KEY, CONTEXT + ' ');
    });

    it('without ever emitting an unverified byte', async () => {
      const bad = flip(ct, segmentAt(2) + 5);
      const seen: Buffer[] = [];
      const d = decryptStream(alg, KEY, CONTEXT);
      const e = await new Promise<unknown>((resolve) => {
        d.on('data', (c: Buffer) => seen.push(c));
        d.on('error', resolve);
        d.on('end', () => resolve(undefined));
        Readable.from(chunked(bad, 5)).pipe(d);
      });
      expect(e).toBeInstanceOf(ReplicaCipherError);
      expect((e as ReplicaCipherError).details).toMatchObject({ reason: 'authentication', segment: 2 });
      expectBytes(Buffer.concat(seen), plain.subarray(0, 2 * SEG)); // the verified prefix, nothing more
    });
  });

  it('streams: a segment comes out as soon as the next byte shows it is not the last', async () => {
    const e = encryptStream(alg, KEY, CONTEXT);
    const out: Buffer[] = [];
    e.on('data', (c: Buffer) => out.push(c));
    e.write(Buffer.alloc(SEG));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(out).length).toBe(REPLICA_HEADER_SIZE); // could still be the final segment
    e.write(Buffer.alloc(1));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(out).length).toBe(REPLICA_HEADER_SIZE + FULL);
    e.end();
    await new Promise((r) => e.on('end', r));
    expect(Buffer.concat(out).length).toBe(encryptedSize(alg, SEG + 1));
  });
});

describe('the format as documented', () => {
  // An independent rebuild from the format comment with bare node:crypto:
  // catches a change to the construction that round trips alone would miss.
  function rebuild(alg: 'aes-256-gcm' | 'sm4', plain: Buffer): Buffer {
    const header = Buffer.concat([
      Buffer.from('YJENC1'),
      Buffer.from([alg === 'sm4' ? 2 : 1]),
      Buffer.from([0, 1, 0, 0]),
    ]);
    const info = Buffer.concat([
      Buffer.from(`yinji/replica-cipher/1\0${alg}\0`),
      createHash('sha256').update(CONTEXT).digest(),
    ]);
    const okm = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), info, alg === 'sm4' ? 55 : 39));
    const parts = [header];
    const n = Math.max(1, Math.ceil(plain.length / SEG));
    for (let i = 0; i < n; i++) {
      const nonce = Buffer.concat([okm.subarray(-7), Buffer.from([0, 0, 0, i, i === n - 1 ? 1 : 0])]);
      const seg = plain.subarray(i * SEG, (i + 1) * SEG);
      if (alg === 'aes-256-gcm') {
        const c = createCipheriv('aes-256-gcm', okm.subarray(0, 32), nonce).setAAD(header);
        parts.push(c.update(seg), c.final(), c.getAuthTag());
      } else {
        const ct = createCipheriv('sm4-ctr', okm.subarray(0, 16), Buffer.concat([nonce, Buffer.alloc(4)])).update(seg);
        const tag = createHmac('sm3', okm.subarray(16, 48)).update(header).update(nonce).update(ct).digest();
        parts.push(ct, tag.subarray(0, 16));
      }
    }
    return Buffer.concat(parts);
  }

  it.each(['aes-256-gcm', 'sm4'] as const)('%s matches an independent rebuild', async (alg) => {
    for (const size of [0, SEG, 2 * SEG + 3]) {
      const plain = pattern(size);
      expectBytes(await encrypt(alg, plain), rebuild(alg, plain));
    }
  });

  // Replicas already at partner centers are audited and resumed by
  // regenerating their ciphertext: the bytes must never change. These pin it.
  it.each([
    ['aes-256-gcm', 'c703c08837b8641a7c2bc95d997e944bfba862979cd6d0355750068773a7e67e'],
    ['sm4', 'e98325e75b8f2ac5c54067c6a302fb78d41b0386f79a3299b90fc1f310484776'],
  ] as const)('%s ciphertext is stable (pinned digest)', async (alg, digest) => {
    const ct = await encrypt(alg, pattern(SEG + 100, 42));
    expect(createHash('sha256').update(ct).digest('hex')).toBe(digest);
  });
});

describe('none', () => {
  it('is the identity both ways', async () => {
    const plain = pattern(3 * SEG + 5);
    expectBytes(await encrypt('none', plain), plain);
    expectBytes(await decrypt('none', plain), plain);
    expect(encryptedSize('none', 12345)).toBe(12345);
  });
});

describe('helpers', () => {
  it('lists and recognises the algorithms', () => {
    expect(REPLICA_ENCRYPTIONS).toEqual(['none', 'aes-256-gcm', 'sm4']);
    for (const a of REPLICA_ENCRYPTIONS) expect(isReplicaEncryption(a)).toBe(true);
    expect(isReplicaEncryption('sm4-gcm')).toBe(false);
    expect(isReplicaEncryption('')).toBe(false);
  });

  it('computes sizes: header, plaintext, one tag per segment, at least one segment', () => {
    const h = REPLICA_HEADER_SIZE;
    expect(encryptedSize('sm4', 0)).toBe(h + 16);
    expect(encryptedSize('aes-256-gcm', 1)).toBe(h + 1 + 16);
    expect(encryptedSize('aes-256-gcm', SEG)).toBe(h + SEG + 16);
    expect(encryptedSize('aes-256-gcm', SEG + 1)).toBe(h + SEG + 1 + 32);
    expect(encryptedSize('aes-256-gcm', 10 * 2 ** 30)).toBe(h + 10 * 2 ** 30 + 16 * 163840);
    expect(() => encryptedSize('sm4', -1)).toThrow(InvalidInputError);
    expect(() => encryptedSize('sm4', 1.5)).toThrow(InvalidInputError);
  });

  it('generates 32-byte random keys', () => {
    const a = generateReplicaKey();
    expect(a.length).toBe(32);
    expect(a.equals(generateReplicaKey())).toBe(false);
  });

  it('refuses a master key of the wrong size and an empty context', () => {
    expect(() => encryptStream('aes-256-gcm', Buffer.alloc(16), CONTEXT)).toThrow(InvalidInputError);
    expect(() => decryptStream('sm4', Buffer.alloc(33), CONTEXT)).toThrow(InvalidInputError);
    expect(() => encryptStream('sm4', KEY, '')).toThrow(InvalidInputError);
  });
});

describe('decryptAny: the algorithm read from the copy itself', () => {
  it.each(REPLICA_ENCRYPTIONS)('decrypts %s copies of every size, cut into any chunks', async (alg) => {
    for (const size of [0, 1, 6, 7, 8, SEG + 3]) {
      const plain = pattern(size, size + 3);
      const sealed = await encrypt(alg, plain);
      expect(encryptionOf(sealed)).toBe(size === 0 && alg === 'none' ? 'none' : alg);
      for (const seed of [1, 2, 3])
        expectBytes(await readAll(decryptAny(Readable.from(chunked(sealed, seed)), KEY, CONTEXT)), plain);
    }
  });

  it('reads the copy only as fast as the plaintext is taken', async () => {
    const sealed = await encrypt('aes-256-gcm', pattern(8 * SEG * 16));
    let pulled = 0;
    const source = (async function* () {
      for (let o = 0; o < sealed.length; o += 16_384) {
        pulled += 16_384;
        yield sealed.subarray(o, o + 16_384);
      }
    })();
    const plain = decryptAny(source, KEY, CONTEXT);
    const it = plain[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 50));
    // A few segments of lookahead, not the whole 8 MiB copy.
    expect(pulled).toBeLessThan(sealed.length / 4);
    await it.return?.();
  });

  it('fails on a tampered encrypted copy, as decryptStream does', async () => {
    const sealed = await encrypt('aes-256-gcm', pattern(1000));
    await expect(readAll(decryptAny(Readable.from([flip(sealed, 40)]), KEY, CONTEXT))).rejects.toBeInstanceOf(
      ReplicaCipherError,
    );
  });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
