import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { stagingPath, type Center } from '../center/index.js';
import { InvalidInputError, UploadTooLargeError, wrapWriteError } from '../core/index.js';
import type { Unit } from '../db/index.js';
import { UPLOAD_TYPES } from './routes/schemas.js';

/**
 * Stream a package upload (the raw request body) into a staging file, never
 * into memory, and hand the file to `use`; the file is removed afterwards
 * (whoever keeps it moves it first). The body may be no larger than the
 * center's `maxUploadBytes` and the unit's own package limit: a declared
 * Content-Length over it is refused before a byte is read, and a body that
 * grows past it (chunked, or lying about its length) is cut off there.
 */
export async function withUploadedBody<T>(
  center: Center,
  request: FastifyRequest,
  unit: Unit | undefined,
  use: (file: string) => Promise<T>,
): Promise<T> {
  const body = request.body as Readable | undefined;
  if (typeof body?.pipe !== 'function') {
    throw new InvalidInputError({
      zh: `请以 ${UPLOAD_TYPES.join('、')} 之一上传登记包`,
      en: `upload the package with Content-Type ${UPLOAD_TYPES.join(', ')}`,
    });
  }
  const unitLimit = unit?.maxPackageBytes ?? null;
  const limit = Math.min(center.config.maxUploadBytes, unitLimit ?? Number.MAX_SAFE_INTEGER);
  const tooLarge = (size: number | undefined) =>
    unitLimit !== null && unitLimit <= center.config.maxUploadBytes
      ? new UploadTooLargeError(size, unitLimit, unit?.code)
      : new UploadTooLargeError(size, center.config.maxUploadBytes);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared);
  let seen = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? tooLarge(undefined) : null, chunk);
    },
  });
  const file = stagingPath(center.config.stagingDir, 'upload');
  try {
    // The request is piped, not pipelined: over the limit it is let go, not destroyed, so the client
    // gets its 413 (errors.ts closes the connection after it) instead of a reset.
    body.once('error', (e) => meter.destroy(e));
    body.pipe(meter);
    await pipeline(meter, createWriteStream(file)).catch((e: unknown) => {
      body.unpipe(meter);
      if (e instanceof UploadTooLargeError) throw e;
      throw wrapWriteError(e, { zh: '接收上传失败', en: 'receiving the upload failed' });
    });
    return await use(file);
  } finally {
    await rm(file, { force: true });
  }
}
