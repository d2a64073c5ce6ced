import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { InvalidInputError, YinjiError, type Message, type YinjiErrorOptions } from '../core/errors.js';

/**
 * Encryption of the copies a center keeps at a partner center: the host can
 * audit them (hash the ciphertext) but not read them.
 *
 * Format (all integers big-endian):
 *
 *     header   = "YJENC1" || alg (1 byte: 1 aes-256-gcm, 2 sm4) || segment size (uint32, 65536)
 *     segment  = ciphertext of up to 64 KiB of plaintext || 16-byte tag
 *     file     = header || segment_0 || … || segment_n   (n ≥ 0; only segment_n may be short, and it is flagged last)
 *
 * Segments follow the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
 * Misuse-Resistance", CRYPTO 2015, §7), as age and Tink do: segment i is
 * sealed under nonce = prefix (7 bytes) || i (uint32) || last (1 byte, 1 on
 * the final segment). Each tag therefore binds a segment to its position and
 * to whether the file ends there, so reordering, dropping, truncating at a
 * segment boundary and appending all fail authentication. The header is
 * authenticated in every segment (GCM AAD; first bytes of the SM4 MAC input).
 * An empty plaintext is the header and one empty, final segment.
 *
 * - aes-256-gcm: AES-256-GCM with the 12-byte nonce as IV (NIST SP 800-38D).
 * - sm4: Node 20's OpenSSL has no SM4-GCM, so encrypt-then-MAC with
 *   separate subkeys: SM4-CTR (GB/T 32907) with IV = nonce || 0x00000000
 *   (a segment is 4096 blocks, so the block counter never reaches the
 *   nonce), then tag = HMAC-SM3(header || nonce || ciphertext) truncated to
 *   16 bytes. Header and nonce are fixed-length, so the MAC input is
 *   unambiguous; the tag is checked before anything is decrypted.
 *
 * DETERMINISTIC by design: the originating center recomputes
 * H(nonce || ciphertext) from its own plaintext to answer challenge audits,
 * and resumes an interrupted upload by regenerating the ciphertext and
 * skipping the bytes already sent. So nothing is random: the per-file key
 * and nonce prefix come from HKDF-SHA256 (RFC 5869) of the 32-byte master
 * key and a caller-given context.
 *
 * Why this is safe: the context MUST bind the plaintext, e.g.
 * `${objectId}\n${path}\n${plainSha256}` — a changed file has another
 * sha256, hence another context, another key and another nonce prefix.
 * Within one key the (counter, last) pairs are distinct, so a key/nonce pair
 * only ever encrypts one plaintext segment, which is all GCM and CTR ask.
 * Encrypting the same plaintext at the same context again gives the same
 * ciphertext, which reveals only that the two are equal — and the context
 * already says so. A context reused for DIFFERENT plaintexts would reuse
 * nonces (for GCM this leaks the XOR of the plaintexts and allows forgery):
 * never build a context without the plaintext digest.
 */
export type ReplicaEncryption = 'none' | 'aes-256-gcm' | 'sm4';

export const REPLICA_ENCRYPTIONS: readonly ReplicaEncryption[] = Object.freeze(['none', 'aes-256-gcm', 'sm4'] as const);

export function isReplicaEncryption(s: string): s is ReplicaEncryption {
  return (REPLICA_ENCRYPTIONS as readonly string[]).includes(s);
}

/** Plaintext bytes per segment: memory per stream stays near two segments. */
export const REPLICA_SEGMENT_SIZE = 64 * 1024;
export const REPLICA_TAG_SIZE = 16;
const MAGIC = Buffer.from('YJENC1', 'latin1');
export const REPLICA_HEADER_SIZE = MAGIC.length + 1 + 4;
export const REPLICA_KEY_SIZE = 32;
const PREFIX_SIZE = 7;
/** The counter is 4 bytes: 2^32 segments of 64 KiB = 256 TiB per file. */
const MAX_SEGMENTS = 2 ** 32;
/** Pieces per segment above which one copy beats one cipher call per piece (tiny input chunks). */
const MAX_PIECES = 8;

type SealedAlgorithm = Exclude<ReplicaEncryption, 'none'>;
const ALG_BYTE: Readonly<Record<SealedAlgorithm, number>> = { 'aes-256-gcm': 1, sm4: 2 };

/** A replica that fails to decrypt: tampered, truncated, wrong key or context, or not ours. */
export class ReplicaCipherError extends YinjiError {
  override readonly name = 'ReplicaCipherError';
  constructor(message: Message, options?: YinjiErrorOptions) {
    super('E_REPLICA_DECRYPT', message, options);
  }
}

export function generateReplicaKey(): Buffer {
  return randomBytes(REPLICA_KEY_SIZE);
}

/** Exact size of the ciphertext of `plainSize` bytes (an empty file still has one segment). */
export function encryptedSize(alg: ReplicaEncryption, plainSize: number): number {
  if (!Number.isSafeInteger(plainSize) || plainSize < 0) {
    throw new InvalidInputError({ zh: `明文大小无效：${plainSize}`, en: `invalid plaintext size: ${plainSize}` });
  }
  if (alg === 'none') return plainSize;
  const segments = Math.max(1, Math.ceil(plainSize / REPLICA_SEGMENT_SIZE));
  return REPLICA_HEADER_SIZE + plainSize + segments * REPLICA_TAG_SIZE;
}

/** Plaintext in, ciphertext out; streaming, holding at most one segment (plus the chunk being written). */
export function encryptStream(alg: ReplicaEncryption, masterKey: Buffer, context: string): Transform {
  if (alg === 'none') return new PassThrough();
  return new EncryptStream(segmentCipher(alg, masterKey, context));
}

/**
 * Ciphertext in, plaintext out. Each segment is authenticated before any of
 * its plaintext is emitted, so a reader never sees unverified bytes; the
 * stream errors with ReplicaCipherError on tampering or truncation. Bytes
 * emitted before the error are a verified prefix of the plaintext.
 */
export function decryptStream(alg: ReplicaEncryption, masterKey: Buffer, context: string): Transform {
  if (alg === 'none') return new PassThrough();
  return new DecryptStream(segmentCipher(alg, masterKey, context));
}

/**
 * How a stored copy is encrypted, told from its first bytes (the header):
 * 'none' unless they are this format's magic and a known algorithm byte. A
 * center reading its copies back (repair, rebuild) then needs no record of
 * how each was written — which a center rebuilt from its partners no longer
 * has. Trusting the copy here is safe: whatever it claims, the plaintext is
 * checked against the registered digest, and a plain file that happens to
 * start with the magic simply fails that check.
 */
export function encryptionOf(header: Buffer): ReplicaEncryption {
  if (header.length < MAGIC.length + 1 || !header.subarray(0, MAGIC.length).equals(MAGIC)) return 'none';
  const byte = header[MAGIC.length];
  const found = (Object.keys(ALG_BYTE) as SealedAlgorithm[]).find((a) => ALG_BYTE[a] === byte);
  return found ?? 'none';
}

/**
 * The plaintext of a stored copy, however it was encrypted: the algorithm is
 * read from its header (encryptionOf). Backpressure holds end to end: the
 * copy is read only as fast as the plaintext is consumed.
 */
export function decryptAny(source: AsyncIterable<Buffer>, masterKey: Buffer, context: string): Readable {
  return Readable.from(decryptSniffed(source, masterKey, context), { objectMode: false });
}

async function* decryptSniffed(
  source: AsyncIterable<Buffer>,
  masterKey: Buffer,
  context: string,
): AsyncGenerator<Buffer> {
  const input = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < MAGIC.length + 1) {
    const next = await input.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, next.value]);
  }
  const decrypt = decryptStream(encryptionOf(head), masterKey, context);
  const write = (chunk: Buffer): Promise<void> =>
    decrypt.write(chunk) ? Promise.resolve() : new Promise((resolve) => decrypt.once('drain', resolve));
  const feeding = (async () => {
    try {
      if (head.length > 0) await write(head);
      if (!ended)
        for (let next = await input.next(); next.done !== true; next = await input.next()) await write(next.value);
      decrypt.end();
    } catch (e) {
      decrypt.destroy(e as Error);
    }
  })();
  try {
    for await (const chunk of decrypt) yield chunk as Buffer;
  } finally {
    await input.return?.();
    await feeding;
  }
}

interface SegmentCipher {
  readonly header: Buffer;
  /** Ciphertext pieces followed by the tag. */
  seal(nonce: Buffer, pieces: readonly Buffer[]): Buffer[];
  /** Plaintext pieces, or undefined when the tag does not verify. */
  open(nonce: Buffer, pieces: readonly Buffer[], tag: Buffer): Buffer[] | undefined;
  nonce(counter: number, last: boolean): Buffer;
}

function segmentCipher(alg: SealedAlgorithm, masterKey: Buffer, context: string): SegmentCipher {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== REPLICA_KEY_SIZE) {
    throw new InvalidInputError({
      zh: `副本加密主密钥须为 ${REPLICA_KEY_SIZE} 字节`,
      en: `a replica master key must be ${REPLICA_KEY_SIZE} bytes`,
    });
  }
  if (context === '') {
    // An empty context would put every file under one key and nonce sequence.
    throw new InvalidInputError({
      zh: '副本加密上下文不能为空',
      en: 'the replica encryption context must not be empty',
    });
  }
  const header = Buffer.alloc(REPLICA_HEADER_SIZE);
  MAGIC.copy(header, 0);
  header[MAGIC.length] = ALG_BYTE[alg];
  header.writeUInt32BE(REPLICA_SEGMENT_SIZE, MAGIC.length + 1);
  // The context is hashed because HKDF info is capped at 1024 bytes in Node
  // and paths can be longer; SHA-256 keeps distinct contexts distinct. The
  // algorithm is in the info so the two algorithms never share a key. No
  // salt (RFC 5869 §3.1): the master key is already uniformly random.
  const info = Buffer.concat([
    Buffer.from(`yinji/replica-cipher/1\0${alg}\0`, 'latin1'),
    createHash('sha256').update(context, 'utf8').digest(),
  ]);
  const keyLength = alg === 'aes-256-gcm' ? 32 : 16 + 32;
  const okm = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, keyLength + PREFIX_SIZE));
  const prefix = okm.subarray(keyLength);
  const nonce = (counter: number, last: boolean): Buffer => {
    const n = Buffer.allocUnsafe(12);
    prefix.copy(n, 0);
    n.writeUInt32BE(counter, PREFIX_SIZE);
    n[11] = last ? 1 : 0;
    return n;
  };
  return alg === 'aes-256-gcm'
    ? gcmCipher(okm.subarray(0, 32), header, nonce)
    : sm4Cipher(okm.subarray(0, 16), okm.subarray(16, 48), header, nonce);
}

function gcmCipher(key: Buffer, header: Buffer, nonce: SegmentCipher['nonce']): SegmentCipher {
  return {
    header,
    nonce,
    seal(iv, pieces) {
      const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: REPLICA_TAG_SIZE }).setAAD(header);
      const out = pieces.map((p) => c.update(p));
      c.final(); // GCM has no padding: nothing left to emit
      out.push(c.getAuthTag());
      return out;
    },
    open(iv, pieces, tag) {
      const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: REPLICA_TAG_SIZE });
      d.setAAD(header).setAuthTag(tag);
      const out = pieces.map((p) => d.update(p));
      try {
        d.final(); // throws when the tag does not verify
      } catch {
        return undefined;
      }
      return out;
    },
  };
}

function sm4Cipher(encKey: Buffer, macKey: Buffer, header: Buffer, nonce: SegmentCipher['nonce']): SegmentCipher {
  const zeroCounter = Buffer.alloc(4);
  const tagOf = (iv: Buffer, ciphertext: readonly Buffer[]): Buffer => {
    const mac = createHmac('sm3', macKey).update(header).update(iv);
    for (const p of ciphertext) mac.update(p);
    return mac.digest().subarray(0, REPLICA_TAG_SIZE);
  };
  const ctr = (iv: Buffer, pieces: readonly Buffer[]): Buffer[] => {
    // CTR is its own inverse, and a stream mode: final() would emit nothing.
    const c = createCipheriv('sm4-ctr', encKey, Buffer.concat([iv, zeroCounter]));
    return pieces.map((p) => c.update(p));
  };
  return {
    header,
    nonce,
    seal(iv, pieces) {
      const out = ctr(iv, pieces);
      out.push(tagOf(iv, out));
      return out;
    },
    open(iv, pieces, tag) {
      return timingSafeEqual(tagOf(iv, pieces), tag) ? ctr(iv, pieces) : undefined;
    },
  };
}

/**
 * Input chunks queued without copying; `take` hands back subarrays. Chunks
 * of any size arrive, while segments must be cut at exact offsets.
 */
class ByteQueue {
  private chunks: Buffer[] = [];
  private offset = 0; // into chunks[0]
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let used = 0;
    this.length -= n;
    while (n > 0) {
      const chunk = this.chunks[used]!;
      const available = chunk.length - this.offset;
      if (available <= n) {
        out.push(this.offset === 0 ? chunk : chunk.subarray(this.offset));
        used++;
        this.offset = 0;
        n -= available;
      } else {
        out.push(chunk.subarray(this.offset, this.offset + n));
        this.offset += n;
        n = 0;
      }
    }
    // One splice per segment, not one shift per chunk: 1-byte chunks must not cost O(n²).
    if (used > 0) this.chunks.splice(0, used);
    return out.length > MAX_PIECES ? [Buffer.concat(out)] : out;
  }

  takeJoined(n: number): Buffer {
    const pieces = this.take(n);
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, n);
  }
}

const STREAM_BUFFER = 256 * 1024;

class EncryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private counter = 0;
  private started = false;

  constructor(private readonly cipher: SegmentCipher) {
    super({ highWaterMark: STREAM_BUFFER });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.queue.push(chunk);
    try {
      this.start();
      // A full segment is sealed only once a byte beyond it arrives: until then
      // it may be the last one, and the last flag is part of its nonce.
      while (this.queue.length > REPLICA_SEGMENT_SIZE) this.seal(REPLICA_SEGMENT_SIZE, false);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.start();
      this.seal(this.queue.length, true);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.push(this.cipher.header);
  }

  private seal(n: number, last: boolean): void {
    if (this.counter >= MAX_SEGMENTS) {
      throw new InvalidInputError({
        zh: '文件过大，无法加密（上限 256 TiB）',
        en: 'file too large to encrypt (256 TiB limit)',
      });
    }
    const nonce = this.cipher.nonce(this.counter++, last);
    for (const out of this.cipher.seal(nonce, this.queue.take(n))) this.push(out);
  }
}

class DecryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private counter = 0;
  private headerChecked = false;

  constructor(private readonly cipher: SegmentCipher) {
    super({ highWaterMark: STREAM_BUFFER });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.queue.push(chunk);
    try {
      if (!this.headerChecked) {
        if (this.queue.length < REPLICA_HEADER_SIZE) return done();
        this.checkHeader();
      }
      // As in encryption: a full segment is only known not to be the last once more bytes follow.
      while (this.queue.length > REPLICA_SEGMENT_SIZE + REPLICA_TAG_SIZE) this.open(REPLICA_SEGMENT_SIZE, false);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (!this.headerChecked || this.queue.length < REPLICA_TAG_SIZE) throw truncated(this.counter);
      this.open(this.queue.length - REPLICA_TAG_SIZE, true);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  /** Untrusted bytes: anything but our own header (magic, algorithm, segment size) is refused before any crypto. */
  private checkHeader(): void {
    const found = this.queue.takeJoined(REPLICA_HEADER_SIZE);
    if (!found.equals(this.cipher.header)) {
      throw new ReplicaCipherError(
        {
          zh: '副本密文头无效：不是本格式、或加密算法不符',
          en: 'invalid replica ciphertext header: not this format, or another algorithm',
        },
        { details: { reason: 'header', found: found.toString('hex') } },
      );
    }
    this.headerChecked = true;
  }

  private open(n: number, last: boolean): void {
    const segment = this.counter;
    const nonce = this.cipher.nonce(this.counter++, last);
    const pieces = this.queue.take(n);
    const plain = this.cipher.open(nonce, pieces, this.queue.takeJoined(REPLICA_TAG_SIZE));
    if (plain === undefined) {
      throw new ReplicaCipherError(
        {
          zh: `副本密文第 ${segment} 段校验失败：已被篡改、截断，或密钥、上下文不符`,
          en: `replica ciphertext segment ${segment} does not authenticate: tampered, truncated, or wrong key or context`,
        },
        { details: { reason: 'authentication', segment, last } },
      );
    }
    for (const p of plain) this.push(p);
  }
}

function truncated(segment: number): ReplicaCipherError {
  return new ReplicaCipherError(
    { zh: '副本密文不完整：已被截断', en: 'replica ciphertext is truncated' },
    { details: { reason: 'truncated', segment } },
  );
}
